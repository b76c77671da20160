"""Plots of schedules, labelled in the course language, with the bundled Bengali font.

Matplotlib's default font (DejaVu Sans) has no Bengali glyphs. :func:`use_course_fonts`
registers the bundled Noto Sans Bengali (SIL Open Font License, see
``lrcourse/fonts/OFL.txt``) and puts it after DejaVu Sans in the font family,
so Latin text keeps its usual look and each Bengali character falls back to
Noto (Matplotlib >= 3.6 chooses a font per glyph).

Glyphs are not enough: Bengali must also be *shaped*. A conjunct such as ক্ষ (ক + ্ + ষ) is one
glyph of the font, not three, and the vowel sign ি of কি is written after ক but drawn before it.
Matplotlib shapes text only from 3.11 on (:data:`MATPLOTLIB_FLOOR`); :func:`use_course_fonts`
checks that the running Matplotlib does, and warns once, in the course language, when it does not.

The axis labels and titles are in ``lrcourse/locale/plotting.toml`` (keys ``plot.*``).
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from . import i18n
from .schedules import Schedule

FONT_DIR = Path(__file__).with_name("fonts")
BENGALI_FONT = "Noto Sans Bengali"

# The first Matplotlib that shapes complex scripts, Bengali included, is 3.11.0: "Complex text layout
# with libraqm" in "What's new in Matplotlib 3.11.0" (May 15, 2026; matplotlib/matplotlib,
# doc/release/prev_whats_new/whats_new_3.11.0.rst; implemented by matplotlib PR #30000, "Implement text
# shaping with libraqm"). The Agg renderer draws from that layout (RendererAgg.draw_text calls
# FT2Font._layout). Before 3.11, Matplotlib placed one glyph per code point, so Bengali conjuncts and
# pre-base vowel signs came out broken (matplotlib issue #8765, "Indic Script labels not rendered
# correctly"). pip users get the shaping too: the build compiles its own libraqm unless told otherwise
# (meson.options: `system-libraqm`, default false), and the wheels link it in statically (the
# ft2font extension of the 3.11.2 manylinux wheel needs no libraqm or libharfbuzz from the system,
# and reports libraqm 0.10.5). conda-forge's 3.11 builds link conda-forge's own libraqm package
# (conda-forge/matplotlib-feedstock PR #439). pyproject.toml and environment.yml require the same floor.
MATPLOTLIB_FLOOR = "3.11"
# ক + virama + ষ: the font's conjunct glyph when shaped, three glyphs side by side when not.
_SHAPING_PROBE = "ক্ষ"

i18n.load("plotting")


def shapes_bengali() -> bool:
    """Whether this Matplotlib shapes Bengali: the probe conjunct ক্ষ comes out as the font's conjunct.

    Matplotlib >= 3.11 built with libraqm has ``ft2font.__libraqm_version__``; the probe then asks its
    text layout (the one Agg draws with) for ক্ষ in the bundled Noto Sans Bengali and compares the glyphs
    with one cmap lookup per code point, which is what an unshaped layout draws.
    """
    from matplotlib import ft2font

    if not getattr(ft2font, "__libraqm_version__", ""):
        return False
    font = ft2font.FT2Font(str(FONT_DIR / "NotoSansBengali-Regular.ttf"))
    try:
        shaped = [item.glyph_index for item in font._layout(_SHAPING_PROBE, ft2font.LoadFlags.NO_HINTING)]
    except (AttributeError, TypeError):
        # FT2Font._layout is private and provisional (new in 3.11). Should a later release rename it or
        # change its arguments, trust the libraqm build flag above rather than warn about shaping
        # that is very likely there.
        return True
    return shaped != [font.get_char_index(ord(c)) for c in _SHAPING_PROBE]


@functools.cache
def use_course_fonts() -> None:
    """Register the bundled Bengali font with Matplotlib and use it as the fallback (once per session).

    Warns (UserWarning) when this Matplotlib cannot shape Bengali, saying which version to install.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    for path in sorted(FONT_DIR.glob("*.ttf")):
        font_manager.fontManager.addfont(str(path))
    # A list of concrete families (not the generic "sans-serif") is what enables per-glyph fallback.
    mpl.rcParams["font.family"] = ["DejaVu Sans", BENGALI_FONT]
    mpl.rcParams["axes.unicode_minus"] = True
    if not shapes_bengali():
        # Once per session (this function is cached), in the language of the notebook that plots first.
        warnings.warn(
            i18n.t("plot.no_shaping", installed=mpl.__version__, floor=MATPLOTLIB_FLOOR), UserWarning, stacklevel=2
        )


