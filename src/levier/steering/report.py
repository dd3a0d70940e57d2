"""The yearly SPASER follow-up: indicators, comparison with targets, reserved contracts, compliance above
the EU thresholds, clauses and hours, spend with inclusive structures, transferable segments.

`build(organisation, year)` gathers it once as `Report`: a `levier.core.documents.Document` (sections of
paragraphs, tables and bar charts, A4 landscape) that the shared writers render to DOCX and PDF, and the
underlying data that `to_xlsx` writes as a workbook. Charts are drawn as bars next to the table of their
figures, so each chart keeps its data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from levier.core import documents as writer
from levier.core.documents import Heading, Paragraph, bar_chart, table
from levier.rules.hours import format_money_fr, format_number_fr

from .indicators import indicators
from .models import Indicator, SpendLine, SupplierMatch
from .progress import SHARE_INDICATORS, compliance, progress
from .segments import territory, transferable_segments

MONEY_INDICATORS = frozenset({Indicator.SPEND_ESAT_EA, Indicator.SPEND_SIAE})


def show(indicator: str, value) -> str:
    if value is None:
        return "—"
    if indicator in MONEY_INDICATORS:
        return format_money_fr(Decimal(value))
    if indicator in SHARE_INDICATORS:
        return f"{format_number_fr(Decimal(value))} %"
    return format_number_fr(Decimal(value))


LAYOUT = writer.Layout(landscape=True, margin=15, font_size=9)


@dataclass
class Report:
    organisation: str
    year: int
    document: writer.Document
    # Underlying data for the workbook: sheet name -> (headers, rows of raw values).
    data: dict[str, tuple[list[str], list[list]]]

    @property
    def title(self) -> str:
        return self.document.title


def _section(title: str, paragraphs=(), tables=(), charts=()) -> list[writer.Block]:
    """A section's blocks in reading order: its heading, paragraphs, tables, then charts."""
    return [Heading(title), *(Paragraph(text) for text in paragraphs), *tables, *charts]


def build(organisation, year: int) -> Report:
    ind = indicators(organisation, year)
    targets = {p.indicator: p for p in progress(organisation, year, measured=ind)}
    blocks: list[writer.Block] = []

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
            chart.append(
                (
                    indicator.label,
                    float(min(target.ratio, Decimal(200))),
                    f"{format_number_fr(target.ratio)} %",
                )
            )
    blocks.extend(
        _section(
            "Indicateurs et cibles",
            [
                f"{ind.passed} marché(s) passé(s) (attribués, en exécution ou clos) sur {ind.contracts} "
                f"achat(s) du plan {year} ; {ind.social_contracts} avec une considération sociale.",
            ],
            [table(["Indicateur", f"Réalisé {year}", "Cible", "Atteinte"], rows)],
            [bar_chart("Atteinte des cibles (% de la cible)", chart)] if chart else [],
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
    blocks.extend(
        _section(
            "Marchés et lots réservés",
            [f"{format_number_fr(ind.values[Indicator.RESERVED_COUNT])} marché(s) ou lot(s) réservé(s)."],
            [table(["Référence", "Objet", "Lots ou marchés réservés", "Montant HT", "Statut"], reserved_rows)]
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
    blocks.extend(
        _section(
            "Marchés au-dessus des seuils européens (L2112-2-1)",
            [
                f"Consultations lancées à partir du {comp.obligation_from:%d/%m/%Y} : {comp.compliant} sur "
                f"{comp.total} comportent une considération sociale.",
                f"{comp.before_obligation} marché(s) au-dessus des seuils lancé(s) avant cette date ; "
                f"{comp.not_judged} achat(s) sans nature, date de lancement ou montant.",
            ],
            [
                table(
                    ["Référence", "Objet", "Montant HT", "Lancement", "Considération", "Conforme", "Motif"],
                    comp_rows,
                )
            ]
            if comp_rows
            else [],
        )
    )

    hours = ind.values[Indicator.INSERTION_HOURS]
    blocks.extend(
        _section(
            "Clauses et heures d'insertion",
            [
                f"{format_number_fr(hours)} heure(s) d'insertion déclarée(s) "
                f"sur les périodes finissant en {year} ; "
                f"{format_number_fr(ind.hours_required)} heure(s) exigée(s) par les clauses en exécution.",
            ],
            [
                table(
                    ["Mois", "Heures", "Réservés notifiés"],
                    [[m.label, format_number_fr(m.hours), str(m.reserved)] for m in ind.by_month],
                )
            ],
            [
                bar_chart(
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
    blocks.extend(
        _section(
            "Achats auprès des structures inclusives",
            spend_paragraphs,
            [
                table(
                    ["Type de structure", "Montant"],
                    [[label, format_money_fr(amount)] for _k, label, amount in ind.by_kind],
                ),
                table(
                    ["Catégorie", "Auprès de structures inclusives", "Total"],
                    [
                        [c.category, format_money_fr(c.inclusive), format_money_fr(c.total)]
                        for c in categories
                    ],
                ),
            ],
            [
                bar_chart(
                    "Achats inclusifs par catégorie (€)",
                    [(c.category[:30], float(c.inclusive), format_money_fr(c.inclusive)) for c in categories],
                )
            ]
            if categories
            else [],
        )
    )

    place = territory(organisation)
    segments = transferable_segments(organisation, year, place=place)
    blocks.extend(
        _section(
            "Segments transférables",
            [
                "Catégories achetées à des fournisseurs ordinaires alors que des structures inclusives "
                "du territoire proposent ce secteur.",
                f"Territoire : {place.description_fr}",
            ],
            [
                table(
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
    return Report(organisation.name, year, writer.Document(title, tuple(blocks), LAYOUT), data)


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


def to_docx(report: Report) -> bytes:
    return writer.to_docx(report.document)


def to_pdf(report: Report) -> bytes:
    return writer.to_pdf(report.document)


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
CONTENT_TYPES = {fmt: writer.CONTENT_TYPES[fmt] for fmt in RENDERERS}


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
