"""The loop every tabular structure reader shares: open the file, match its columns, stream its rows.

Readers describe the fields they want as `Column`s; this module reports file-level problems (no table,
a required column missing) once, so that a file that cannot be read yields no record at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from levier.ingest.errors import RowError, Severity
from levier.ingest.structures.records import ResultBuilder
from levier.ingest.tabular import Column, PathLike, TableError, open_table, resolve_columns


class RowView:
    """Raw cells of one row, looked up by field name through the resolved column mapping."""

    __slots__ = ("_columns", "_row")

    def __init__(self, row: Mapping[str, str], columns: Mapping[str, str]) -> None:
        self._row = row
        self._columns = columns

    def __getitem__(self, field: str) -> str:
        header = self._columns.get(field)
        if header is None:
            return ""
        return self._row.get(header, "") or ""

    def has_column(self, field: str) -> bool:
        return field in self._columns

    def values(self) -> tuple[str, ...]:
        """The whole row's cells, in file order (used to spot exact duplicate rows)."""
        return tuple(self._row.values())


def stream_rows(
    path: PathLike,
    columns: list[Column],
    builder: ResultBuilder,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
) -> Iterator[tuple[int, RowView]]:
    """Yield (real row number, RowView) for each non-blank data row; report file problems to `builder`."""
    try:
        table = open_table(path, sheet=sheet)
    except TableError as error:
        builder.add(error.error)
        return
    with table:
        info = table.info
        builder.total = info.total_rows
        resolved, problems = resolve_columns(info.headers, columns, mapping)
        for problem in problems:
            builder.add(problem)
        builder.file_info.update(
            format=info.format,
            encoding=info.encoding,
            delimiter=info.delimiter,
            sheet=info.sheet,
            header_row=info.header_row,
            headers=list(info.headers),
            columns=dict(resolved),
            ignored_columns=[
                header
                for index, header in enumerate(info.headers, start=1)
                if header not in resolved.values() and index not in info.unnamed_columns
            ],
            unnamed_columns=list(info.unnamed_columns),
        )
        if any(problem.severity == Severity.ERROR for problem in problems):
            return
        for number, row in table:
            builder.row_done()
            yield number, RowView(row, resolved)
        for anomaly in table.anomalies:
            if anomaly.code == "unreadable_row":
                builder.rows_read += 1
            builder.add(anomaly)
        if info.recoded_lines:
            lines = ", ".join(str(n) for n in info.recoded_lines[:20])
            more = " ..." if len(info.recoded_lines) > 20 else ""
            builder.add(
                RowError(
                    row=None,
                    field=None,
                    raw_value=None,
                    message=(
                        f"{len(info.recoded_lines)} ligne(s) n'étaient pas en UTF-8 comme le reste du "
                        f"fichier et ont été lues en Windows-1252 (lignes {lines}{more}) ; "
                        "vérifiez leurs accents."
                    ),
                    severity=Severity.WARNING,
                    code="mixed_encoding",
                )
            )
        builder.file_info["blank_rows"] = info.blank_rows
