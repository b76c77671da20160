"""lrcourse.i18n and lrcourse.plotting: the language switch, the catalogue, Bengali glyphs and shaping in plots."""

import re
import tomllib
import types
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from matplotlib import font_manager, ft2font  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ft2font import FT2Font, LoadFlags  # noqa: E402

import lrcourse  # noqa: E402
from lrcourse import i18n, plotting  # noqa: E402
from lrcourse import schedules as S  # noqa: E402


def test_language_switch_and_catalogue():
    lrcourse.set_language("bn")
    assert lrcourse.get_language() == "bn"
    assert i18n.t("plot.lr") == "লার্নিং রেট (learning rate)"
    assert i18n.t("plot.lr", language="en") == "learning rate"
    lrcourse.set_language("en")
    assert i18n.t("plot.lr") == "learning rate"
    with pytest.raises(ValueError, match="language='fr'"):
        lrcourse.set_language("fr")
    with pytest.raises(KeyError, match="no message 'plot.nothing'"):
        i18n.t("plot.nothing")


def test_register_refuses_incomplete_or_inconsistent_messages():
    with pytest.raises(ValueError, match=r"no text for \['bn'\]"):
        i18n.register({"test.only_en": {"en": "hello"}})
    with pytest.raises(ValueError, match="placeholders differ"):
        i18n.register({"test.fields": {"en": "at t = {t}", "bn": "t = {step}-এ"}})
    i18n.register({"test.ok": {"en": "at t = {t}", "bn": "t = {t}-এ"}})
    i18n.register({"test.ok": {"en": "at t = {t}", "bn": "t = {t}-এ"}})  # re-import is fine
    with pytest.raises(ValueError, match="already registered"):
        i18n.register({"test.ok": {"en": "changed {t}", "bn": "বদল {t}"}})
    lrcourse.set_language("bn")
    assert i18n.t("test.ok", t=45) == "t = 45-এ"


def test_a_bengali_figure_renders_with_no_missing_glyph(tmp_path):
    lrcourse.set_language("bn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plotting.plot_schedules(
            {"কোসাইন (cosine)": S.cosine(1e-3, 1000), "ধাপে ধাপে কমানো (step decay)": S.step_decay(1e-3, 300)},
            1000,
            log="both",
            title="শিক্ষার হার কীভাবে বদলায়",
        )
        fig.savefig(tmp_path / "bn.png", dpi=60)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    assert (tmp_path / "bn.png").stat().st_size > 10_000
    axes = fig.axes
    assert axes[0].get_ylabel() == i18n.t("plot.lr") and axes[1].get_yscale() == "log"
    assert axes[0].get_xlabel().startswith("ধাপ")


def test_without_the_course_font_bengali_glyphs_would_be_missing(tmp_path):
    # Guards the test above: DejaVu Sans alone really lacks Bengali, so the fallback is what fixes it.
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("শিক্ষার হার")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(tmp_path / "plain.png", dpi=40)
    assert any("missing from font" in str(w.message) for w in caught)


def test_plot_schedules_draws_the_exact_curves_in_english():
    s = S.warmup_cosine(1e-3, 100, 1000)
    fig = plotting.plot_schedules([s, S.constant(5e-4)], 1000)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_array_equal(line.get_ydata(), s(np.arange(1001)))
    assert fig.axes[0].get_xlabel() == "step t (optimizer updates)"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][0] == repr(s)


def test_plot_schedules_refuses_bad_arguments():
    with pytest.raises(ValueError, match="total_steps=0"):
        plotting.plot_schedules(S.constant(0.1), 0)
    with pytest.raises(ValueError, match="log='yes'"):
        plotting.plot_schedules(S.constant(0.1), 10, log="yes")
    with pytest.raises(TypeError, match="dict"):
        plotting.plot_schedules(42, 10)


# ---------------------------------------------------------------- Bengali shaping
#
# Having every glyph is not enough for Bengali: the text must also be shaped. ক্ষ (ক + ্ + ষ) is one
# conjunct glyph of the font, and the vowel sign ি of কি follows ক in the string but is drawn before it.
# Matplotlib before 3.11 drew one glyph per code point (ক্ ষ, কি as ক followed by ি): every glyph
# present, no "missing from font" warning, and the words wrong. `_naive_layout` is that layout; the tests run their
# checks against it too (`no_shaping`), which is how they are shown to fail when shaping is missing.
# Also checked by running this file with FT2Font._layout replaced by `_naive_layout` for the whole session
# (a pytest plugin, Matplotlib 3.11.2): the shaping tests below fail, while the missing-glyph test above
# still passes; that test alone cannot see missing shaping.

ROOT = Path(__file__).resolve().parents[1]
SIZE_PT, DPI = 40, 100
NOTO = str(plotting.FONT_DIR / "NotoSansBengali-Regular.ttf")
CONJUNCT, PRE_BASE = "ক্ষ", "কি"


def _naive_layout(self, text, flags=LoadFlags.NO_HINTING, **_):
    """What Matplotlib < 3.11 laid out: each code point's own glyph (cmap lookup), side by side.

    A stand-in for FT2Font._layout (the layout Agg draws from), with the same per-glyph font fallback
    (this font, else the bundled Noto Sans Bengali) and no shaping.
    """
    noto = font_manager.get_font(NOTO)
    noto.set_size(SIZE_PT, DPI)
    x, items = 0.0, []
    for char in text:
        font = self if self.get_char_index(ord(char)) else noto
        glyph = font.get_char_index(ord(char))
        items.append(types.SimpleNamespace(ft_object=font, glyph_index=glyph, x=x, y=0.0, char=char, prev_kern=0.0))
        x += font.load_glyph(glyph, LoadFlags.NO_HINTING).linearHoriAdvance / 65536
    return items


