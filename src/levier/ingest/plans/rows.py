"""Read one data row of a plan into typed values, with a French warning for every value set aside.

A bad cell never rejects the row: the value is dropped and the buyer is told (severity WARNING), so
that the preview shows every line of the plan. Only a line that cannot be a purchase at all (no
object) is rejected, by the reader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from levier.ingest import french_values as fv
from levier.ingest.french_values import Nature
from levier.ingest.plans import headers as h
from levier.ingest.plans.header_row import Column
from levier.ingest.plans.records import AmountBasis, PurchaseValues
from levier.rules import cpv as cpv_rules
from levier.rules.siret import STATUS_EMPTY, normalize_siret
from levier.rules.text import fold

# (column header, raw value, message, code): how a row reports a value it set aside.
Report = Callable[[str, object, str, str], None]

_CPV_NATURES = {"works": Nature.WORKS, "supplies": Nature.SUPPLIES, "services": Nature.SERVICES}
# "Lot 1 – Nettoyage", "LOT N°2 : Vitrerie", "Lot 3. Espaces verts", "Lot A"
LOT_PREFIX = re.compile(
    r"^\s*lot(?:\s*n\s*[°o]?\.?|\s*num(?:ero|éro)?\.?)?\s*(?P<number>\d+|(?<=\s)[a-z])\b\s*[-–—:.)/]*\s*(?P<title>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_LOT_IN_LIST = re.compile(r"lot\s*(?:n\s*[°o]?\s*)?(\d+)\s*[-–—:.)]*\s*([^;\n]*)", re.IGNORECASE)
_NOT_ALLOTTED = {"non", "non alloti", "sans", "sans objet", "0", "aucun", "marche unique", "global", "-", "x"}
_SIRET_IN_TEXT = re.compile(r"(?<!\d)(\d[\d\s\u00a0.]{12,20}\d)(?!\d)")


@dataclass
class RowValues(PurchaseValues):
    """A data row as read, before rows are grouped into purchases and lots (the object may be missing)."""

    object: str | None = None
    lot_number: str | None = None
    lot_title: str | None = None
    # Where the lot number came from: "column" (a lot column) or "object" ("Lot 1 – ..." in the object).
    lot_source: str | None = None
    lot_list: list[tuple[str, str | None]] = field(default_factory=list)


def text_value(raw: object) -> str | None:
    """A cell as text, whitespace collapsed; numbers Excel typed lose their ".0" (reference 12.0 -> "12")."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    text = " ".join(str(raw).split())
    return text or None


