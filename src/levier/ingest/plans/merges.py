"""Merged cells, filled from their top-left value while rows stream by.

Buyers merge cells for a reference or a service shared by several lines, and for grouped headers
("Dates prévisionnelles" over "Lancement" and "Notification"). Every cell of a merged range reads as the
top-left value, which is what the buyer sees. Only the ranges that cover the current row are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

# Columns past this are ignored: some files carry formatting to column XFD (16,384), no plan is that wide.
MAX_COLUMNS = 256


@dataclass(frozen=True, order=True)
class CellRange:
    """1-based, inclusive bounds, as in "B3:D5"."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @classmethod
    def from_a1(cls, ref: str) -> CellRange | None:
        start, _, end = ref.partition(":")
        first, last = _a1(start), _a1(end or start)
        if first is None or last is None:
            return None
        return cls(
            min(first[0], last[0]), min(first[1], last[1]), max(first[0], last[0]), max(first[1], last[1])
        )


def _a1(ref: str) -> tuple[int, int] | None:
    letters = "".join(char for char in ref if char.isalpha()).upper()
    digits = "".join(char for char in ref if char.isdigit())
    if not letters or not digits:
        return None
    column = 0
    for char in letters:
        column = column * 26 + (ord(char) - ord("A") + 1)
    return int(digits), column


class MergeFiller:
    """Fill merged ranges row by row; ranges may be known up front (xlsx) or added as found (ods)."""

    def __init__(self, ranges: list[CellRange] | None = None) -> None:
        self._pending = sorted(ranges or [], reverse=True)  # popped from the end: smallest min_row first
        self._active: list[tuple[CellRange, object]] = []

    def add(self, cell_range: CellRange) -> None:
        self._pending.append(cell_range)
        self._pending.sort(reverse=True)

    def fill(self, row_number: int, values: list[object]) -> list[object]:
        self._active = [(rng, value) for rng, value in self._active if rng.max_row >= row_number]
        while self._pending and self._pending[-1].min_row <= row_number:
            rng = self._pending.pop()
            if rng.max_row < row_number:
                continue
            # The top-left cell is on this row unless the range started on a row never read.
            top_left = (
                values[rng.min_col - 1] if rng.min_row == row_number and rng.min_col <= len(values) else None
            )
            self._active.append((rng, top_left))
        for rng, value in self._active:
            if value is None:
                continue
            last = min(rng.max_col, MAX_COLUMNS)
            if len(values) < last:
                values.extend([None] * (last - len(values)))
            for column in range(rng.min_col, last + 1):
                if values[column - 1] is None or values[column - 1] == "":
                    values[column - 1] = value
        return values