@pytest.fixture
def no_shaping(monkeypatch):
    """Matplotlib as it was before 3.11: text laid out one glyph per code point, everywhere (Agg included)."""
    monkeypatch.setattr(FT2Font, "_layout", _naive_layout)


def _noto_layout(text):
    font = FT2Font(NOTO)
    font.set_size(SIZE_PT, DPI)
    return font, list(font._layout(text, LoadFlags.NO_HINTING))


def _shaping_problems() -> list[str]:
    """What is wrong with Matplotlib's layout of a conjunct and of a pre-base vowel sign (empty: shaped)."""
    problems = []
    font, items = _noto_layout(CONJUNCT)
    per_code_point = [font.get_char_index(ord(c)) for c in CONJUNCT]
    assert 0 not in per_code_point, "the bundled font lacks a glyph: a glyph problem, not a shaping one"
    if [item.glyph_index for item in items] == per_code_point:
        problems.append(f"{CONJUNCT} is laid out as its code points' glyphs {per_code_point}, not as the conjunct")
    font, items = _noto_layout(PRE_BASE)
    first_drawn = min(items, key=lambda item: item.x).glyph_index
    if first_drawn != font.get_char_index(ord(PRE_BASE[1])):
        problems.append(f"in {PRE_BASE}, the vowel sign {PRE_BASE[1]} is not drawn before {PRE_BASE[0]}")
    return problems


def test_matplotlib_shapes_bengali_conjuncts_and_pre_base_vowel_signs():
    assert getattr(ft2font, "__libraqm_version__", ""), f"matplotlib {matplotlib.__version__} has no libraqm"
    assert _shaping_problems() == []
    assert plotting.shapes_bengali()


def test_the_shaping_checks_fail_without_shaping(no_shaping, monkeypatch):
    # Guards the test above: with every glyph present but no shaping, both checks report, and so does
    # the probe that use_course_fonts() runs.
    assert _shaping_problems() == [
        "ক্ষ is laid out as its code points' glyphs [20, 65, 49], not as the conjunct",
        "in কি, the vowel sign ি is not drawn before ক",
    ]
    assert not plotting.shapes_bengali()
    monkeypatch.delattr(ft2font, "__libraqm_version__")
    assert not plotting.shapes_bengali()


def _ink(word: str) -> np.ndarray:
    """``word`` drawn by Agg in the course fonts, as ink levels 0-255."""
    plotting.use_course_fonts()
    fig = Figure(figsize=(3, 1), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.text(0.05, 0.3, word, fontsize=SIZE_PT, family=["DejaVu Sans", plotting.BENGALI_FONT])
    fig.canvas.draw()
    return 255 - np.asarray(fig.canvas.buffer_rgba())[..., 0].astype(int)


def _share_of_ink_that_differs(a: np.ndarray, b: np.ndarray) -> float:
    ink = (a > 64) | (b > 64)
    return float((np.abs(a - b) > 64).sum() / ink.sum())


@pytest.mark.parametrize("word", [CONJUNCT, PRE_BASE, "শিক্ষার"], ids=["conjunct", "pre-base", "word"])
def test_agg_draws_a_shaped_word_not_its_characters_one_by_one(word, monkeypatch):
    shaped = _ink(word)
    with monkeypatch.context() as m:
        m.setattr(FT2Font, "_layout", _naive_layout)
        one_by_one, again = _ink(word), _ink(word)
    # Without shaping, Agg would draw exactly `one_by_one` (the same drawing code, the same glyphs at the
    # same places): the comparison below then finds nothing, as `again` shows, and the test fails.
    # Measured with Matplotlib 3.11.2: 74-78 % of the ink differs.
    assert _share_of_ink_that_differs(one_by_one, again) == 0
    assert _share_of_ink_that_differs(shaped, one_by_one) > 0.3


def test_use_course_fonts_warns_once_in_the_course_language_without_shaping(monkeypatch):
    monkeypatch.setattr(plotting, "shapes_bengali", lambda: False)
    lrcourse.set_language("bn")
    plotting.use_course_fonts.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            plotting.use_course_fonts()
            plotting.use_course_fonts()
    finally:
        plotting.use_course_fonts.cache_clear()
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1
    assert "যুক্তাক্ষর" in messages[0] and 'pip install --upgrade "matplotlib>=3.11"' in messages[0]
    assert matplotlib.__version__ in messages[0]


def test_use_course_fonts_is_silent_when_matplotlib_shapes():
    plotting.use_course_fonts.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plotting.use_course_fonts()


def test_the_matplotlib_floor_is_the_one_that_shapes_everywhere():
    requirement = f"matplotlib>={plotting.MATPLOTLIB_FLOOR}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert requirement in project["dependencies"]
    assert requirement in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    installed = tuple(int(n) for n in re.findall(r"\d+", matplotlib.__version__)[:2])
    assert installed >= tuple(int(n) for n in plotting.MATPLOTLIB_FLOOR.split("."))
