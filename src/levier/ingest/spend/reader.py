"""Read an accounting export (xlsx, ods or csv) into `SpendRecord`s and French row errors.

Accountants' exports (Hélios, Astre, Civil Net, Ciril, Grand Angle...) name their columns in many ways;
`COLUMNS` lists the spellings recognised (docs/formats/spend.md). What the spellings miss is told by a
mapping: `mapping` {field: header} given for one read (a header absent from the file is then an error), and
`answers` {normalised header: field or ""} remembered from the organisation's mapping screen (applied to
the headers the file has; "" means the column is not used, not even guessed from its name). The result
carries the file's headers and a few values of each column (`samples`) for that screen.

One row is one payment line: a supplier (SIRET and/or name), an amount, a date, what it was spent on
(imputation, compte, catégorie) and, when the export has it, the service and the invoice or mandate number.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from levier.ingest.column_answers import SampleCollector, apply_answers
from levier.ingest.errors import RowError, Severity
from levier.ingest.french_values import DatePrecision, parse_amount, parse_date
from levier.ingest.tabular import Column, TableError, TableInfo, normalize_header, open_table, resolve_columns
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
# What each field is, in the words of the mapping screen's choices.
FIELD_CHOICES = {
    "siret": "SIRET du fournisseur",
    "supplier_name": "Nom du fournisseur (raison sociale, tiers)",
    "amount_ht": "Montant HT",
    "amount_ttc": "Montant TTC (ou montant mandaté)",
    "amount": "Montant (HT, sauf si la cellule dit TTC)",
    "date": "Date (du mandat, de la facture ou du paiement)",
    "category": "Imputation (compte, nature, catégorie d'achat)",
    "service": "Service ou direction",
    "invoice_ref": "N° de facture ou de mandat",
}
# Fields of which the file must give at least one, and how the mapping screen names what is missing.
REQUIRED_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("siret", "supplier_name"), "le fournisseur (son SIRET ou son nom)"),
    (AMOUNT_FIELDS, "le montant (HT, TTC ou sans précision)"),
    (("date",), "la date"),
)
# File-level problems the mapping screen answers.
MAPPING_CODES = frozenset({"required_column_missing", "mapping_column_missing", "mapping_unknown_field"})


def field_named(text: str) -> str | None:
    """The field `text` names: its code (`amount_ht`), its label (« Montant HT ») or its choice's words."""
    wanted = normalize_header(text)
    for name in FIELD_LABELS:
        if wanted in (normalize_header(name), normalize_header(FIELD_LABELS[name])):
            return name
    for name, label in FIELD_CHOICES.items():
        if wanted == normalize_header(label):
            return name
    return None


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
    # Headers the remembered answers say not to use.
    ignored: list[str] = field(default_factory=list)
    # A few values of each column, from the first rows: what the mapping screen shows.
    samples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        return list(self.info.headers) if self.info else []

    @property
    def needs_mapping(self) -> bool:
        """The columns could not all be told: a required field without a column, or a mapping that fails."""
        return any(
            problem.row is None and problem.is_error and problem.code in MAPPING_CODES
            for problem in self.problems
        )

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
    mapping: Mapping[str, str] | None = None,
    answers: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SpendRead:
    """Read the export at `path`. With `year`, a line dated in another year is an error of that line.

    `mapping` {field: header} holds for this read; `answers` {normalised header: field or ""} are the
    organisation's remembered answers, applied to the headers the file has (`mapping` wins over them).
    """
    try:
        table = open_table(path)
    except TableError as error:
        return SpendRead(info=None, mapping={}, problems=[error.error])
    with table:
        headers = table.info.headers
        remembered, ignored = apply_answers(headers, answers or {})
        given = dict(mapping or {})
        chosen = {**{k: v for k, v in remembered.items() if v not in given.values()}, **given}
        usable = [header for header in headers if header not in ignored or header in chosen.values()]
        resolved, problems = resolve_columns(usable, COLUMNS, chosen)
        result = SpendRead(
            info=table.info,
            mapping=resolved,
            problems=[_file_level(problem) for problem in problems],
            ignored=[header for header in ignored if header not in resolved.values()],
        )
        for fields, _what in REQUIRED_GROUPS:
            if not any(name in resolved for name in fields):
                result.problems.append(_missing(fields))
        samples = SampleCollector(headers)
        try:
            if result.file_rejected:
                for _number, row in table:
                    samples.add(row)
                    if samples.done:
                        break
                result.samples = samples.samples
                return result
            occurrences: dict[tuple[str, ...], int] = {}
            cells = _Cells(resolved)
            for number, row in table:
                samples.add(row)
                result.rows_read += 1
                if progress is not None:
                    progress(1)
                record = _record(number, row, cells, year, result.problems, occurrences)
                if record is not None:
                    result.records.append(record)
        except TableError as error:
            result.problems.append(error.error)
        result.samples = samples.samples
        result.problems.extend(table.anomalies)
    return result


