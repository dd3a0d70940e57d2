"""Read an accounting export (xlsx or csv) into `SpendRecord`s and French row errors.

Accountants' exports (Hélios, Astre, Civil Net, Ciril, Grand Angle...) name their columns in many ways;
`COLUMNS` lists the spellings recognised (docs/formats/spend.md). One row is one payment line: a supplier
(SIRET and/or name), an amount, a date, what it was spent on (imputation, compte, catégorie) and, when the
export has it, the service and the invoice or mandate number.

Amounts: an "HT" column wins; otherwise a TTC or "mandaté" column is read and the record is flagged
`amount_includes_tax` (payments are TTC in public accounting); a plain "montant" is taken as written, TTC
only when the cell says so. Negative amounts (cancellations, credit notes) are kept.

`row_key` fingerprints a line from what identifies it in the export (supplier, date, amount, category,
invoice reference) plus its occurrence index among identical lines, so that re-reading the same export
gives the same keys and two identical payments in one file stay two lines.

Pure Python: no Django.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from levier.ingest.errors import RowError, Severity
from levier.ingest.french_values import DatePrecision, parse_amount, parse_date
from levier.ingest.tabular import Column, TableError, TableInfo, open_table, resolve_columns
from levier.rules.siret import STATUS_EMPTY, STATUS_LOST_LEADING_ZERO, normalize_siret
from levier.rules.text import fold

COLUMNS: tuple[Column, ...] = (
    Column(
        "siret",
        "SIRET",
        ("siret fournisseur", "siret du fournisseur", "n siret", "numero siret", "siret tiers", "code siret"),
    ),
    Column(
        "supplier_name",
        "Fournisseur",
        (
            "raison sociale",
            "tiers",
            "nom du tiers",
            "libelle tiers",
            "nom fournisseur",
            "nom du fournisseur",
            "beneficiaire",
            "creancier",
            "titulaire",
        ),
    ),
    Column("amount_ht", "Montant HT", ("montant hors taxes", "montant ht", "ht", "mt ht")),
    Column(
        "amount_ttc",
        "Montant TTC",
        ("montant ttc", "ttc", "montant mandate", "mandate", "montant paye", "montant du mandat"),
    ),
    Column("amount", "Montant", ("montant", "somme", "montant regle")),
    Column(
        "date",
        "Date",
        (
            "date de mandat",
            "date mandat",
            "date d emission",
            "date de facture",
            "date facture",
            "date de paiement",
            "date paiement",
            "date comptable",
            "date",
        ),
    ),
    Column(
        "category",
        "Imputation",
        (
            "categorie",
            "ligne budgetaire",
            "compte",
            "libelle compte",
            "article",
            "nature",
            "libelle nature",
            "famille d achat",
            "objet",
            "libelle",
        ),
    ),
    Column(
        "service",
        "Service",
        ("direction", "service gestionnaire", "centre de responsabilite", "service demandeur"),
    ),
    Column(
        "invoice_ref",
        "N° de facture",
        (
            "n de facture",
            "n facture",
            "numero de facture",
            "n de mandat",
            "n mandat",
            "numero de mandat",
            "mandat",
            "reference",
        ),
    ),
)
FIELD_LABELS = {column.field: column.label for column in COLUMNS}
AMOUNT_FIELDS = ("amount_ht", "amount_ttc", "amount")


@dataclass(frozen=True)
class SpendRecord:
    row: int
    row_key: str
    supplier_siret: str
    supplier_name: str
    amount: Decimal
    amount_includes_tax: bool
    date: dt.date
    category: str
    service: str
    invoice_ref: str

    @property
    def supplier_key(self) -> str:
        """What a supplier is known by across exports: its SIRET, else its folded name."""
        return self.supplier_siret or f"nom:{fold(self.supplier_name)}"[:255]


@dataclass
class SpendRead:
    info: TableInfo | None
    mapping: dict[str, str]
    records: list[SpendRecord] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)
    rows_read: int = 0

    @property
    def errors(self) -> list[RowError]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def warnings(self) -> list[RowError]:
        return [problem for problem in self.problems if not problem.is_error]

    @property
    def file_rejected(self) -> bool:
        """A problem with the whole file (unreadable, a required column missing): nothing can be read."""
        return any(problem.row is None and problem.is_error for problem in self.problems)


def _error(row: int, field_name: str | None, raw: str | None, message: str, code: str) -> RowError:
    label = FIELD_LABELS.get(field_name, field_name) if field_name else None
    return RowError(row=row, field=label, raw_value=raw, message=message, code=code)


def _warning(row: int, field_name: str, raw: str | None, message: str, code: str) -> RowError:
    return RowError(
        row=row,
        field=FIELD_LABELS.get(field_name, field_name),
        raw_value=raw,
        message=message,
        severity=Severity.WARNING,
        code=code,
    )


def _fingerprint(parts: tuple[str, ...], occurrence: int) -> str:
    text = "\x1f".join((*parts, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_spend(
    path: str | Path,
    *,
    year: int | None = None,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SpendRead:
    """Read the export at `path`. With `year`, a line dated in another year is an error of that line."""
    try:
        table = open_table(path)
    except TableError as error:
        return SpendRead(info=None, mapping={}, problems=[error.error])
    with table:
        resolved, problems = resolve_columns(table.info.headers, COLUMNS, mapping)
        result = SpendRead(info=table.info, mapping=resolved, problems=list(problems))
        if not any(name in resolved for name in AMOUNT_FIELDS):
            result.problems.append(
                RowError(
                    row=None,
                    field="Montant",
                    raw_value=None,
                    message="aucune colonne de montant (attendu : « Montant HT », « Montant TTC », "
                    "« Montant mandaté » ou « Montant »).",
                    code="required_column_missing",
                )
            )
        if "siret" not in resolved and "supplier_name" not in resolved:
            result.problems.append(
                RowError(
                    row=None,
                    field="Fournisseur",
                    raw_value=None,
                    message="aucune colonne pour le fournisseur (attendu : « SIRET » ou « Fournisseur »).",
                    code="required_column_missing",
                )
            )
        if "date" not in resolved:
            result.problems.append(
                RowError(
                    row=None,
                    field="Date",
                    raw_value=None,
                    message="aucune colonne de date (attendu : « Date de mandat », « Date de facture », "
                    "« Date de paiement » ou « Date »).",
                    code="required_column_missing",
                )
            )
        if result.file_rejected:
            return result
        occurrences: dict[tuple[str, ...], int] = {}
        for number, row in table:
            result.rows_read += 1
            if progress is not None:
                progress(1)
            record = _record(number, row, resolved, year, result.problems, occurrences)
            if record is not None:
                result.records.append(record)
        result.problems.extend(table.anomalies)
    return result


def _cell(row: dict[str, str], resolved: dict[str, str], field_name: str) -> str:
    header = resolved.get(field_name)
    return " ".join((row.get(header) or "").split()) if header else ""


def _record(
    number: int,
    row: dict[str, str],
    resolved: dict[str, str],
    year: int | None,
    problems: list[RowError],
    occurrences: dict[tuple[str, ...], int],
) -> SpendRecord | None:
    failed = False
    siret_raw = _cell(row, resolved, "siret")
    name = _cell(row, resolved, "supplier_name")[:255]
    siret = ""
    if siret_raw:
        check = normalize_siret(siret_raw)
        if check.value:
            siret = check.value
        elif check.status == STATUS_LOST_LEADING_ZERO and check.suggestion:
            siret = check.suggestion
            problems.append(
                _warning(number, "siret", siret_raw, f"zéro initial rétabli : {siret}.", "siret_repaired")
            )
        elif check.status != STATUS_EMPTY:
            problems.append(
                _warning(
                    number,
                    "siret",
                    siret_raw,
                    f"{check.message_fr} Le fournisseur est rapproché par son nom.",
                    "siret_invalid",
                )
            )
    if not siret and not name:
        problems.append(
            _error(
                number, "supplier_name", None, "fournisseur absent (ni SIRET valide ni nom).", "no_supplier"
            )
        )
        failed = True

    amount, includes_tax, amount_field = None, False, None
    for field_name in AMOUNT_FIELDS:
        raw = _cell(row, resolved, field_name)
        if raw:
            amount_field = field_name
            parsed = parse_amount(raw)
            if parsed.error:
                problems.append(_error(number, field_name, raw, parsed.error, "invalid_amount"))
                failed = True
            elif parsed.value is None:
                problems.append(_error(number, field_name, raw, "montant non renseigné.", "no_amount"))
                failed = True
            else:
                amount = parsed.value.quantize(Decimal("0.01"))
                includes_tax = (
                    field_name == "amount_ttc" or (field_name == "amount" and bool(parsed.includes_tax))
                ) and parsed.includes_tax is not False
            break
    if amount_field is None:
        problems.append(_error(number, "amount", None, "montant absent.", "no_amount"))
        failed = True

    date_raw = _cell(row, resolved, "date")
    date = None
    if not date_raw:
        problems.append(_error(number, "date", None, "date absente.", "no_date"))
        failed = True
    else:
        parsed_date = parse_date(date_raw)
        if parsed_date.error or parsed_date.value is None:
            problems.append(
                _error(number, "date", date_raw, parsed_date.error or "date illisible.", "invalid_date")
            )
            failed = True
        elif parsed_date.value.precision != DatePrecision.DAY:
            problems.append(
                _error(
                    number,
                    "date",
                    date_raw,
                    "date incomplète : le jour du paiement est attendu (par exemple 15/03/2026).",
                    "imprecise_date",
                )
            )
            failed = True
        else:
            date = parsed_date.value.first_day
            if year is not None and date.year != year:
                problems.append(
                    _error(
                        number,
                        "date",
                        date_raw,
                        f"la date {date:%d/%m/%Y} n'est pas dans l'année importée ({year}).",
                        "date_out_of_year",
                    )
                )
                failed = True
    if failed:
        return None
    category = _cell(row, resolved, "category")[:255]
    service = _cell(row, resolved, "service")[:255]
    invoice_ref = _cell(row, resolved, "invoice_ref")[:100]
    identity = (siret or fold(name), date.isoformat(), str(amount), fold(category), invoice_ref)
    occurrence = occurrences.get(identity, 0)
    occurrences[identity] = occurrence + 1
    return SpendRecord(
        row=number,
        row_key=_fingerprint(identity, occurrence),
        supplier_siret=siret,
        supplier_name=name,
        amount=amount,
        amount_includes_tax=includes_tax,
        date=date,
        category=category,
        service=service,
        invoice_ref=invoice_ref,
    )
