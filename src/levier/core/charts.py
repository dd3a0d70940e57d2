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


# --- Horizontal bars, progress to targets, lines over time -----------------------------------------------

LABEL_WIDTH, ROW_HEIGHT, VALUE_WIDTH = 220, 26, 110
LABEL_CHARS = 34


def _cut(text: str, size: int = LABEL_CHARS) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _svg(chart_id: str, height: float, title: str, description: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="levier-chart" id="{id}" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=f"{height:.0f}",
        title=title,
        desc=description,
        body=body,
    )


def hbar_chart(bars: Sequence[Bar], *, title: str, description: str, chart_id: str) -> SafeString:
    """One horizontal bar per row, for long labels (services, buyers, categories); every bar prints its
    value as text, so that nothing depends on reading the length of a bar."""
    top = _nice_ceiling(max((float(b.value) for b in bars), default=0.0))
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for index, bar in enumerate(bars):
        y = TOP / 2 + index * ROW_HEIGHT
        width = plot * max(0.0, float(bar.value)) / top
        rows.append(
            (
                LABEL_WIDTH - 8,
                f"{y + ROW_HEIGHT * 0.62:.1f}",
                _cut(bar.label),
                LABEL_WIDTH,
                f"{y + 4:.1f}",
                f"{width:.1f}",
                ROW_HEIGHT - 8,
                f"{bar.label} : {bar.text}",
                f"{LABEL_WIDTH + width + 6:.1f}",
                f"{y + ROW_HEIGHT * 0.62:.1f}",
                bar.text,
            )
        )
    height = TOP + ROW_HEIGHT * max(len(bars), 1)
    body = format_html(
        '<line x1="{x}" x2="{x}" y1="{y1}" y2="{y2}" stroke="#ddd" stroke-width="1"/>{rows}',
        x=LABEL_WIDTH,
        y1=TOP / 2,
        y2=height - TOP / 2,
        rows=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="11" fill="#3a3a3a" text-anchor="end">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#000091"><title>{}</title></rect>'
            '<text x="{}" y="{}" font-size="11" fill="#3a3a3a">{}</text>',
            rows,
        ),
    )
    return _svg(chart_id, height, title, description, body)


@dataclass(frozen=True)
class Gauge:
    """Progress to one target: `ratio` is actual ÷ target (1.0 = reached), `expected` where the actual
    should stand today on the same scale (None: not drawn); `text` says it in words ("45 000 € sur 60 000 €,
    75 %, en retard"), since the bar alone would not."""

    label: str
    ratio: float | None
    expected: float | None
    text: str


GAUGE_ROW = 62


def progress_chart(gauges: Sequence[Gauge], *, title: str, description: str, chart_id: str) -> SafeString:
    """One bar per target from 0 to 100 % of the target (longer when exceeded, up to twice the target), a
    solid mark at the target and a dashed mark where the value is expected today; the label above the bar
    and the words after it carry every figure."""
    scale = max([1.0] + [min(2.0, g.ratio) for g in gauges if g.ratio is not None])
    plot = WIDTH - LEFT - RIGHT
    rows, marks = [], []
    for index, gauge in enumerate(gauges):
        y = TOP / 2 + index * GAUGE_ROW
        width = plot * min(scale, max(0.0, gauge.ratio or 0.0)) / scale
        label_y, bar_y, text_y = f"{y + 12:.1f}", f"{y + 18:.1f}", f"{y + 50:.1f}"
        tip = f"{gauge.label} : {gauge.text}"
        rows.append((LEFT, label_y, _cut(gauge.label, 95), LEFT, bar_y, f"{plot:.1f}"))
        rows[-1] += (LEFT, bar_y, f"{width:.1f}", tip, LEFT, text_y, gauge.text)
        target_x = LEFT + plot / scale
        marks.append((f"{target_x:.1f}", f"{target_x:.1f}", f"{y + 15:.1f}", f"{y + 39:.1f}", "", "cible"))
        if gauge.expected is not None:
            expected_x = LEFT + plot * min(scale, max(0.0, gauge.expected)) / scale
            marks.append(
                (f"{expected_x:.1f}", f"{expected_x:.1f}", f"{y + 15:.1f}", f"{y + 39:.1f}", "4 3", "attendu")
            )
    height = TOP + GAUGE_ROW * max(len(gauges), 1)
    body = format_html(
        "{rows}{marks}",
        rows=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="12" font-weight="bold" fill="#161616">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="18" fill="#eee" stroke="#929292"/>'
            '<rect x="{}" y="{}" width="{}" height="18" fill="#000091"><title>{}</title></rect>'
            '<text x="{}" y="{}" font-size="11" fill="#3a3a3a">{}</text>',
            rows,
        ),
        marks=format_html_join(
            "",
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#161616" stroke-width="2" stroke-dasharray="{}">'
            "<title>{}</title></line>",
            marks,
        ),
    )
    return _svg(chart_id, height, title, description, body)


