"""The facilitator's report as an xlsx workbook, in the shape facilitators report to their funders: one
sheet per table (hours by way, participants by age band, sex, qualification, QPV, contract types, contract
lengths, referring bodies), after a sheet listing the clauses with their required and achieved hours.

Only counts leave here: each participant is counted once per table however many lines they have; no code,
no name. Numbers are real numbers so that the facilitator can add them up in their own files.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .models import (
    AgeBand,
    Clause,
    ContractType,
    DeclarationLine,
    Participant,
    Qualification,
    ReferringBody,
    Sex,
    Way,
)

HOURS_FORMAT = "#,##0.00"
# Bands of contract length of facilitators' yearly reports, as in the final report (forecast.figures).
LENGTH_BANDS = (
    ("Moins de 6 mois", 0, 6),
    ("6 à 11 mois", 6, 12),
    ("12 mois et plus", 12, None),
)
UNKNOWN = "Non renseigné"


@dataclass(frozen=True)
class Table:
    title: str  # the sheet's name (at most 31 characters, Excel's limit)
    headers: Sequence[str]
    rows: list[list]


def _participants(clauses) -> Iterable[Participant]:
    return Participant.objects.filter(lines__declaration__clause__in=clauses).distinct()


def _count_by(participants: list[Participant], attribute: str, choices) -> list[list]:
    counts: dict[str, int] = {}
    for participant in participants:
        key = getattr(participant, attribute) or ""
        counts[key] = counts.get(key, 0) + 1
    rows = [[choice.label, counts.pop(choice.value, 0)] for choice in choices]
    if counts.get(""):
        rows.append([UNKNOWN, counts.pop("")])
    return rows


def report_tables(clauses: Sequence[Clause]) -> list[Table]:
    clause_ids = [c.pk for c in clauses]
    participants = list(_participants(clause_ids))
    hours = {
        row["way"]: row
        for row in DeclarationLine.objects.filter(declaration__clause__in=clause_ids)
        .values("way")
        .annotate(hours=Sum("hours"), people=Count("participant", distinct=True))
    }
    by_way = [
        [
            way.label,
            hours.get(way.value, {}).get("hours") or Decimal(0),
            hours.get(way.value, {}).get("people", 0),
        ]
        for way in Way
    ]
    contracts: dict[str, list[int]] = {}
    for participant in participants:
        contracts.setdefault(participant.contract_type, []).append(participant.contract_months)
    contract_rows = []
    for choice in ContractType:
        lengths = contracts.get(choice.value, [])
        known = [m for m in lengths if m is not None]
        contract_rows.append(
            [choice.label, len(lengths), round(sum(known) / len(known), 1) if known else None]
        )
    length_rows = []
    for label, low, high in LENGTH_BANDS:
        count = sum(
            1
            for p in participants
            if p.contract_months is not None
            and p.contract_months >= low
            and (high is None or p.contract_months < high)
        )
        length_rows.append([label, count])
    length_rows.append([UNKNOWN, sum(1 for p in participants if p.contract_months is None)])
    qpv = sum(1 for p in participants if p.qpv)
    return [
        Table(
            "Clauses",
            ("Organisation", "Achat", "Lot", "Nature", "Statut", "Heures exigées", "Heures réalisées"),
            [
                [
                    c.organisation.name,
                    c.purchase.reference or c.purchase.object,
                    c.lot.number if c.lot_id else "",
                    c.get_kind_display(),
                    c.get_status_display(),
                    c.hours_required,
                    getattr(c, "achieved", None),
                ]
                for c in clauses
            ],
        ),
        Table("Heures par modalité", ("Modalité", "Heures", "Participants"), by_way),
        Table(
            "Tranches d'âge", ("Tranche d'âge", "Participants"), _count_by(participants, "age_band", AgeBand)
        ),
        Table("Sexe", ("Sexe", "Participants"), _count_by(participants, "sex", Sex)),
        Table(
            "Qualification",
            ("Niveau de qualification", "Participants"),
            _count_by(participants, "qualification", Qualification),
        ),
        Table(
            "QPV",
            ("Lieu de résidence", "Participants"),
            [["Réside en QPV", qpv], ["Hors QPV", len(participants) - qpv]],
        ),
        Table(
            "Types de contrat",
            ("Type de contrat", "Participants", "Durée moyenne (mois)"),
            contract_rows,
        ),
        Table("Durées de contrat", ("Durée du contrat", "Participants"), length_rows),
        Table(
            "Prescripteurs",
            ("Prescripteur", "Participants"),
            _count_by(participants, "referring_body", ReferringBody),
        ),
    ]


def report_workbook(clauses: Sequence[Clause]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in report_tables(clauses):
        sheet = workbook.create_sheet(table.title[:31])
        sheet.append(list(table.headers))
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for index, header in enumerate(table.headers, start=1):
            width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in table.rows])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)
            if header in ("Heures", "Heures exigées", "Heures réalisées"):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = HOURS_FORMAT
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
