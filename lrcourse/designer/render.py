"""A design as text (``d.report()``, the command line) and as HTML (``d.html()``, the widget's A/B table)."""

from __future__ import annotations

from html import escape

from .. import i18n

_SECTIONS = (("designer.warnings", "warnings", "#b3261e"), ("designer.recommendations", "recommendations", "#1f5f9e"))


def _mark(advice, warning: str) -> str:
    return warning if advice.kind == "warning" else ("✓" if advice.followed else "→")


def report(d, *, details: bool = True) -> str:
    """The design, its numbers, the warnings and the recommendations, as plain text."""
    lines = [f"{i18n.t('designer.cli.design')}: {d.schedule!r}", f"  {d.summary()}"]
    for title, attr, _ in _SECTIONS:
        items = getattr(d, attr)
        lines.append(f"{i18n.t(title)} ({len(items)}):")
        if not items:
            lines.append(f"  {i18n.t('designer.none')}")
        for a in items:
            tail = f" ({i18n.t('designer.followed')})" if a.followed else ""
            lines.append(f"  {_mark(a, '!')} {a.message}{tail}")
            if details:
                lines.append(f"      {i18n.t('designer.reason')}: {a.reason}")
                lines.append(f"      {i18n.t('designer.source')}: {a.source}")
    return "\n".join(lines)


def html(d) -> str:
    """The warnings and recommendations as HTML; each item carries its rule's name as ``data-rule``."""
    parts = ['<div class="lrd-advice-list" style="line-height:1.35">', f"<div><b>{escape(d.summary())}</b></div>"]
    for title, attr, colour in _SECTIONS:
        items = getattr(d, attr)
        parts.append(f'<h4 style="margin:6px 0 2px;color:{colour}">{escape(i18n.t(title))} ({len(items)})</h4>')
        if not items:
            parts.append(f"<div>{escape(i18n.t('designer.none'))}</div>")
            continue
        parts.append('<ul style="margin:0;padding-left:1.2em">')
        for a in items:
            tail = f" <i>({escape(i18n.t('designer.followed'))})</i>" if a.followed else ""
            parts.append(
                f'<li data-rule="{a.rule}"><b>{_mark(a, "⚠")}</b> {escape(a.message)}{tail}'
                f'<br><small><b>{escape(i18n.t("designer.reason"))}:</b> {escape(a.reason)}'
                f'<br><b>{escape(i18n.t("designer.source"))}:</b> {escape(a.source)}</small></li>'
            )
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def comparison_html(a, b) -> str:
    """Designs A and B side by side (peak, last and mean LR, warnings); empty without B."""
    if b is None:
        return ""
    t = i18n.t
    sa, sb = a.stats(), b.stats()
    rows = [(t("designer.ui.peak"), f"{sa['peak']:.3g}", f"{sb['peak']:.3g}"),
            (t("designer.ui.last"), f"{sa['last']:.3g}", f"{sb['last']:.3g}"),
            (t("designer.ui.mean"), f"{sa['mean']:.3g}", f"{sb['mean']:.3g}"),
            (t("designer.ui.warnings"), str(len(a.warnings)), str(len(b.warnings)))]
    td = 'style="padding:1px 14px 1px 0"'
    body = "".join(f"<tr><td {td}>{escape(r[0])}</td><td {td}>{r[1]}</td><td {td}>{r[2]}</td></tr>"
                   for r in rows)
    return (f'<div class="lrd-comparison"><b>{escape(t("designer.ui.compare"))}</b>'
            f'<table style="border-collapse:collapse;line-height:1.3"><tr><th></th>'
            f'<th {td}>A: {escape(a.name())}</th><th {td}>B: {escape(b.name())}</th></tr>{body}'
            "</table></div>")
