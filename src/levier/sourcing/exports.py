"""A sourcing list as a spreadsheet (xlsx) or a CSV a French spreadsheet opens as is (UTF-8 with BOM, `;`)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from levier.rules.sectors import load_taxonomy

from .models import Interest, SourcingList

HEADERS = [
    "Structure",
    "SIRET",
    "Types",
    "Secteurs",
    "Commune",
    "Département",
    "Courriel",
    "Téléphone",
    "Plus gros marché annuel possible (€ HT)",
    "Contactée",
    "Contactée le",
    "Intérêt",
    "Réponse le",
    "Capacité confirmée",
    "Commentaire",
    "Ajoutée le",
]


def rows(sourcing_list: SourcingList, entries) -> list[list[object]]:
    taxonomy = load_taxonomy()
    interest = dict(Interest.choices)
    table = []
    for entry in entries:
        structure = entry.structure
        sectors = [
            (taxonomy.get(s.sector).label if taxonomy.get(s.sector) else s.sector)
            + (" (déduit)" if s.inferred else "")
            for s in structure.sectors.all()
        ]
        table.append(
            [
                structure.display_name,
                structure.siret,
                ", ".join(k.kind for k in structure.kinds.all()),
                ", ".join(sectors),
                structure.city,
                structure.departement,
                structure.email,
                structure.phone,
                structure.max_contract_amount,
                "oui" if entry.contacted else "non",
                entry.contacted_on,
                interest.get(entry.interest, entry.interest),
                entry.answered_on,
                "oui" if entry.capacity_confirmed else "non",
                entry.comment,
                entry.added_at.date(),
            ]
        )
    return table


def to_xlsx(sourcing_list: SourcingList, entries) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Candidats"
    sheet.append([sourcing_list.title])
    sheet["A1"].font = Font(bold=True, size=13)
    if sourcing_list.purchase_id:
        sheet.append([f"Achat prévu : {sourcing_list.purchase}"])
    sheet.append([])
    sheet.append(HEADERS)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows(sourcing_list, entries):
        sheet.append(row)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            if hasattr(cell.value, "isoformat"):
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(45, len(header) + 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(sourcing_list: SourcingList, entries) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows(sourcing_list, entries):
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)