def is_blank(values: list[object]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


class RowParser:
    """Turns the cells of a row into RowValues, given the sheet's column layout."""

    def __init__(self, sheet: str, columns: dict[str, Column], default_basis: AmountBasis | None) -> None:
        self.sheet = sheet
        self.columns = columns
        self.default_basis = default_basis
        # The parsers are pure and their results frozen; dates, amounts, natures and yes/no cells repeat
        # down a plan, so each distinct raw value is parsed once per sheet (typed: 1, 1.0 and True differ).
        self._parse_amount = lru_cache(maxsize=4096, typed=True)(fv.parse_amount)
        self._parse_date = lru_cache(maxsize=4096, typed=True)(fv.parse_date)
        self._parse_nature = lru_cache(maxsize=256, typed=True)(fv.parse_nature)
        self._parse_bool = lru_cache(maxsize=256, typed=True)(fv.parse_bool_fr)
        self._parse_duration = lru_cache(maxsize=1024, typed=True)(fv.parse_duration_months)
        self._normalize_cpv = lru_cache(maxsize=4096, typed=True)(cpv_rules.normalize_cpv)

    def cell(self, values: list[object], field_name: str) -> object:
        column = self.columns.get(field_name)
        if column is None or column.index >= len(values):
            return None
        value = values[column.index]
        return None if isinstance(value, str) and not value.strip() else value

    def header(self, field_name: str) -> str:
        column = self.columns.get(field_name)
        return column.header if column else h.FIELD_LABELS_FR[field_name]

    def parse(self, row_number: int, values: list[object], report: Report) -> RowValues:
        row = RowValues(self.sheet, row_number)
        for field_name, attribute in (
            (h.REFERENCE, "reference"),
            (h.OBJECT, "object"),
            (h.SERVICE, "service"),
            (h.BUYER, "buyer"),
            (h.PLACE, "place"),
            (h.PROCEDURE, "procedure"),
            (h.LOT_TITLE, "lot_title"),
        ):
            setattr(row, attribute, text_value(self.cell(values, field_name)))
        self._amount(row, values, report)
        self._dates(row, values, report)
        self._duration(row, values, report)
        self._cpv_and_nature(row, values, report)
        self._holder(row, values, report)
        row.recurring = self._simple(values, h.RECURRING, self._parse_bool, report)
        self._lot(row, values)
        return row

    def _simple(self, values: list[object], field_name: str, parser, report: Report):
        raw = self.cell(values, field_name)
        result = parser(raw)
        self._tell(field_name, raw, result, report)
        return result.value if result.ok else None

    def _tell(self, field_name: str, raw: object, result: fv.Parsed, report: Report) -> None:
        if result.error:
            report(self.header(field_name), raw, result.error + " Valeur ignorée.", "invalid_value")
        elif result.warning:
            report(self.header(field_name), raw, result.warning, "value_read_with_assumption")

    def _amount(self, row: RowValues, values: list[object], report: Report) -> None:
        # A total column wins over a yearly one: thresholds are judged on the whole duration.
        for field_name in h.AMOUNT_FIELDS:
            raw = self.cell(values, field_name)
            if raw is None:
                continue
            result = self._parse_amount(raw)
            self._tell(field_name, raw, result, report)
            if result.value is None:
                continue
            if result.value <= 0:
                report(
                    self.header(field_name),
                    raw,
                    "Montant nul ou négatif : valeur ignorée, à compléter.",
                    "invalid_value",
                )
                continue
            row.estimated_amount = result.value
            row.amount_includes_tax = bool(result.includes_tax or self.columns[field_name].match.includes_tax)
            row.amount_basis = self._basis(field_name, result.per_year)
            return

    def _basis(self, field_name: str, per_year_in_cell: bool | None) -> AmountBasis:
        if per_year_in_cell is True:
            return AmountBasis.PER_YEAR
        if per_year_in_cell is False:
            return AmountBasis.WHOLE_DURATION
        if field_name == h.AMOUNT_ANNUAL:
            return AmountBasis.PER_YEAR
        if field_name == h.AMOUNT_TOTAL:
            return AmountBasis.WHOLE_DURATION
        return self.default_basis or AmountBasis.UNKNOWN

    def _dates(self, row: RowValues, values: list[object], report: Report) -> None:
        row.launch_date = self._simple(values, h.LAUNCH_DATE, self._parse_date, report)
        row.notification_date = self._simple(values, h.NOTIFICATION_DATE, self._parse_date, report)
        row.current_contract_end = self._simple(values, h.CONTRACT_END, self._parse_date, report)
        if (
            row.launch_date
            and row.notification_date
            and row.notification_date.last_day < row.launch_date.first_day
        ):
            report(
                self.header(h.NOTIFICATION_DATE),
                text_value(self.cell(values, h.NOTIFICATION_DATE)),
                f"Notification ({row.notification_date.label_fr()}) avant le lancement "
                f"({row.launch_date.label_fr()}) : à vérifier.",
                "inconsistent_dates",
            )

    def _duration(self, row: RowValues, values: list[object], report: Report) -> None:
        column = self.columns.get(h.DURATION)
        unit = column.match.duration_unit if column and column.match else "mois"
        raw = self.cell(values, h.DURATION)
        result = self._parse_duration(raw, default_unit=unit)
        self._tell(h.DURATION, raw, result, report)
        row.duration_months = result.value if result.ok else None

    def _cpv_and_nature(self, row: RowValues, values: list[object], report: Report) -> None:
        raw_cpv = self.cell(values, h.CPV)
        if raw_cpv is not None:
            check = self._normalize_cpv(raw_cpv)
            if check.is_usable:
                row.cpv = check.code
                if check.status != cpv_rules.STATUS_VALID:
                    report(self.header(h.CPV), raw_cpv, check.message_fr, "value_repaired")
            elif check.status != cpv_rules.STATUS_EMPTY:
                report(self.header(h.CPV), raw_cpv, check.message_fr + " Code ignoré.", "invalid_value")
        row.nature = self._simple(values, h.NATURE, self._parse_nature, report)
        if row.nature is None and row.cpv:
            # Works, supplies and services follow from the CPV division (45 works, up to 48 supplies).
            row.nature = _CPV_NATURES.get(cpv_rules.nature(row.cpv))

    def _holder(self, row: RowValues, values: list[object], report: Report) -> None:
        row.current_holder_name = text_value(self.cell(values, h.HOLDER_NAME))
        raw_siret = self.cell(values, h.HOLDER_SIRET)
        header = self.header(h.HOLDER_SIRET)
        if raw_siret is None and row.current_holder_name:
            # "ACME Propreté (SIRET 123 456 789 00012)" in the holder column: the SIRET is taken out.
            found = _SIRET_IN_TEXT.search(row.current_holder_name)
            if found and normalize_siret(found.group(1)).is_valid:
                raw_siret = found.group(1)
                header = self.header(h.HOLDER_NAME)
                name = row.current_holder_name
                rest = (name[: found.start()] + name[found.end() :]).strip(" ()-–,;:")
                row.current_holder_name = (
                    re.sub(r"\s*\(?\s*siret\s*:?\s*\)?\s*$", "", rest, flags=re.IGNORECASE) or None
                )
        if raw_siret is None:
            return
        check = normalize_siret(raw_siret)
        if check.is_valid:
            row.current_holder_siret = check.value
        elif check.status != STATUS_EMPTY:
            report(header, raw_siret, check.message_fr + " SIRET ignoré.", "invalid_value")

    def _lot(self, row: RowValues, values: list[object]) -> None:
        raw = self.cell(values, h.LOT_NUMBER)
        if raw is not None:
            text = text_value(raw) or ""
            listed = _LOT_IN_LIST.findall(text)
            if len(listed) > 1:
                row.lot_list = [
                    (number, " ".join(title.split()).strip(" ,") or None) for number, title in listed
                ]
                return
            folded = fold(text)
            if folded in _NOT_ALLOTTED or folded in ("oui", "alloti", "allotissement"):
                return
            match = LOT_PREFIX.match(text)
            if match:
                row.lot_number = match["number"].upper()
                row.lot_title = row.lot_title or (" ".join(match["title"].split()) or None)
            else:
                row.lot_number = re.sub(r"^(?:l|lot)\s*", "", text, flags=re.IGNORECASE) or text
            row.lot_source = "column"
            return
        if row.object:
            match = LOT_PREFIX.match(row.object)
            if match:
                row.lot_number = match["number"].upper()
                row.lot_title = " ".join(match["title"].split()) or None
                row.lot_source = "object"
