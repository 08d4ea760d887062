"""Server-side SVG charts: the same markup is inlined in the web page and in the PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

AREA_COLOURS = ["#b71c1c", "#ef6c00", "#1565c0", "#2e7d32", "#6a1b9a"]
FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"


@dataclass(frozen=True)
class Bar:
    label: str
    rank: int
    segments: Sequence[Decimal]  # one per area
    total: Decimal
    flag: str = ""


def ranking_chart(
    bars: Sequence[Bar], *, legend: Sequence[str], width: int = 680, max_value: float = 100.0
) -> SafeString:
    """A horizontal stacked bar per unit (rank order), one segment per annex-1 area."""
    label_w, row_h, top, right = 118, 15, 30, 46
    plot_w = width - label_w - right
    height = top + row_h * len(bars) + 24
    scale = plot_w / max_value if max_value else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ranking-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="10" role="img">'
    ]
    x = label_w
    for i, name in enumerate(legend):
        colour = AREA_COLOURS[i % len(AREA_COLOURS)]
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="15">{escape(name)}</text>')
        x += 14 + 12 * len(name) + 18
    for tick in range(0, int(max_value) + 1, 20):
        tx = label_w + tick * scale
        parts.append(f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - 20}" stroke="#d8dee4" '
                     f'stroke-width="0.5"/><text x="{tx:.1f}" y="{height - 8}" text-anchor="middle" '
                     f'fill="#636c76">{tick}</text>')
    for row, bar in enumerate(bars):
        y = top + row * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 10}" text-anchor="end">{bar.rank}. {escape(bar.label)}</text>')
        x0 = float(label_w)
        for i, value in enumerate(bar.segments):
            w = float(value) * scale
            if w > 0:
                parts.append(f'<rect x="{x0:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" '
                             f'fill="{AREA_COLOURS[i % len(AREA_COLOURS)]}"/>')
            x0 += w
        flag = f" {escape(bar.flag)}" if bar.flag else ""
        parts.append(f'<text x="{x0 + 4:.1f}" y="{y + 10}">{bar.total}{flag}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped
