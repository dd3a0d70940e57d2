"""Read a buyer's purchase plan (xlsx, ods, csv) into planned purchases, without touching a database.

Rows stream from the file: only the first rows of a sheet are held (to find the header) and the records
built so far; the workbook itself is never loaded whole. docs/formats/plans.md describes the accepted
layouts, the header dictionary and the stable key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import chain
from pathlib import Path

from levier.ingest.errors import RowError, Severity
from levier.ingest.plans import headers as h
from levier.ingest.plans.header_row import SCAN_ROWS, Column, HeaderLayout, locate_header
from levier.ingest.plans.keys import lot_key, purchase_key
from levier.ingest.plans.lots import PurchaseAssembler
from levier.ingest.plans.records import (
    PURCHASE_VALUES,
    AmountBasis,
    PlannedPurchaseRecord,
    PlanReadResult,
    SheetReport,
    SkippedSheet,
)
from levier.ingest.plans.rows import RowParser, RowValues, is_blank, text_value
from levier.ingest.plans.sources import (
    PlanSource,
    Row,
    UnreadableFile,
    detect_format,
    iter_sheets,
    open_binary,
)
from levier.rules.text import fold

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_TOTAL_WORDS = ("total", "sous total", "montant total", "totaux", "total general")


def read_plan(
    source: PlanSource,
    *,
    filename: str | None = None,
    mapping: Mapping[str, str] | None = None,
    ignored_columns: Iterable[str] = (),
    amount_basis: AmountBasis | None = None,
    plan_year: int | None = None,
    sheets: Iterable[str] | None = None,
) -> PlanReadResult:
    """Read every sheet of a plan that looks like one.

    - `mapping`: field -> column header, the organisation's answers on the mapping screen; it overrides
      and extends the header dictionary (fields are `headers.FIELDS`).
    - `ignored_columns`: headers the organisation chose to ignore (they leave `unmapped_columns`).
    - `amount_basis`: what an amount column whose header does not say covers (per year or whole duration).
    - `plan_year`: the plan's year when the file does not say it; used in the stable key of lines
      without a reference and without dates.
    - `sheets`: names of the sheets to read; others are reported as skipped.
    """
    known = _known_headers(mapping or {})
    ignored = {h.normalise_header(header) for header in ignored_columns}
    wanted = {fold(name) for name in sheets} if sheets is not None else None
    result = PlanReadResult()
    name_for_csv = Path(filename).stem if filename else "CSV"
    stream = open_binary(source)
    try:
        file_format = detect_format(stream)
        for sheet in iter_sheets(stream, file_format, name_for_csv):
            if wanted is not None and fold(sheet.name) not in wanted:
                result.sheets_skipped.append(SkippedSheet(sheet.name, "Feuille non sélectionnée."))
                continue
            _SheetReader(sheet.name, result, known, ignored, amount_basis, plan_year, filename).read(
                sheet.rows
            )
    except UnreadableFile as exc:
        result.errors.append(RowError(None, None, None, str(exc), Severity.ERROR, "unreadable_file"))
        return result
    finally:
        if stream is not source:
            stream.close()
    if not result.sheets_read and not result.errors:
        reasons = "; ".join(f"« {skipped.name} » : {skipped.reason}" for skipped in result.sheets_skipped)
        result.errors.append(
            RowError(
                None,
                None,
                None,
                f"Aucune feuille ne ressemble à un plan d'achats ({reasons}). Il faut au moins une colonne "
                "d'objet et une autre colonne reconnue (montant, date, service...).",
                Severity.ERROR,
                "no_plan_found",
            )
        )
    _assign_keys(result)
    return result


def _known_headers(mapping: Mapping[str, str]) -> dict[str, str]:
    unknown = set(mapping) - set(h.FIELDS)
    if unknown:
        # The mapping comes from the application, not from the user's file: a wrong field is a bug.
        raise ValueError(f"Unknown plan fields in mapping: {sorted(unknown)}")
    return {h.normalise_header(header): field_name for field_name, header in mapping.items() if header}


class _SheetReader:
    def __init__(
        self,
        name: str,
        result: PlanReadResult,
        known: dict[str, str],
        ignored: set[str],
        amount_basis: AmountBasis | None,
        plan_year: int | None,
        filename: str | None,
    ) -> None:
        self.name = name
        self.result = result
        self.known = known
        self.ignored = ignored
        self.amount_basis = amount_basis
        self.plan_year = plan_year
        self.filename = filename

    def warn(self, row: int | None, header: str | None, raw: object, message: str, code: str) -> None:
        self.result.warnings.append(
            RowError(row, header, text_value(raw), message, Severity.WARNING, code, sheet=self.name)
        )

    def error(self, row: int | None, header: str | None, raw: object, message: str, code: str) -> None:
        self.result.errors.append(
            RowError(row, header, text_value(raw), message, Severity.ERROR, code, sheet=self.name)
        )

    def read(self, rows: Iterator[Row]) -> None:
        head: list[Row] = []
        for row in rows:
            if not is_blank(row[1]):
                head.append(row)
                if len(head) >= SCAN_ROWS:
                    break
        if not head:
            self.result.sheets_skipped.append(SkippedSheet(self.name, "Feuille vide."))
            return
        layout = locate_header(head, self.known)
        if layout is None:
            self.result.sheets_skipped.append(
                SkippedSheet(
                    self.name,
                    f"Aucune ligne d'en-tête reconnue dans les {SCAN_ROWS} premières lignes "
                    "(il faut une colonne d'objet et au moins une autre : montant, date, service...).",
                )
            )
            return
        columns, report = self._map_columns(layout)
        self.result.sheets_read.append(report)
        year = self.plan_year or self._year_from_titles(layout)
        parser = RowParser(self.name, columns, self.amount_basis)
        self._warn_unknown_basis(columns)
        assembler = PurchaseAssembler(
            lambda values: _record(values, year),
            lambda row, message, code: self.warn(row, None, None, message, code),
        )
        header_labels = [fold(column.header) for column in layout.columns]
        for row_number, values in chain(head[layout.data_start :], rows):
            self._read_row(row_number, values, parser, assembler, header_labels, columns)
        purchases = assembler.finish()
        report.purchases = len(purchases)
        self.result.purchases.extend(purchases)

    def _map_columns(self, layout: HeaderLayout) -> tuple[dict[str, Column], SheetReport]:
        columns: dict[str, Column] = {}
        unmapped: list[str] = []
        for column in layout.columns:
            if not column.header:
                continue
            folded = h.normalise_header(column.header)
            if folded in self.ignored:
                continue
            field_name = column.match.field if column.match else None
            if field_name is None or field_name in columns:
                if field_name is not None:
                    self.warn(
                        layout.header_row,
                        column.header,
                        None,
                        f"Deux colonnes pour « {h.FIELD_LABELS_FR[field_name]} » : "
                        f"« {columns[field_name].header} » est lue, celle-ci est ignorée.",
                        "duplicate_column",
                    )
                unmapped.append(column.header)
                continue
            columns[field_name] = column
        report = SheetReport(
            name=self.name,
            header_row=layout.header_row,
            column_mapping={field_name: column.header for field_name, column in columns.items()},
            unmapped_columns=unmapped,
        )
        return columns, report

    def _warn_unknown_basis(self, columns: dict[str, Column]) -> None:
        column = columns.get(h.AMOUNT)
        if column and self.amount_basis is None and not ({h.AMOUNT_ANNUAL, h.AMOUNT_TOTAL} & set(columns)):
            self.warn(
                None,
                column.header,
                None,
                f"La colonne « {column.header} » ne dit pas si le montant est annuel ou sur toute la durée "
                "du marché : précisez-le dans l'écran de correspondance des colonnes.",
                "amount_basis_unknown",
            )

    def _year_from_titles(self, layout: HeaderLayout) -> int | None:
        """The plan's year, when the title rows, the sheet name or the file name give exactly one."""
        for texts in (
            [text_value(value) or "" for _, values in layout.rows_above for value in values],
            [self.name],
            [self.filename or ""],
        ):
            years = {int(year) for text in texts for year in _YEAR.findall(text)}
            if len(years) == 1:
                return years.pop()
        return None

    def _read_row(
        self,
        row_number: int,
        values: list[object],
        parser: RowParser,
        assembler: PurchaseAssembler,
        header_labels: list[str],
        columns: dict[str, Column],
    ) -> None:
        if is_blank(values):
            return
        filled = [value for value in values if value is not None and str(value).strip()]
        # Folding is lazy and cached: most rows differ from the header and between cells at the first
        # cells, and services, dates and amounts repeat down a plan.
        if len(values) <= len(header_labels) and all(
            (_folded(value) if value is not None else "") == label
            for value, label in zip(values, header_labels, strict=False)
        ):
            return  # the header repeated (a second table, a print layout)
        if len(filled) > 2 and all(_folded(value) == _folded(filled[0]) for value in filled[1:]):
            self.warn(row_number, None, filled[0], "Ligne de titre de section ignorée.", "section_row")
            return
        first_text = next(
            (text for text in map(_folded, filled) if text and not text[0].isdigit()),
            "",
        )
        if first_text.startswith(_TOTAL_WORDS) or first_text in _TOTAL_WORDS:
            self.warn(row_number, None, filled[0], "Ligne de total ignorée.", "total_row")
            return

        def report(header: str, raw: object, message: str, code: str) -> None:
            self.warn(row_number, header, raw, message, code)

        row = parser.parse(row_number, values, report)
        if assembler.add(row):
            return
        if row.reference is None and row.estimated_amount is not None and len(filled) == 1:
            self.warn(
                row_number, None, filled[0], "Ligne sans objet ni référence ignorée (total ?).", "total_row"
            )
            return
        self.error(
            row_number,
            parser.header(h.OBJECT),
            None,
            "Objet absent : la ligne n'est pas importée. Indiquez l'objet de l'achat.",
            "missing_object",
        )


