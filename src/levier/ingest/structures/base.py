"""The loop every tabular structure reader shares: open the file, match its columns, stream its rows.

Readers describe the fields they want as `Column`s; this module reports file-level problems (no table,
a required column missing) once, so that a file that cannot be read yields no record at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from levier.ingest.errors import RowError, Severity
from levier.ingest.structures import cleaning as c
from levier.ingest.structures.records import ResultBuilder, Source, StructureRecord, row_record
from levier.ingest.tabular import Column, PathLike, TableError, open_table, resolve_columns
from levier.rules.siret import SiretCheck

# A cleaning function of `cleaning`: raw cell -> (clean value, issue to report or None).
Cleaner = Callable[[str], tuple[object, c.Issue | None]]


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


def read_rows(
    path: PathLike,
    columns: list[Column],
    builder: ResultBuilder,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
) -> Iterator[RowCells]:
    """Yield each non-blank data row with its real row number; report file problems to `builder`."""
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
        labels = {column.field: column.label for column in columns}
        for number, row in table:
            builder.row_done()
            yield RowCells(number, RowView(row, resolved), labels, builder)
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


class RowCells:
    """One data row being read: its cells by field name, and the report of what cleaning them found.

    Issues are reported under the field's French label; one of severity ERROR rejects the row.
    """

    __slots__ = ("cells", "ctx", "labels", "number")

    def __init__(
        self, number: int, cells: RowView, labels: Mapping[str, str], builder: ResultBuilder
    ) -> None:
        self.number = number
        self.cells = cells
        self.labels = labels
        self.ctx = c.RowContext(number, builder.add)

    def __getitem__(self, field: str) -> str:
        return self.cells[field]

    @property
    def rejected(self) -> bool:
        return self.ctx.rejected

    def text(self, field: str) -> str | None:
        return c.clean_text(self.cells[field])

    def read(self, field: str, cleaner: Cleaner) -> object:
        """The cell cleaned, its issue (if any) reported."""
        raw = self.cells[field]
        value, issue = cleaner(raw)
        self.ctx.report(self.labels[field], raw, issue)
        return value

    def report(self, field: str, raw: object, issue: c.Issue | None) -> None:
        self.ctx.report(self.labels[field], raw, issue)

    def reject(self, field: str, raw: object, code: str, message: str) -> None:
        self.ctx.reject(self.labels[field], raw, code, message)

    def siret(self, *, is_key: bool) -> SiretCheck:
        """The "siret" cell checked; when it is the key, an unusable SIRET rejects the row."""
        check, issue = c.check_siret(self.cells["siret"], is_key=is_key)
        self.report("siret", self.cells["siret"], issue)
        return check

    def required_name(self, missing: str) -> str | None:
        """The "name" cell; when empty the row is rejected with `missing` ("nom absent") as the reason."""
        name = self.text("name")
        if name is None:
            self.reject("name", self.cells["name"], "name_missing", f"{missing} ; ligne rejetée.")
        return name

    def first_time(self, seen: dict[str, int], key: str, field: str, shown: str) -> bool:
        """True the first time `key` is met (its row kept in `seen`); after that the row is rejected."""
        if key in seen:
            message = f"{shown} {key} déjà lu ligne {seen[key]} ; ligne rejetée (doublon)."
            self.reject(field, key, "duplicate_key", message)
            return False
        seen[key] = self.number
        return True

    def record(self, source: Source, key: str, **values: object) -> StructureRecord:
        """The record this row alone makes."""
        return row_record(source, key, self.number, **values)
