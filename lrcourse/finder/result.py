"""What the LR range test returns: :class:`FinderResult`, with its summary, plot and JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from .. import i18n
from .rules import fmt_lr

i18n.load("finder")


@dataclass
class FinderResult:
    """What :func:`lr_range_test` found. Arrays are aligned: entry ``t`` belongs to update ``t``.

    Attributes: ``lrs``, ``losses`` (raw, one per update), ``smoothed`` (bias-corrected moving
    average), ``trend`` (what the rules read), ``val_losses`` (None, or NaN where not
    evaluated), ``suggestions`` (``valley``, ``steep``, ``minimum``), ``recommended``,
    ``reason`` (in the current language), ``diverged_at`` (LR or None), ``lr_at_min``,
    ``num_iters`` (asked), ``seconds``, ``mode``.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    trend: np.ndarray
    val_losses: np.ndarray | None
    suggestions: dict
    recommended: float
    diverged_at: float | None
    lr_at_min: float
    num_iters: int
    seconds: float
    mode: str = "exp"
    stop_key: str = "finder.stop.end"
    stop_values: dict = field(default_factory=dict)
    reason_key: str = "finder.reason.blend"
    reason_values: dict = field(default_factory=dict)
    suggested_on: str = "train"
    valley_span: tuple = (0, 0)

    @property
    def reason(self) -> str:
        """Why ``recommended`` is what it is, in the current language."""
        return i18n.t(self.reason_key, **self.reason_values)

    @property
    def stop(self) -> str:
        """How the run ended, in the current language."""
        return i18n.t(self.stop_key, **self.stop_values)

    @property
    def num_updates(self) -> int:
        return len(self.lrs)

    def summary(self) -> str:
        """One line: the recommended LR and why, the other rules, how the run ended, its cost."""
        return i18n.t(
            "finder.summary",
            lr=fmt_lr(self.recommended),
            reason=self.reason,
            valley=fmt_lr(self.suggestions.get("valley")),
            steep=fmt_lr(self.suggestions.get("steep")),
            minimum=fmt_lr(self.suggestions.get("minimum")),
            stop=self.stop,
            n=self.num_updates,
            seconds=self.seconds,
        )

    def __repr__(self) -> str:
        return (
            f"FinderResult(recommended={self.recommended:.3g}, suggestions="
            f"{ {k: float(f'{v:.3g}') for k, v in self.suggestions.items()} }, diverged_at="
            f"{None if self.diverged_at is None else float(f'{self.diverged_at:.3g}')}, updates={self.num_updates})"
        )

    def to_dict(self) -> dict:
        """Every field as plain numbers, strings and lists (JSON-ready; NaN in ``val_losses`` as
        None), plus ``reason`` (in the current language) and ``num_updates`` for whoever reads the
        JSON. :meth:`from_dict` reads it back."""
        return {
            "lrs": self.lrs.tolist(),
            "losses": self.losses.tolist(),
            "smoothed": self.smoothed.tolist(),
            "trend": self.trend.tolist(),
            "val_losses": None if self.val_losses is None
            else [None if not np.isfinite(v) else v for v in self.val_losses.tolist()],
            "suggestions": {k: float(v) for k, v in self.suggestions.items()},
            "recommended": float(self.recommended),
            "reason": self.reason,
            "diverged_at": None if self.diverged_at is None else float(self.diverged_at),
            "lr_at_min": float(self.lr_at_min),
            "num_iters": int(self.num_iters),
            "num_updates": self.num_updates,
            "seconds": float(self.seconds),
            "mode": self.mode,
            "stop_key": self.stop_key,
            "stop_values": dict(self.stop_values),
            "reason_key": self.reason_key,
            "reason_values": dict(self.reason_values),
            "suggested_on": self.suggested_on,
            "valley_span": [int(v) for v in self.valley_span],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "FinderResult":
        """The result saved by :meth:`to_dict` (keys that are not fields, such as ``reason``, are ignored)."""
        kwargs = {f.name: d[f.name] for f in fields(cls) if f.name in d}
        for name in ("lrs", "losses", "smoothed", "trend"):
            kwargs[name] = np.asarray(kwargs[name], dtype=float)
        if kwargs.get("val_losses") is not None:
            kwargs["val_losses"] = np.asarray([np.nan if v is None else v for v in kwargs["val_losses"]], dtype=float)
        if "valley_span" in kwargs:
            kwargs["valley_span"] = tuple(kwargs["valley_span"])
        return cls(**kwargs)

    def plot(self, ax=None, *, show_raw: bool = True, show_ema: bool = True, suggestions: bool = True):
        """Loss against LR: the raw losses, the moving average, the trend, the suggestions.

        Labels follow the current language. Returns the matplotlib Figure.
        """
        import matplotlib.pyplot as plt

        from ..plotting import use_course_fonts

        use_course_fonts()
        if ax is None:
            fig, ax = plt.subplots(figsize=(7.5, 4.5))
        else:
            fig = ax.figure
        lrs = self.lrs
        if show_raw:
            ax.plot(lrs, self.losses, ".", ms=3, color="0.65", label=i18n.t("finder.raw"))
        if show_ema:
            ax.plot(lrs, self.smoothed, "--", lw=1.2, color="tab:orange", label=i18n.t("finder.ema"))
        if self.suggested_on == "train":
            ax.plot(lrs, self.trend, "-", lw=2.2, color="tab:blue", label=i18n.t("finder.trend"))
        if self.val_losses is not None:
            ok = np.isfinite(self.val_losses)
            ax.plot(lrs[ok], self.val_losses[ok], "-", lw=1.5, color="tab:green", label=i18n.t("finder.val"))
            if self.suggested_on == "val":
                ax.plot(lrs[ok], self.trend, "-", lw=2.2, color="tab:blue", label=i18n.t("finder.trend"))
        # y range: from a little below the lowest trend to a little above the starting level,
        # so that the blow-up at the end does not squash the interesting part
        finite = self.trend[np.isfinite(self.trend)]
        if len(finite):
            lo, start = float(finite.min()), float(np.median(finite[: max(3, len(finite) // 10)]))
            top = max(start, float(np.percentile(finite, 90)))
            pad = 0.08 * max(top - lo, 1e-12)
            ax.set_ylim(lo - 3 * pad, top + 3 * pad)
        if suggestions:
            styles = {"valley": ("tab:purple", ":"), "steep": ("tab:red", ":"), "minimum": ("tab:brown", ":")}
            for name, lr in self.suggestions.items():
                color, ls = styles.get(name, ("0.3", ":"))
                ax.axvline(lr, color=color, ls=ls, lw=1.2, label=f"{i18n.t('finder.rule.' + name)} {fmt_lr(lr)}")
            ax.axvline(
                self.recommended,
                color="black",
                lw=2.0,
                alpha=0.8,
                label=i18n.t("finder.recommended_line", lr=fmt_lr(self.recommended)),
            )
        if self.diverged_at is not None:
            ax.axvline(self.diverged_at, color="crimson", lw=1.0, alpha=0.6,
                       label=i18n.t("finder.diverged_line", lr=fmt_lr(self.diverged_at)))
        if self.mode == "exp":
            ax.set_xscale("log")
            ax.set_xlabel(i18n.t("finder.xlabel"))
        else:
            ax.set_xlabel(i18n.t("finder.xlabel_linear"))
        ax.set_ylabel(i18n.t("finder.ylabel"))
        ax.set_title(i18n.t("finder.title"))
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(fontsize=8, loc="upper left")
        fig.tight_layout()
        return fig