def _file_level(problem: RowError) -> RowError:
    """A column named by the mapping and absent from the file stops the read: the user meant that one."""
    if problem.code == "mapping_column_missing" and not problem.is_error:
        return replace(problem, severity=Severity.ERROR)
    return problem


_MISSING_MESSAGES = {
    "amount_ht": (
        "Montant",
        "aucune colonne de montant (attendu : « Montant HT », « Montant TTC », « Montant mandaté » ou "
        "« Montant »).",
    ),
    "siret": (
        "Fournisseur",
        "aucune colonne pour le fournisseur (attendu : « SIRET » ou « Fournisseur »).",
    ),
    "date": (
        "Date",
        "aucune colonne de date (attendu : « Date de mandat », « Date de facture », « Date de paiement » "
        "ou « Date »).",
    ),
}


def _missing(fields: tuple[str, ...]) -> RowError:
    label, message = _MISSING_MESSAGES[fields[0]]
    return RowError(row=None, field=label, raw_value=None, message=message, code="required_column_missing")


class _Cells:
    """A read's cells, each distinct raw value parsed once.

    Exports repeat their suppliers, SIRETs, dates, categories and services (and often their amounts) from
    line to line; the parsers are pure and their results frozen, so each read keeps them per raw value
    (bounded: a cache that fills up drops its least recently used values).
    """

    def __init__(self, resolved: dict[str, str]) -> None:
        self.columns = [
            (name, header) for name, header in resolved.items() if name in FIELD_LABELS and header
        ]
        self.fold = lru_cache(maxsize=16_384)(fold)
        self.siret = lru_cache(maxsize=8_192)(normalize_siret)
        self.amount = lru_cache(maxsize=8_192)(parse_amount)
        self.date = lru_cache(maxsize=4_096)(parse_date)

    def texts(self, row: dict[str, str]) -> dict[str, str]:
        """The row's non-empty cells by field, their runs of spaces made single."""
        return {name: " ".join(raw.split()) for name, header in self.columns if (raw := row.get(header))}


def _record(
    number: int,
    row: dict[str, str],
    cell: _Cells,
    year: int | None,
    problems: list[RowError],
    occurrences: dict[tuple[str, ...], int],
) -> SpendRecord | None:
    failed = False
    texts = cell.texts(row)
    siret_raw = texts.get("siret", "")
    name = texts.get("supplier_name", "")[:255]
    siret = ""
    if siret_raw:
        check = cell.siret(siret_raw)
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
        raw = texts.get(field_name, "")
        if raw:
            amount_field = field_name
            parsed = cell.amount(raw)
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

    date_raw = texts.get("date", "")
    date = None
    if not date_raw:
        problems.append(_error(number, "date", None, "date absente.", "no_date"))
        failed = True
    else:
        parsed_date = cell.date(date_raw)
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
    category = texts.get("category", "")[:255]
    service = texts.get("service", "")[:255]
    invoice_ref = texts.get("invoice_ref", "")[:100]
    identity = (siret or cell.fold(name), date.isoformat(), str(amount), cell.fold(category), invoice_ref)
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
