"""The answers of a column-mapping screen, applied to a file's headers; sample values to show beside them.

An organisation's answers are kept as {normalised header: field}, an empty field meaning "this column is
not used". They are remembered across imports, so they apply to the headers a file has and are silently
skipped for the ones it does not (unlike a mapping given for one import, where a missing column is an
error). When two remembered headers of one file give the same field, the first answer wins: callers pass
the answers most recent first.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from levier.ingest.tabular import normalize_header

# Values shown beside each header on the mapping screen, taken from the first rows.
SAMPLE_ROWS = 20
SAMPLES_PER_COLUMN = 3


def apply_answers(
    headers: Iterable[str],
    answers: Mapping[str, str],
    key: Callable[[object], str] = normalize_header,
) -> tuple[dict[str, str], list[str]]:
    """{field: header} and the ignored headers, from remembered `answers` {header key: field or ""}."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(key(header), header)
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header_key, field_name in answers.items():
        header = by_key.get(header_key)
        if header is None:
            continue
        if not field_name:
            ignored.append(header)
        elif field_name not in mapping and header not in mapping.values():
            mapping[field_name] = header
    return mapping, ignored


class SampleCollector:
    """Keeps the first distinct non-empty values of each column over the first rows of a table."""

    def __init__(self, headers: Iterable[str], rows: int = SAMPLE_ROWS, per_column: int = SAMPLES_PER_COLUMN):
        self.samples: dict[str, list[str]] = {header: [] for header in headers}
        self._rows_left = rows
        self._per_column = per_column

    @property
    def done(self) -> bool:
        return self._rows_left <= 0

    def add(self, row: Mapping[str, str]) -> None:
        if self.done:
            return
        self._rows_left -= 1
        for header, values in self.samples.items():
            text = " ".join((row.get(header) or "").split())
            if text and len(values) < self._per_column and text not in values:
                values.append(text[:80])
