"""The clause documents, in French, from the organisation's editable templates: DOCX and PDF.

A template (`DocumentTemplate.body`) is plain text: paragraphs separated by a blank line, a line starting
with "- " is a list item, the first paragraph is the heading. `{placeholders}` (see `PLACEHOLDERS`) are
filled from the clause, the rules core (hours explanation, article numbers and texts) and the organisation;
an unknown placeholder is refused when the template is saved (`check_template`), so a document never shows
a raw brace. The shipped defaults are in data/document_templates.json and are copied for each organisation
on first use (`ensure_templates`), after which the organisation's text is the one used.

Which documents a purchase gets: the CCAP article and the commitment form for an insertion clause (execution
condition), the criterion wording for a social award criterion, the notice mention for a reservation.

The files are written by the shared writers of `levier.core.documents` (DOCX and PDF, A4 portrait, DejaVu
fonts shipped in core/data/fonts so that « » ’ € œ render).
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from django.db import transaction

from levier.core import audit
from levier.core import documents as writer
from levier.organisations.roles import Role
from levier.plans.services import require_role
from levier.rules import legal
from levier.rules.hours import format_money_fr, format_number_fr, insertion_hours, spread_over_years

from .models import (
    ClauseKind,
    DocumentKind,
    DocumentTemplate,
    Eligibility,
    Frequency,
    Way,
)

PLACEHOLDERS: dict[str, str] = {
    "organisation": "nom de l'organisation",
    "purchase_reference": "référence de l'achat",
    "purchase_object": "objet de l'achat",
    "lot_label": "« , lot n » quand la clause porte sur un lot",
    "article_number": "numéro de l'article dans le CCAP (à compléter par l'acheteur)",
    "hours_required": "heures d'insertion exigées",
    "hours_explanation": "calcul des heures par le moteur de règles",
    "hours_by_year": "répartition des heures par année civile, au prorata des mois d'exécution",
    "eligible_publics": "liste des publics éligibles",
    "accepted_ways": "liste des modalités acceptées",
    "accepted_ways_inline": "modalités acceptées, sur une ligne",
    "accepted_ways_checkboxes": "modalités acceptées, avec une case à cocher",
    "reporting_frequency": "fréquence des déclarations (« mensuelle », « trimestrielle »…)",
    "penalty_per_hour": "pénalité par heure non réalisée",
    "penalty_late_report": "pénalité par déclaration en retard",
    "start_date": "début d'exécution",
    "end_date": "fin d'exécution",
    "clause_article": "article du CCP de la clause d'insertion",
    "criterion_article": "article du CCP du critère social",
    "criterion_weight": "pondération du critère",
    "reservation_article": "article du CCP de la réservation",
    "reservation_title": "intitulé de la réservation",
    "reservation_text": "texte de la réservation",
    "reservation_conditions": "conditions de la réservation",
}

# Which documents each kind of clause gets.
DOCUMENTS_BY_KIND = {
    ClauseKind.EXECUTION_CONDITION: (DocumentKind.CCAP_ARTICLE, DocumentKind.COMMITMENT_FORM),
    ClauseKind.AWARD_CRITERION: (DocumentKind.AWARD_CRITERION,),
    ClauseKind.RESERVED: (DocumentKind.RESERVATION_NOTICE,),
}

# Who edits the organisation's templates.
TEMPLATE_ROLES = (Role.FACILITATOR, Role.ADMIN)
NOT_SET = "non précisé"


class TemplateError(ValueError):
    """A template text that cannot be filled (unknown placeholder, unbalanced brace)."""


@cache
def default_templates() -> dict[str, dict[str, str]]:
    raw = json.loads(
        resources.files("levier.clauses").joinpath("data", "document_templates.json").read_text("utf-8")
    )
    return {item["kind"]: item for item in raw["templates"]}


def check_template(body: str) -> None:
    """Refuse a text whose placeholders are not all known, with a French message naming them."""
    try:
        names = {field for _text, field, _spec, _conv in string.Formatter().parse(body) if field is not None}
    except ValueError as exc:
        raise TemplateError(
            "Accolade non fermée : écrivez {nom} pour un champ, ou doublez l'accolade ({{ ou }})."
        ) from exc
    unknown = sorted(name for name in names if name not in PLACEHOLDERS)
    if unknown:
        raise TemplateError(
            "Champ(s) inconnu(s) : "
            + ", ".join(f"{{{name}}}" for name in unknown)
            + ". Champs possibles : "
            + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
            + "."
        )


def ensure_templates(organisation) -> list[DocumentTemplate]:
    """The organisation's templates, copying the shipped defaults for the kinds it has not got yet."""
    have = {t.kind: t for t in DocumentTemplate.objects.filter(organisation=organisation)}
    for kind, item in default_templates().items():
        if kind not in have:
            have[kind] = DocumentTemplate.objects.create(
                organisation=organisation, kind=kind, title=item["title"], body=item["body"]
            )
    return [have[kind] for kind in DocumentKind.values if kind in have]


