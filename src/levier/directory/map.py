"""The map of départements coloured by a count, drawn server-side as inline SVG, offline.

Outlines come from the shipped static/directory/departements-contours.json (CC BY 4.0, see the licence
file beside it). Paris and its inner ring are too small to see at the map's size: they are drawn again,
magnified, in an inset; the overseas départements, absent from the source drawing, are drawn as tiles.
The page always shows the same counts in a table: the map is for looking, the table for reading.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from levier.directory.map_build import parse_rings
from levier.rules.geography import shipped_departements

CONTOURS = Path(__file__).with_name("static") / "directory" / "departements-contours.json"
INNER_RING = ("75", "92", "93", "94")
OVERSEAS = ("971", "972", "973", "974", "976")
# DSFR blue-france scale, lightest for zero; 0 has its own class so that an empty area reads as empty.
PALETTE = ("#f6f6f6", "#e3e3fd", "#cacafb", "#8585f6", "#6a6af4", "#000091")


@dataclass(frozen=True)
class Outlines:
    view_box: tuple[float, float, float, float]
    paths: Mapping[str, str]
    source: str
    licence: str


@cache
def outlines() -> Outlines:
    document = json.loads(CONTOURS.read_text(encoding="utf-8"))
    box = tuple(float(part) for part in document["viewBox"].split())
    paths = {code: entry["d"] for code, entry in document["departements"].items()}
    return Outlines(box, paths, document["source"], document["licence"])  # type: ignore[arg-type]


def _bounds(codes: tuple[str, ...]) -> tuple[float, float, float, float]:
    points = [point for code in codes for ring in parse_rings(outlines().paths[code]) for point in ring]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def classes(counts: Mapping[str, int]) -> list[tuple[int, int]]:
    """Up to five ranges (low, high) over the non-zero counts, by quantiles, without overlap."""
    values = sorted(v for v in counts.values() if v > 0)
    if not values:
        return []
    bounds: list[tuple[int, int]] = []
    low = values[0]
    for step in range(1, 6):
        high = values[min(len(values) - 1, round(step * len(values) / 5) - 1)]
        if high >= low:
            bounds.append((low, high))
            low = high + 1
    if bounds[-1][1] < values[-1]:
        bounds[-1] = (bounds[-1][0], values[-1])
    return bounds


def colour_for(count: int, ranges: list[tuple[int, int]]) -> str:
    if count <= 0:
        return PALETTE[0]
    for index, (_low, high) in enumerate(ranges):
        if count <= high:
            return PALETTE[index + 1]
    return PALETTE[-1]


def _plural(count: int) -> str:
    return f"{count} structure" if count <= 1 else f"{count} structures"


def _shape(code: str, d: str, count: int, ranges, link: Callable[[str], str] | None) -> str:
    name = shipped_departements()[code].name if code in shipped_departements() else code
    label = f"{name} ({code}) : {_plural(count)}"
    path = (
        f'<path d="{d}" fill="{colour_for(count, ranges)}" stroke="#ffffff" stroke-width="0.6" '
        f'vector-effect="non-scaling-stroke" data-departement="{code}"><title>{escape(label)}</title></path>'
    )
    if link is None:
        return path
    # The links repeat the table's, which keyboard and screen-reader users follow: out of the tab order.
    return f'<a href="{escape(link(code))}" tabindex="-1" aria-hidden="true">{path}</a>'


def departement_map_svg(
    counts: Mapping[str, int], *, title: str, link: Callable[[str], str] | None = None
) -> str:
    """An SVG of every département coloured by `counts` (code -> count), with a legend."""
    shapes = outlines()
    ranges = classes(counts)
    x0, y0, width, height = shapes.view_box
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0} {y0} {width} {height + 40}" '
        f'role="img" aria-labelledby="carte-titre" class="levier-carte">',
        f'<title id="carte-titre">{escape(title)}</title>',
    ]
    parts += [_shape(code, d, counts.get(code, 0), ranges, link) for code, d in shapes.paths.items()]

    # Inset: Paris and the inner ring, magnified, in the empty Channel corner.
    left, top, right, bottom = _bounds(INNER_RING)
    scale = 90 / max(right - left, bottom - top)
    parts.append(
        '<rect x="4" y="4" width="104" height="118" fill="#ffffff" stroke="#929292" stroke-width="0.6"/>'
        '<text x="10" y="16" font-size="9" fill="#161616">Paris et petite couronne</text>'
        f'<g transform="translate(11 26) scale({scale:.3f}) translate({-left:.1f} {-top:.1f})">'
    )
    parts += [_shape(code, shapes.paths[code], counts.get(code, 0), ranges, link) for code in INNER_RING]
    parts.append("</g>")

    # Overseas départements as tiles along the bottom-left corner.
    for index, code in enumerate(OVERSEAS):
        x, y = 6 + index * 40, height - 64
        count = counts.get(code, 0)
        name = shipped_departements()[code].name
        tile = (
            f'<rect x="{x}" y="{y}" width="34" height="34" rx="2" fill="{colour_for(count, ranges)}" '
            f'stroke="#929292" stroke-width="0.6"><title>{escape(f"{name} ({code}) : {_plural(count)}")}'
            f'</title></rect><text x="{x + 17}" y="{y + 46}" font-size="9" text-anchor="middle" '
            f'fill="#161616">{code}</text>'
        )
        if link is not None:
            tile = f'<a href="{escape(link(code))}" tabindex="-1" aria-hidden="true">{tile}</a>'
        parts.append(tile)

    # Legend under the map.
    legend_y = height + 12
    entries = [("0", PALETTE[0])] + [
        (f"{low}" if low == high else f"{low} à {high}", PALETTE[index + 1])
        for index, (low, high) in enumerate(ranges)
    ]
    for index, (text, colour) in enumerate(entries):
        x = 6 + index * 100
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="14" height="14" fill="{colour}" stroke="#929292" '
            f'stroke-width="0.6"/><text x="{x + 19}" y="{legend_y + 11}" font-size="10" '
            f'fill="#161616">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
