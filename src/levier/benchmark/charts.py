"""Horizontal bars for shares by category: the benchmark's categories (régions, buyer kinds, amount bands)
have long names that vertical bars (core.charts.bar_chart) cannot print under each bar.

Same conventions as core.charts: inline SVG, a title and a description for screen readers, every figure
also in the data table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from levier.core.charts import Bar

WIDTH = 640
ROW = 24
LABEL_WIDTH = 230
VALUE_WIDTH = 56
TOP = 8


def share_bars(bars: Sequence[Bar], *, title: str, description: str, chart_id: str) -> SafeString:
    """One bar per category, `value` a share between 0 and 1, the scale running from 0 to 100 %."""
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP * 2 + ROW * len(bars)
    rows = []
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        rows.append(
            (
                LABEL_WIDTH - 8,
                y + ROW * 0.65,
                bar.label,
                LABEL_WIDTH,
                y + 4,
                f"{plot * max(0.0, min(1.0, float(bar.value))):.1f}",
                ROW - 8,
                f"{bar.label} : {bar.text}",
                LABEL_WIDTH + plot + 6,
                y + ROW * 0.65,
                bar.text,
            )
        )
    return format_html(
        '<svg class="levier-chart" id="{id}" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line x1="{x}" x2="{x}" y1="{top}" y2="{bottom}" class="levier-chart__grid"/>{rows}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        desc=description,
        x=LABEL_WIDTH,
        top=TOP,
        bottom=height - TOP,
        rows=format_html_join(
            "",
            '<text x="{}" y="{}" class="levier-chart__label" text-anchor="end">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" class="levier-chart__bar"><title>{}</title></rect>'
            '<text x="{}" y="{}" class="levier-chart__axis">{}</text>',
            rows,
        ),
    )
