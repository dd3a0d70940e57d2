"""The screening of a whole plan as an xlsx workbook: one row per purchase and per lot, and a summary.

Amounts and hours are real numbers so that the buyer can sort and add them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from levier.screening.model import (
    CLAUSE,
    CLAUSE_AND_CRITERION,
    CRITERION,
    NONE,
    RESERVATIONS,
    RESERVE_LOTS,
    Option,
    PurchaseInput,
    Screening,
)

AMOUNT_FORMAT = '#,##0 "€"'
REASONS_SHOWN = 4

HEADERS = (
    "Référence",
    "Objet",
    "Lot",
    "CPV",
    "Montant annuel HT",
    "Montant total HT",
    "Lancement",
    "Considération sociale obligatoire",
    "Recommandation",
    "Score",
    "Raisons",
    "Heures d'insertion",
    "Structures capables",
    "Alertes",
    "Découpage proposé",
)


def family(option: Option) -> str:
    """ "reserve", "clause" or "none": how the summary counts a recommendation."""
    if option.code in RESERVATIONS or option.code == RESERVE_LOTS:
        return "reserve"
    if option.code in (CLAUSE, CLAUSE_AND_CRITERION, CRITERION):
        return "clause"
    return NONE


def reasons(option: Option) -> str:
    strongest = sorted(option.factors, key=lambda f: -abs(f.weight))[:REASONS_SHOWN]
    return " ".join(f.text_fr for f in strongest)


@dataclass
class Summary:
    purchases: int = 0
    reserve: int = 0
    clause: int = 0
    none: int = 0
    hours: int = 0
    compulsory: int = 0
    compulsory_unmet: list[str] = field(default_factory=list)

    def add(self, purchase: PurchaseInput, result: Screening) -> None:
        self.purchases += 1
        kind = family(result.recommendation)
        setattr(self, kind, getattr(self, kind) + 1)
        if kind == "clause" and result.recommendation.hours:
            self.hours += result.recommendation.hours
        if result.compulsory:
            self.compulsory += 1
            if result.compulsory_unmet:
                self.compulsory_unmet.append(purchase.object)


def _row(
    reference: str, purchase: PurchaseInput, lot_label: str, cpv, annual, total, compulsory, option, splits=""
):
    return [
        reference,
        purchase.object,
        lot_label,
        cpv or "",
        round(annual) if annual is not None else None,
        round(total) if total is not None else None,
        purchase.launch_date,
        "oui" if compulsory else "non",
        option.label_fr,
        option.score,
        reasons(option),
        option.hours,
        option.candidate_count,
        " ".join(option.warnings_fr),
        splits,
    ]


def write_report(
    rows: Sequence[tuple[str, PurchaseInput, Screening]], path: str | Path, notes: Sequence[str] = ()
) -> Summary:
    """Write the workbook; `rows` are (reference shown to the buyer, input, result)."""
    from levier.screening.engine import amounts

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Recommandations"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    summary = Summary()
    for reference, purchase, result in rows:
        summary.add(purchase, result)
        annual, total = amounts(purchase.annual_amount, purchase.total_amount, purchase.duration_months)
        splits = " ".join(split.summary_fr for split in result.splits if split.candidates_after)
        sheet.append(
            _row(
                reference,
                purchase,
                "",
                purchase.cpv,
                annual,
                total,
                result.compulsory,
                result.recommendation,
                splits,
            )
        )
        for lot_input, lot in zip(purchase.lots, result.lots, strict=True):
            label = f"Lot {lot.key}" + (f" : {lot.title}" if lot.title else "")
            lot_total = amounts(lot_input.annual_amount, lot_input.total_amount, purchase.duration_months)[1]
            sheet.append(
                _row(
                    reference,
                    purchase,
                    label,
                    lot_input.cpv or purchase.cpv,
                    lot.annual_amount,
                    lot_total,
                    result.compulsory,
                    lot.recommendation,
                )
            )
    for row in sheet.iter_rows(min_row=2):
        for index in (4, 5):
            row[index].number_format = AMOUNT_FORMAT
        row[6].number_format = "DD/MM/YYYY"
    widths = (14, 50, 24, 11, 16, 16, 12, 14, 44, 8, 90, 12, 12, 50, 60)
    for letter, width in zip("ABCDEFGHIJKLMNO", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C2"

    totals = workbook.create_sheet("Synthèse")
    totals.append(["Indicateur", "Valeur"])
    for cell in totals[1]:
        cell.font = Font(bold=True)
    for label, value in (
        ("Achats examinés", summary.purchases),
        ("À réserver (marché ou lots)", summary.reserve),
        ("Clause sociale ou critère", summary.clause),
        ("Sans considération sociale", summary.none),
        ("Heures d'insertion des clauses recommandées", summary.hours),
        ("Achats où une considération sociale est obligatoire (L2112-2-1)", summary.compulsory),
        ("… dont aucune n'est prévue au plan", len(summary.compulsory_unmet)),
    ):
        totals.append([label, value])
    if summary.compulsory_unmet:
        totals.append([])
        totals.append(["Obligatoire, rien de prévu au plan :"])
        for name in summary.compulsory_unmet:
            totals.append([name])
    if notes:
        totals.append([])
        for note in notes:
            totals.append([note])
    totals.column_dimensions["A"].width = 70
    totals.column_dimensions["B"].width = 14
    workbook.save(path)
    return summary
