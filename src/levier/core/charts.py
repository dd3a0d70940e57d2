"""Charts drawn on the server as inline SVG: no script, no outside asset, readable without colour.

Each chart is an image with a title and a description for screen readers; the page shows the same figures
in a data table next to it (the chart only helps the eye).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 16, 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as a person reads it ("12 k€", "3 achats")


def _nice_ceiling(value: float, integer: bool = False) -> float:
    """A round top for the axis (1, 2 or 5 times a power of ten) so that the scale reads at a glance;
    for counts, at least 4 so that the four gridlines fall on whole numbers."""
    if integer:
        return float(4 * max(1, math.ceil(value / 4)))
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    chart_id: str,
    axis_text: Callable[[float], str] = lambda v: f"{v:g}",
    integer: bool = False,
) -> SafeString:
    """A vertical bar chart; `chart_id` must be unique in the page (it names the title and description).
    `integer`: the values are counts, so the axis shows whole numbers."""
    top = _nice_ceiling(max((float(b.value) for b in bars), default=0.0), integer)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)
    rects = []
    for index, bar in enumerate(bars):
        height = plot_h * float(bar.value) / top
        x = LEFT + index * slot + slot * 0.15
        y = TOP + plot_h - height
        rects.append(
            (
                f"{x:.1f}",
                f"{y:.1f}",
                f"{slot * 0.7:.1f}",
                f"{height:.1f}",
                f"{bar.label} : {bar.text}",
                f"{LEFT + index * slot + slot / 2:.1f}",
                f"{HEIGHT - BOTTOM + 16}",
                bar.label,
            )
        )
    gridlines = [(f"{TOP + plot_h * (1 - i / 4):.1f}", axis_text(top * i / 4)) for i in range(5)]
    return format_html(
        '<svg class="levier-chart" id="{id}" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{grid}{bars}</svg>',
        id=chart_id,
        w=WIDTH,
        h=HEIGHT,
        title=title,
        desc=description,
        grid=format_html_join(
            "",
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ddd" stroke-width="1"/>'
            '<text x="{}" y="{}" font-size="11" fill="#3a3a3a" text-anchor="end" '
            'dominant-baseline="middle">{}</text>',
            ((LEFT, WIDTH - RIGHT, y, y, LEFT - 6, y, text) for y, text in gridlines),
        ),
        bars=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#000091"><title>{}</title></rect>'
            '<text x="{}" y="{}" font-size="11" fill="#3a3a3a" text-anchor="middle">{}</text>',
            rects,
        ),
    )


def short_euros(value: float | Decimal) -> str:
    """Axis labels: 1 500 000 -> "1,5 M€", 12 000 -> "12 k€"."""
    value = float(value)
    for size, unit in ((1_000_000, "M€"), (1_000, "k€")):
        if abs(value) >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".").replace(".", ",") + f" {unit}"
    return f"{value:.0f} €"