def _labelled(schedules) -> list[tuple[str, Schedule]]:
    if isinstance(schedules, Schedule):
        return [(repr(schedules), schedules)]
    if isinstance(schedules, Mapping):
        return [(str(k), v) for k, v in schedules.items()]
    if isinstance(schedules, Sequence):
        return [(repr(s), s) for s in schedules]
    raise TypeError(f"schedules={schedules!r} must be a schedule, a list of schedules or a dict {{label: schedule}}")


def plot_schedules(
    schedules,
    total_steps: int,
    ax=None,
    log: bool | str = False,
    title: str | None = None,
):
    """Draw one or several schedules over steps 0 … total_steps on one figure.

    ``schedules``: a schedule, a list (labelled by their repr) or a dict
    ``{label: schedule}``. ``log``: False (linear y axis), True (log y axis) or
    ``"both"`` (two panels side by side). Returns the Figure.
    """
    import matplotlib.pyplot as plt

    use_course_fonts()
    items = _labelled(schedules)
    if not items:
        raise ValueError("schedules is empty; give at least one schedule to plot")
    if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)) or total_steps < 1:
        raise ValueError(f"total_steps={total_steps!r} must be an int >= 1 (the last step to draw)")
    if log not in (False, True, "both"):
        raise ValueError(f"log={log!r} is not known; use False, True or 'both'")
    steps = np.arange(int(total_steps) + 1)
    curves = [(label, s(steps)) for label, s in items]

    if ax is None:
        ncols = 2 if log == "both" else 1
        fig, axes = plt.subplots(1, ncols, figsize=(6.4 * ncols, 4.0), squeeze=False)
        axes = list(axes[0])
    else:
        if log == "both":
            raise ValueError("log='both' draws two panels; leave ax=None, or pass log=True or False with an ax")
        axes, fig = [ax], ax.figure
    scales = ["linear", "log"] if log == "both" else ["log" if log else "linear"]

    for axis, scale in zip(axes, scales):
        for label, lrs in curves:
            axis.plot(steps, lrs, label=label, linewidth=1.8)
        axis.set_yscale(scale)
        if scale == "log":
            # Curves that reach 0 (warmup from 0, a decay to 0) would stretch the axis down to ~1e-12:
            # show five decades below the peak at most.
            values = np.concatenate([lrs for _, lrs in curves])
            positive = values[values > 0]
            if positive.size:
                axis.set_ylim(bottom=max(positive.min(), positive.max() * 1e-5) / 1.5)
        axis.set_xlabel(i18n.t("plot.step"))
        axis.set_ylabel(i18n.t("plot.lr_log" if scale == "log" else "plot.lr"))
        axis.grid(True, alpha=0.3, which="both" if scale == "log" else "major")
        if log == "both":
            axis.set_title(i18n.t("plot.log" if scale == "log" else "plot.linear"), fontsize=10)
        if len(curves) > 1 or isinstance(schedules, Mapping):
            axis.legend(fontsize=8)
    heading = title if title is not None else i18n.t("plot.title")
    if log == "both":
        fig.suptitle(heading)
    else:
        axes[0].set_title(heading)
    fig.tight_layout()
    return fig