@dataclass(frozen=True)
class Series:
    """One line of a line chart; `values` follow the chart's labels (None: no point for that label)."""

    name: str
    values: Sequence[float | None]
    texts: Sequence[str] = ()


# Lines differ by their dash and their marker as well as by their colour.
LINE_STYLES = [
    ("#000091", "", "circle"),
    ("#b34000", "6 4", "square"),
    ("#18753c", "2 3", "triangle"),
    ("#6e445a", "8 3 2 3", "diamond"),
]


def _marker(shape: str, x: float, y: float, colour: str, tip: str) -> SafeString:
    if shape == "circle":
        element = format_html('<circle cx="{}" cy="{}" r="4" fill="{}">', f"{x:.1f}", f"{y:.1f}", colour)
        closing = "</circle>"
    elif shape == "square":
        element = format_html(
            '<rect x="{}" y="{}" width="8" height="8" fill="{}">', f"{x - 4:.1f}", f"{y - 4:.1f}", colour
        )
        closing = "</rect>"
    else:
        points = (
            f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
            if shape == "triangle"
            else f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        )
        element = format_html('<polygon points="{}" fill="{}">', points, colour)
        closing = "</polygon>"
    return format_html("{}<title>{}</title>{}", element, tip, SafeString(closing))


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    chart_id: str,
    axis_text: Callable[[float], str] = lambda v: f"{v:g}",
    integer: bool = False,
) -> SafeString:
    """Values over time (years, months): one line per series, each with its own dash and marker shape,
    and a legend; a missing value breaks the line."""
    values = [float(v) for s in series for v in s.values if v is not None]
    top = _nice_ceiling(max(values, default=0.0), integer)
    legend_h = 18 * len(series)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)

    def x_of(index: int) -> float:
        return LEFT + index * slot + slot / 2

    def y_of(value: float) -> float:
        return TOP + plot_h - plot_h * float(value) / top

    parts = []
    for number, line in enumerate(series):
        colour, dash, shape = LINE_STYLES[number % len(LINE_STYLES)]
        segments, current = [], []
        for index, value in enumerate(line.values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append(f"{x_of(index):.1f},{y_of(value):.1f}")
        if current:
            segments.append(current)
        for points in segments:
            parts.append(
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}"/>',
                    " ".join(points),
                    colour,
                    dash,
                )
            )
        for index, value in enumerate(line.values):
            if value is None:
                continue
            text = line.texts[index] if index < len(line.texts) else axis_text(float(value))
            parts.append(
                _marker(shape, x_of(index), y_of(value), colour, f"{line.name}, {labels[index]} : {text}")
            )
        legend_y = HEIGHT + 6 + number * 18
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" stroke-dasharray="{}"/>{}'
                '<text x="{}" y="{}" font-size="11" fill="#3a3a3a" dominant-baseline="middle">{}</text>',
                LEFT,
                LEFT + 36,
                legend_y,
                legend_y,
                colour,
                dash,
                _marker(shape, LEFT + 18, legend_y, colour, line.name),
                LEFT + 44,
                legend_y,
                line.name,
            )
        )
    gridlines = [(f"{TOP + plot_h * (1 - i / 4):.1f}", axis_text(top * i / 4)) for i in range(5)]
    body = format_html(
        "{grid}{ticks}{parts}",
        grid=format_html_join(
            "",
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ddd" stroke-width="1"/>'
            '<text x="{}" y="{}" font-size="11" fill="#3a3a3a" text-anchor="end" '
            'dominant-baseline="middle">{}</text>',
            ((LEFT, WIDTH - RIGHT, y, y, LEFT - 6, y, text) for y, text in gridlines),
        ),
        ticks=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="11" fill="#3a3a3a" text-anchor="middle">{}</text>',
            ((f"{x_of(i):.1f}", HEIGHT - BOTTOM + 16, label) for i, label in enumerate(labels)),
        ),
        parts=format_html_join("", "{}", ((p,) for p in parts)),
    )
    return _svg(chart_id, HEIGHT + legend_h + 4, title, description, body)