@transaction.atomic
def update_template(template: DocumentTemplate, *, title: str, body: str, actor) -> DocumentTemplate:
    require_role(actor, template.organisation, TEMPLATE_ROLES, "Modifier un modèle de document")
    check_template(body)
    if not title.strip():
        raise TemplateError("Titre : un titre est attendu.")
    template.title, template.body, template.updated_by = title.strip(), body, actor
    template.save()
    audit.record(
        actor,
        template.organisation,
        "clauses.template.update",
        template,
        f"Modèle modifié : {template.title}",
    )
    return template


@transaction.atomic
def reset_template(template: DocumentTemplate, *, actor) -> DocumentTemplate:
    """Back to the shipped text."""
    require_role(actor, template.organisation, TEMPLATE_ROLES, "Rétablir un modèle de document")
    item = default_templates()[template.kind]
    template.title, template.body, template.updated_by = item["title"], item["body"], actor
    template.save()
    audit.record(
        actor, template.organisation, "clauses.template.reset", template, f"Modèle rétabli : {template.title}"
    )
    return template


# --- Filling --------------------------------------------------------------------------------------------


def _date_fr(value) -> str:
    return value.strftime("%d/%m/%Y") if value else NOT_SET


def _money(value) -> str:
    return format_money_fr(value) if value is not None else NOT_SET


def _hours_by_year(clause) -> str:
    """The rules core's spread of the required hours over the calendar years of execution."""
    if not (clause.hours_required and clause.start_date and clause.end_date):
        return NOT_SET
    months = (
        (clause.end_date.year - clause.start_date.year) * 12 + clause.end_date.month - clause.start_date.month
    )
    months += 1 if clause.end_date.day >= clause.start_date.day - 1 else 0
    # The required hours as a rules-core result (1 € × 100 % × 100 % ÷ 1 €/h per hour), to spread them.
    total = insertion_hours(clause.hours_required, 1, 1, 1)
    spread = spread_over_years(total, clause.start_date, max(months, 1))
    return " ; ".join(f"{p.label} : {format_number_fr(p.hours, 0)} h" for p in spread.periods)


def _article(article_id: str) -> legal.Article:
    return legal.articles()[article_id]


def reservation_article(number: str) -> legal.Article:
    """The rules core's article for a reservation number (L2113-12 ... L2113-15)."""
    for article in legal.articles().values():
        if article.article == number:
            return article
    raise TemplateError(f"Article de réservation inconnu : « {number} ».")


