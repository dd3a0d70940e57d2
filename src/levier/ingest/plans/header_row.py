"""Find the header row of a sheet below its title rows, and which column feeds which field.

Buyers put a title, a date, a logo line above the table, and sometimes a two-level header
("Dates prévisionnelles" merged over "Lancement" and "Notification"). Each of the first rows is scored
by how many distinct fields its cells name; the best row wins, and is combined with the row above or
below when that row is a second header level (it names more fields together than alone).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from levier.ingest.plans.headers import OBJECT, HeaderMatch, match_header, normalise_header
from levier.ingest.plans.sources import Row

# How far down a header may sit: past that, the sheet is not a plan.
SCAN_ROWS = 30
_MIN_FIELDS = 2
# Digits as in an amount or a date: a row that has them is data, not a second header level.
_DATA_LIKE = re.compile(r"\d[\d\s\u00a0\u202f.,]*\d{3}|\d{1,2}/\d{1,2}/\d{2,4}")


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the row
    header: str  # as the buyer wrote it ("Dates prévisionnelles / Lancement" for two levels)
    match: HeaderMatch | None


@dataclass(frozen=True)
class HeaderLayout:
    header_row: int  # row number of the last header row
    columns: list[Column]
    rows_above: list[Row]  # title rows, where the plan's year is often written
    data_start: int  # position in the scanned rows of the first data row


def _label(value: object) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _matches(labels: list[str], known: Mapping[str, str]) -> list[HeaderMatch | None]:
    """The match of each label; a header the organisation mapped before counts as that field."""
    result: list[HeaderMatch | None] = []
    for label in labels:
        mapped = known.get(normalise_header(label))
        result.append(HeaderMatch(mapped, 9) if mapped else match_header(label))
    return result


def _score(matches: list[HeaderMatch | None]) -> tuple[int, int]:
    fields = {match.field for match in matches if match}
    return len(fields), sum(match.strength for match in matches if match)


def _is_header_like(values: list[object]) -> bool:
    texts = [value for value in values if value is not None and str(value).strip()]
    if len({str(value) for value in texts}) < 2:
        return False  # a title merged across the width, or a lone note
    return all(isinstance(value, str) and not _DATA_LIKE.search(value) for value in texts)


def _combine(upper: list[object], lower: list[object]) -> list[str]:
    width = max(len(upper), len(lower))
    labels = []
    for index in range(width):
        top = _label(upper[index]) if index < len(upper) else ""
        bottom = _label(lower[index]) if index < len(lower) else ""
        if not bottom or normalise_header(top) == normalise_header(bottom):
            labels.append(top)
        elif not top:
            labels.append(bottom)
        else:
            labels.append(f"{top} / {bottom}")
    return labels


def locate_header(rows: list[Row], known: Mapping[str, str]) -> HeaderLayout | None:
    """The header among `rows` (the first non-empty rows of a sheet), or None when none looks like one."""
    best: tuple[tuple[int, int], int] | None = None
    for position, (_, values) in enumerate(rows):
        score = _score(_matches([_label(value) for value in values], known))
        if best is None or score > best[0]:
            best = (score, position)
    if best is None:
        return None
    position = best[1]
    labels = [_label(value) for value in rows[position][1]]
    matches = _matches(labels, known)
    last = position
    first = position
    # A second header level above (the best row is the lower level) or below (it is the upper one).
    for upper, lower in ((position - 1, position), (position, position + 1)):
        if upper < 0 or lower >= len(rows):
            continue
        other = rows[upper if lower == position else lower][1]
        if not _is_header_like(other):
            continue
        combined = _combine(rows[upper][1], rows[lower][1])
        combined_matches = _matches(combined, known)
        if _score(combined_matches) > _score(matches):
            labels, matches, first, last = combined, combined_matches, upper, lower
            break
    found = {match.field for match in matches if match}
    if len(found) < _MIN_FIELDS or OBJECT not in found:
        return None
    columns = [
        Column(index, label, match) for index, (label, match) in enumerate(zip(labels, matches, strict=True))
    ]
    return HeaderLayout(
        header_row=rows[last][0],
        columns=columns,
        rows_above=rows[:first],
        data_start=last + 1,
    )