@lru_cache(maxsize=4096, typed=True)
def _folded(value: object) -> str:
    return fold(str(value))


def _record(row: RowValues, plan_year: int | None) -> PlannedPurchaseRecord:
    values = {name: getattr(row, name) for name in PURCHASE_VALUES}
    return PlannedPurchaseRecord(**values, stable_key="", object=row.object or "", plan_year=plan_year)


def _key_year(record: PlannedPurchaseRecord) -> int | None:
    # The launch year first: a multi-year plan lists the same recurring purchase once a year.
    for date in (record.launch_date, record.notification_date):
        if date is not None:
            return date.year
    return record.plan_year


def _assign_keys(result: PlanReadResult) -> None:
    """Give every purchase and lot its stable key; a key met twice gets a suffix and a warning."""
    first_seen: dict[str, PlannedPurchaseRecord] = {}
    for record in result.purchases:
        key = purchase_key(record.reference, record.object, record.service, _key_year(record))
        if key in first_seen:
            original = first_seen[key]
            occurrence = 2
            while f"{key}~{occurrence}" in first_seen:
                occurrence += 1
            what = (
                f"la référence « {record.reference} »"
                if record.reference
                else "le même objet, service et année"
            )
            result.warnings.append(
                RowError(
                    record.row_number,
                    None,
                    record.reference or record.object,
                    f"Doublon : {what} que la ligne {original.row_number} (feuille « {original.sheet} »). "
                    "La ligne est importée, mais donnez-lui une référence propre pour que les imports "
                    "suivants la retrouvent.",
                    Severity.WARNING,
                    "duplicate_key",
                    sheet=record.sheet,
                )
            )
            key = f"{key}~{occurrence}"
        first_seen[key] = record
        record.stable_key = key
        seen_lots: set[str] = set()
        for lot in record.lots:
            lot.stable_key = lot_key(key, lot.number)
            if lot.stable_key in seen_lots:
                lot.stable_key += f"~{lot.row_number}"
            seen_lots.add(lot.stable_key)
