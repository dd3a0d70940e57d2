"""The yearly SPASER follow-up: indicators, comparison with targets, reserved contracts, compliance above
the EU thresholds, clauses and hours, spend with inclusive structures, transferable segments.

`build(organisation, year)` gathers it once as `Report` (sections of paragraphs, tables and bar charts);
`to_docx`, `to_pdf` and `to_xlsx` render it. Charts are drawn as bars (rectangles in the PDF, bar cells in
the DOCX) next to the table of their figures, so each chart keeps its data.
PDF: fpdf2 with the DejaVu Sans fonts shipped with the clauses app, so that « » ’ € œ render.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from levier.clauses.documents import new_pdf
from levier.rules.hours import format_money_fr, format_number_fr

from .indicators import indicators
from .models import Indicator, SpendLine, SupplierMatch
from .progress import SHARE_INDICATORS, compliance, progress
from .segments import transferable_segments

MONEY_INDICATORS = frozenset({Indicator.SPEND_ESAT_EA, Indicator.SPEND_SIAE})


def show(indicator: str, value) -> str:
    if value is None:
        return "—"
    if indicator in MONEY_INDICATORS:
        return format_money_fr(Decimal(value))
    if indicator in SHARE_INDICATORS:
        return f"{format_number_fr(Decimal(value))} %"
    return format_number_fr(Decimal(value))


@dataclass
class Chart:
    title: str
    bars: list[tuple[str, float, str]]  # label, value, value as shown


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    organisation: str
    year: int
    title: str
    sections: list[Section]
    # Underlying data for the workbook: sheet name -> (headers, rows of raw values).
    data: dict[str, tuple[list[str], list[list]]]


def build(organisation, year: int) -> Report:
    ind = indicators(organisation, year)
    targets = {p.indicator: p for p in progress(organisation, year, measured=ind)}
    sections = []

    rows, chart = [], []
    for indicator in Indicator:
        value = ind.values.get(indicator)
        target = targets.get(indicator)
        rows.append(
            [
                indicator.label,
                show(indicator, value),
                show(indicator, target.value) if target else "—",
                f"{format_number_fr(target.ratio)} %" if target and target.ratio is not None else "—",
            ]
        )
        if target and target.ratio is not None:
            chart.append((indicator.label, float(min(target.ratio, Decimal(200))), f"{target.ratio} %"))
    sections.append(
        Section(
            "Indicateurs et cibles",
            [
                f"{ind.passed} marché(s) passé(s) (attribués, en exécution ou clos) sur {ind.contracts} "
                f"achat(s) du plan {year} ; {ind.social_contracts} avec une considération sociale.",
            ],
            [Table(["Indicateur", f"Réalisé {year}", "Cible", "Atteinte"], rows)],
            [Chart("Atteinte des cibles (% de la cible)", chart)] if chart else [],
        )
    )

    reserved_rows = [
        [
            c.purchase.reference,
            c.purchase.object[:90],
            str(c.reserved_units),
            format_money_fr(c.amount),
            c.purchase.get_status_display(),
        ]
        for c in ind.reserved_contracts
    ]
    sections.append(
        Section(
            "Marchés et lots réservés",
            [f"{format_number_fr(ind.values[Indicator.RESERVED_COUNT])} marché(s) ou lot(s) réservé(s)."],
            [Table(["Référence", "Objet", "Lots ou marchés réservés", "Montant HT", "Statut"], reserved_rows)]
            if reserved_rows
            else [],
        )
    )

    comp = compliance(organisation, year)
    comp_rows = [
        [
            row.reference,
            row.object[:80],
            format_money_fr(row.amount),
            row.launch_date.strftime("%d/%m/%Y"),
            ", ".join(row.considerations) or "aucune",
            "oui" if row.compliant else "non",
            row.justification,
        ]
        for row in comp.rows
    ]
    sections.append(
        Section(
            "Marchés au-dessus des seuils européens (L2112-2-1)",
            [
                f"Consultations lancées à partir du {comp.obligation_from:%d/%m/%Y} : {comp.compliant} sur "
                f"{comp.total} comportent une considération sociale.",
                f"{comp.before_obligation} marché(s) au-dessus des seuils lancé(s) avant cette date ; "
                f"{comp.not_judged} achat(s) sans nature, date de lancement ou montant.",
            ],
            [
                Table(
                    ["Référence", "Objet", "Montant HT", "Lancement", "Considération", "Conforme", "Motif"],
                    comp_rows,
                )
            ]
            if comp_rows
            else [],
        )
    )

    hours = ind.values[Indicator.INSERTION_HOURS]
    sections.append(
        Section(
            "Clauses et heures d'insertion",
            [
                f"{format_number_fr(hours)} heure(s) d'insertion déclarée(s) "
                f"sur les périodes finissant en {year} ; "
                f"{format_number_fr(ind.hours_required)} heure(s) exigée(s) par les clauses en exécution.",
            ],
            [
                Table(
                    ["Mois", "Heures", "Réservés notifiés"],
                    [[m.label, format_number_fr(m.hours), str(m.reserved)] for m in ind.by_month],
                )
            ],
            [
                Chart(
                    "Heures d'insertion par mois",
                    [(m.label[:4], float(m.hours), format_number_fr(m.hours)) for m in ind.by_month],
                )
            ],
        )
    )

    spend_paragraphs = [
        f"Dépenses importées pour {year} : {format_money_fr(ind.spend_total or 0)} "
        f"sur {ind.spend_lines} ligne(s), "
        f"dont {format_money_fr(ind.spend_inclusive or 0)} auprès de structures inclusives "
        f"({format_money_fr(ind.values[Indicator.SPEND_ESAT_EA] or 0)} ESAT et EA, "
        f"{format_money_fr(ind.values[Indicator.SPEND_SIAE] or 0)} SIAE).",
    ]
    if ind.spend_includes_tax_lines:
        spend_paragraphs.append(
            f"{ind.spend_includes_tax_lines} ligne(s) exportée(s) TTC sont comptées telles quelles."
        )
    categories = [c for c in ind.by_category if c.inclusive][:12]
    sections.append(
        Section(
            "Achats auprès des structures inclusives",
            spend_paragraphs,
            [
                Table(
                    ["Type de structure", "Montant"],
                    [[label, format_money_fr(amount)] for _k, label, amount in ind.by_kind],
                ),
                Table(
                    ["Catégorie", "Auprès de structures inclusives", "Total"],
                    [
                        [c.category, format_money_fr(c.inclusive), format_money_fr(c.total)]
                        for c in categories
                    ],
                ),
            ],
            [
                Chart(
                    "Achats inclusifs par catégorie (€)",
                    [(c.category[:30], float(c.inclusive), format_money_fr(c.inclusive)) for c in categories],
                )
            ]
            if categories
            else [],
        )
    )

    segments = transferable_segments(organisation, year)
    sections.append(
        Section(
            "Segments transférables",
            [
                "Catégories achetées à des fournisseurs ordinaires alors que des structures inclusives "
                "du territoire proposent ce secteur."
            ],
            [
                Table(
                    ["Secteur", "Montant en jeu", "Structures à portée", "Principaux fournisseurs"],
                    [
                        [
                            s.label,
                            format_money_fr(s.amount),
                            str(s.structures_count),
                            ", ".join(n for n, _a in s.suppliers),
                        ]
                        for s in segments
                    ],
                )
            ]
            if segments
            else [],
        )
    )

    data = {
        "Indicateurs": (
            ["Indicateur", "Code", "Réalisé", "Cible", "Atteinte (%)"],
            [
                [
                    ind_.label,
                    ind_.value,
                    _num(ind.values.get(ind_)),
                    _num(targets[ind_].value) if ind_ in targets else None,
                    _num(targets[ind_].ratio) if ind_ in targets else None,
                ]
                for ind_ in Indicator
            ],
        ),
        "Par mois": (
            ["Mois", "ESAT et EA (€)", "SIAE (€)", "Réservés notifiés", "Heures"],
            [
                [m.label, _num(m.spend_esat_ea), _num(m.spend_siae), m.reserved, _num(m.hours)]
                for m in ind.by_month
            ],
        ),
        "Par service": (
            [
                "Service",
                "ESAT et EA (€)",
                "SIAE (€)",
                "Réservés",
                "Marchés passés",
                "Avec considération sociale",
                "Heures",
            ],
            [
                [
                    r.label,
                    _num(r.spend_esat_ea),
                    _num(r.spend_siae),
                    r.reserved,
                    r.contracts,
                    r.social_contracts,
                    _num(r.hours),
                ]
                for r in ind.by_service
            ],
        ),
        "Marchés réservés": (
            ["Référence", "Objet", "Lots ou marchés réservés", "Montant HT", "Statut"],
            [
                [
                    c.purchase.reference,
                    c.purchase.object,
                    c.reserved_units,
                    _num(c.amount),
                    c.purchase.get_status_display(),
                ]
                for c in ind.reserved_contracts
            ],
        ),
        "Seuils européens": (
            ["Référence", "Objet", "Montant HT", "Seuil", "Lancement", "Considération", "Conforme", "Motif"],
            [
                [
                    r.reference,
                    r.object,
                    _num(r.amount),
                    r.threshold,
                    r.launch_date,
                    ", ".join(r.considerations),
                    r.compliant,
                    r.justification,
                ]
                for r in comp.rows
            ],
        ),
        "Dépenses": _spend_sheet(organisation, year),
        "Segments": (
            ["Secteur", "Code", "Montant en jeu", "Lignes", "Structures à portée"],
            [[s.label, s.sector, _num(s.amount), s.lines, s.structures_count] for s in segments],
        ),
    }
    title = f"Bilan {year} des achats socialement responsables — {organisation.name}"
    return Report(organisation.name, year, title, sections, data)


def _num(value):
    return None if value is None else float(value)


def _spend_sheet(organisation, year: int):
    matches = {
        m.supplier_key: m
        for m in SupplierMatch.objects.filter(organisation=organisation).select_related("structure")
    }
    rows = []
    for line in SpendLine.objects.filter(organisation=organisation, year=year).order_by("date", "pk"):
        match = matches.get(line.supplier_key)
        rows.append(
            [
                line.date,
                line.supplier_name,
                line.supplier_siret,
                float(line.amount),
                "TTC" if line.amount_includes_tax else "HT",
                line.category,
                line.category_sector,
                line.service_label,
                line.invoice_ref,
                match.structure.name if match and match.structure else "",
                match.get_status_display() if match else "",
            ]
        )
    headers = [
        "Date",
        "Fournisseur",
        "SIRET",
        "Montant",
        "HT/TTC",
        "Catégorie",
        "Secteur",
        "Service",
        "Référence",
        "Structure rapprochée",
        "Rapprochement",
    ]
    return headers, rows


# --- rendering ------------------------------------------------------------------------------------

BAR_CELLS = 30


def to_docx(report: Report) -> bytes:
    from docx import Document as Docx

    out = Docx()
    out.core_properties.title = report.title
    out.core_properties.language = "fr-FR"
    out.add_heading(report.title, level=1)
    for section in report.sections:
        out.add_heading(section.title, level=2)
        for text in section.paragraphs:
            out.add_paragraph(text)
        for table in section.tables:
            _docx_table(out, table.headers, table.rows)
        for chart in section.charts:
            out.add_paragraph(chart.title, style="Caption")
            top = max((value for _l, value, _s in chart.bars), default=0) or 1
            _docx_table(
                out,
                ["", "", ""],
                [
                    [label, "█" * max(0, round(BAR_CELLS * value / top)), shown]
                    for label, value, shown in chart.bars
                ],
            )
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _docx_table(out, headers, rows) -> None:
    table = out.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
    out.add_paragraph()


def to_pdf(report: Report) -> bytes:
    pdf = new_pdf(report.title, margin=15, orientation="L")
    for section in report.sections:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 6, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        for text in section.paragraphs:
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        for table in section.tables:
            pdf.ln(1)
            with pdf.table(text_align="LEFT", line_height=5, first_row_as_headings=True) as grid:
                for row in [table.headers, *table.rows]:
                    line = grid.row()
                    for text in row:
                        line.cell(str(text))
        for chart in section.charts:
            _pdf_chart(pdf, chart)
    return bytes(pdf.output())


def _pdf_chart(pdf, chart: Chart) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(0, 5, chart.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    top = max((value for _l, value, _s in chart.bars), default=0) or 1
    label_w, bar_w = 70, pdf.epw - 70 - 40
    for label, value, shown in chart.bars:
        if pdf.get_y() > pdf.h - 25:
            pdf.add_page()
        y = pdf.get_y()
        pdf.cell(label_w, 5, label[:40])
        pdf.set_fill_color(0, 0, 145)
        width = bar_w * max(value, 0) / top
        if width > 0:
            pdf.rect(pdf.l_margin + label_w, y + 1, width, 3, style="F")
        pdf.set_x(pdf.l_margin + label_w + bar_w + 2)
        pdf.cell(38, 5, shown, new_x="LMARGIN", new_y="NEXT")


def to_xlsx(report: Report) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, (headers, rows) in report.data.items():
        sheet = workbook.create_sheet(name[:31])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value):
    if isinstance(value, bool):
        return "oui" if value else "non"
    return value


RENDERERS = {"docx": to_docx, "pdf": to_pdf, "xlsx": to_xlsx}
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_name(organisation, year: int, fmt: str) -> str:
    return f"bilan-spaser-{organisation.slug}-{year}.{fmt}"


def write(organisation, year: int, directory: Path) -> list[Path]:
    report = build(organisation, year)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, render in RENDERERS.items():
        path = directory / file_name(organisation, year, fmt)
        path.write_bytes(render(report))
        written.append(path)
    return written
