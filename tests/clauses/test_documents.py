"""Documents opened with python-docx and pypdf: the computed hours and the right article appear."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from docx import Document as read_docx
from pypdf import PdfReader

from levier.clauses import documents, services
from levier.clauses.models import ClauseKind, DocumentKind, DocumentTemplate
from levier.core.models import AuditEvent
from levier.organisations.roles import Role
from levier.rules import legal
from levier.rules.hours import insertion_hours, spread_over_years

from .world import world_fixture  # noqa: F401


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in read_docx(io.BytesIO(content)).paragraphs)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


@pytest.fixture
def insertion(world):
    return services.create_clause(
        world["users"][Role.FACILITATOR],
        world["purchase"],
        kind=ClauseKind.EXECUTION_CONDITION,
        start_date=dt.date(2027, 9, 1),
        end_date=dt.date(2031, 8, 31),
        penalty_per_hour=Decimal("35"),
        reporting_frequency="monthly",
    )


def test_ccap_article_docx_and_pdf_carry_the_computed_hours_and_article(insertion):
    found = {d.kind: d for d in documents.documents_for(insertion)}
    assert set(found) == {DocumentKind.CCAP_ARTICLE, DocumentKind.COMMITMENT_FORM}
    article = legal.articles()["insertion_clause"].article
    hours = f"{insertion.hours_required}"
    by_year = spread_over_years(insertion_hours(insertion.hours_required, 1, 1, 1), dt.date(2027, 9, 1), 48)
    assert [p.label for p in by_year.periods] == ["2027", "2028", "2029", "2030", "2031"]
    for fmt, read in (("docx", docx_text), ("pdf", pdf_text)):
        name, content = documents.render(found[DocumentKind.CCAP_ARTICLE], insertion, fmt)
        assert name.endswith(f".{fmt}") and "CLA-2027-001" in name
        text = flat(read(content))
        assert f"au moins {hours} heures" in text
        assert f"l'article {article} du code de la commande publique" in text
        assert "01/09/2027" in text and "31/08/2031" in text
        assert "déclaration mensuelle" in text
        # 01/09/2027 to 31/08/2031: 48 months spread over five calendar years by the rules core.
        spread = " ; ".join(f"{p.label} : {p.hours} h" for p in by_year.periods)
        assert f"Répartition indicative par année : {spread}." in text
        assert "35 € par heure non réalisée" in text
        assert insertion.hours_explanation.split(" = ")[0].replace("\u202f", " ") in text


def test_pdf_renders_french_typography(insertion, world):
    editor = world["users"][Role.FACILITATOR]
    documents.ensure_templates(insertion.organisation)
    template = DocumentTemplate.objects.get(
        organisation=insertion.organisation, kind=DocumentKind.CCAP_ARTICLE
    )
    documents.update_template(
        template,
        title="Clause « insertion » de l'œuvre",
        body=template.body + "\n\nCoût d’une heure : 30 € — « test »",
        actor=editor,
    )
    document = documents.documents_for(insertion)[0]
    text = pdf_text(documents.render(document, insertion, "pdf")[1])
    for piece in ("«", "»", "’", "€", "œ"):
        assert piece in text


@pytest.mark.parametrize("article", ["L2113-12", "L2113-13", "L2113-14", "L2113-15"])
def test_reservation_notice_cites_the_right_article(world, article):
    clause = services.create_clause(
        world["users"][Role.BUYER], world["purchase"], kind=ClauseKind.RESERVED, article=article
    )
    (notice,) = documents.documents_for(clause)
    assert notice.kind == DocumentKind.RESERVATION_NOTICE
    expected = next(a for a in legal.articles().values() if a.article == article)
    for fmt, read in (("docx", docx_text), ("pdf", pdf_text)):
        text = flat(read(documents.render(notice, clause, fmt)[1]))
        assert f"article {article} du code de la commande publique" in text
        assert flat(expected.title_fr) in text
        # Other reservation articles appear only where the rules core's own text of this one cites them.
        own = flat(" ".join((expected.text_fr, *expected.conditions_fr)))
        others = {"L2113-12", "L2113-13", "L2113-14", "L2113-15"} - {article}
        assert not any(other in text for other in others if other not in own)


def test_award_criterion_wording(world):
    clause = services.create_clause(
        world["users"][Role.BUYER],
        world["purchase"],
        kind=ClauseKind.AWARD_CRITERION,
        criterion_weight=Decimal("15"),
    )
    (criterion,) = documents.documents_for(clause)
    text = flat(docx_text(documents.render(criterion, clause, "docx")[1]))
    assert "pondération : 15 %" in text
    assert legal.articles()["social_criterion"].article in text


def test_template_edits_are_checked_used_and_audited(insertion, world):
    editor = world["users"][Role.ADMIN]
    with pytest.raises(PermissionDenied):
        documents.update_template(
            DocumentTemplate.objects.filter(organisation=world["org"]).first()
            or documents.ensure_templates(world["org"])[0],
            title="x",
            body="y",
            actor=world["users"][Role.BUYER],
        )
    documents.ensure_templates(insertion.organisation)
    template = DocumentTemplate.objects.get(
        organisation=insertion.organisation, kind=DocumentKind.COMMITMENT_FORM
    )
    with pytest.raises(documents.TemplateError) as refused:
        documents.update_template(template, title="Engagement", body="Heures : {heures}", actor=editor)
    assert "{heures}" in str(refused.value)
    with pytest.raises(documents.TemplateError):
        documents.update_template(template, title="Engagement", body="Heures : {hours_required", actor=editor)
    documents.update_template(
        template, title="Engagement", body="Engagement\n\nNous ferons {hours_required} heures.", actor=editor
    )
    form = next(d for d in documents.documents_for(insertion) if d.kind == DocumentKind.COMMITMENT_FORM)
    assert f"Nous ferons {insertion.hours_required} heures." in form.text
    documents.reset_template(template, actor=editor)
    template.refresh_from_db()
    assert template.body == documents.default_templates()[DocumentKind.COMMITMENT_FORM]["body"]
    assert AuditEvent.objects.filter(action__startswith="clauses.template.").count() == 2


def test_every_shipped_template_is_valid():
    for item in documents.default_templates().values():
        documents.check_template(item["body"])


def test_command_writes_docx_and_pdf(insertion, tmp_path):
    call_command(
        "clause",
        "documents",
        "--org",
        insertion.organisation.slug,
        "--purchase",
        "CLA-2027-001",
        "-o",
        str(tmp_path),
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4
    assert any(n.startswith("ccap-article") and n.endswith(".pdf") for n in names)
    ccap = next(p for p in tmp_path.iterdir() if p.name.startswith("ccap-article") and p.suffix == ".docx")
    assert f"au moins {insertion.hours_required} heures" in flat(docx_text(ccap.read_bytes()))