def context(clause) -> dict[str, str]:
    """Every placeholder's value for a clause."""
    purchase = clause.purchase
    eligible = [Eligibility(code).label for code in clause.eligible_publics if code in Eligibility.values]
    ways = [Way(code).label for code in clause.accepted_ways if code in Way.values]
    values = {
        "organisation": clause.organisation.name,
        "purchase_reference": purchase.reference or f"achat n° {purchase.pk}",
        "purchase_object": purchase.object,
        "lot_label": f", lot {clause.lot.number}" if clause.lot_id else "",
        "article_number": "…",
        "hours_required": format_number_fr(clause.hours_required or 0, 0),
        "hours_explanation": clause.hours_explanation or NOT_SET,
        "hours_by_year": _hours_by_year(clause),
        "eligible_publics": "\n".join(f"- {label}" for label in eligible) or f"- {NOT_SET}",
        "accepted_ways": "\n".join(f"- {label}" for label in ways) or f"- {NOT_SET}",
        "accepted_ways_inline": ", ".join(label.lower() for label in ways) or NOT_SET,
        "accepted_ways_checkboxes": "\n".join(f"- ☐ {label}" for label in ways) or f"- {NOT_SET}",
        "reporting_frequency": Frequency(clause.reporting_frequency).label.lower(),
        "penalty_per_hour": _money(clause.penalty_per_hour),
        "penalty_late_report": _money(clause.penalty_late_report),
        "start_date": _date_fr(clause.start_date),
        "end_date": _date_fr(clause.end_date),
        "clause_article": _article("insertion_clause").article,
        "criterion_article": _article("social_criterion").article,
        "criterion_weight": (
            f"{format_number_fr(Decimal(clause.criterion_weight), 2)} %"
            if clause.criterion_weight
            else NOT_SET
        ),
        "reservation_article": "",
        "reservation_title": "",
        "reservation_text": "",
        "reservation_conditions": "",
    }
    if clause.kind == ClauseKind.RESERVED and clause.article:
        article = reservation_article(clause.article)
        values.update(
            reservation_article=article.article,
            reservation_title=article.title_fr,
            reservation_text=article.text_fr,
            reservation_conditions="\n".join(f"- {c}" for c in article.conditions_fr),
        )
    return values


@dataclass(frozen=True)
class Document:
    """One clause document: its kind (a `DocumentKind`) and its content for the shared writers."""

    kind: str
    content: writer.Document

    @property
    def title(self) -> str:
        return self.content.title

    @property
    def text(self) -> str:
        return self.content.text

    @property
    def file_stem(self) -> str:
        return self.kind.replace("_", "-")


def fill(template: DocumentTemplate, clause) -> Document:
    """The template filled for the clause: the first paragraph is a heading, a paragraph whose lines all
    start with "- " is a list."""
    check_template(template.body)
    filled = template.body.format_map(context(clause))
    blocks: list[writer.Block] = []
    for index, paragraph in enumerate(p.strip() for p in filled.split("\n\n")):
        if not paragraph:
            continue
        lines = paragraph.splitlines()
        if all(line.startswith("- ") for line in lines):
            blocks.extend(writer.Bullet(line[2:].strip()) for line in lines)
        else:
            text = " ".join(line.strip() for line in lines)
            blocks.append(writer.Heading(text) if index == 0 else writer.Paragraph(text))
    return Document(template.kind, writer.Document(template.title, tuple(blocks)))


def documents_for(clause) -> list[Document]:
    templates = {t.kind: t for t in ensure_templates(clause.organisation)}
    return [fill(templates[kind], clause) for kind in DOCUMENTS_BY_KIND[ClauseKind(clause.kind)]]


# --- Output ---------------------------------------------------------------------------------------------


RENDERERS = writer.RENDERERS
CONTENT_TYPES = {fmt: writer.CONTENT_TYPES[fmt] for fmt in RENDERERS}


def file_name(document: Document, clause, fmt: str) -> str:
    suffix = f"-lot-{clause.lot.number}" if clause.lot_id else ""
    reference = (clause.purchase.reference or f"achat-{clause.purchase_id}").replace("/", "-")
    return f"{document.file_stem}-{reference}-clause-{clause.pk}{suffix}.{fmt}"


def render(document: Document, clause, fmt: str) -> tuple[str, bytes]:
    """(file name, content) of one document in "docx" or "pdf"."""
    if fmt not in RENDERERS:
        raise TemplateError(f"Format « {fmt} » inconnu : docx ou pdf.")
    return file_name(document, clause, fmt), RENDERERS[fmt](document.content)


def write_documents(clauses, directory: Path, *, actor=None) -> list[Path]:
    """Every document of these clauses as DOCX and PDF in `directory`; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for clause in clauses:
        for document in documents_for(clause):
            for fmt in RENDERERS:
                name, content = render(document, clause, fmt)
                path = directory / name
                path.write_bytes(content)
                written.append(path)
        audit.record(
            actor, clause.organisation, "clauses.documents.write", clause, f"Documents produits : {clause}"
        )
    return written
