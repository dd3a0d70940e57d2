"""The clause pages: who sees what (participant rows only for facilitators, and admins when turned on, each
read logged), the list filters, the clause page's figures and chart, creating and editing a clause from a
purchase, the award, a declaration, the documents and the templates editor."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from docx import Document as DocxDocument

from levier.clauses import services
from levier.clauses.models import Award, Clause, Declaration, DocumentTemplate
from levier.core.models import AuditEvent
from levier.organisations.roles import Role
from tests.clauses import test_pages_world
from tests.clauses.test_pages_world import SECRET, make_clause

world = test_pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db


def url(name, w, **kwargs):
    return reverse(f"clauses:{name}", kwargs={"org": w.org.slug, **kwargs})


def as_role(client, w, role):
    client.force_login(w.user(role))
    return client


def participant_reads(w) -> int:
    return AuditEvent.objects.filter(organisation=w.org, action="clauses.participants.read").count()


# --- Who sees what --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role.values))
def test_every_member_reads_the_list_and_the_clause(client, world, role):
    as_role(client, world, role)
    listing = client.get(url("list", world))
    assert listing.status_code == 200
    assert "2025-010" in listing.content.decode()
    assert SECRET not in listing.content.decode()
    page = client.get(url("clause", world, clause=world.clause.pk))
    assert page.status_code == 200
    body = page.content.decode()
    # Totals are for everybody: 120 + 80.5 + 150 + 60 = 410.5 hours achieved of 833.
    assert re.search(r'id="heures-realisees">410,50<', body), body[:200]
    assert 'id="declarations"' in body


@pytest.mark.parametrize("role", [Role.BUYER, Role.PRESCRIBER, Role.STEWARD, Role.READER, Role.ADMIN])
def test_participant_rows_are_hidden_from_other_roles_and_nothing_is_logged(client, world, role):
    as_role(client, world, role)
    before = participant_reads(world)
    body = client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    assert 'id="participants"' not in body
    assert "P-001" not in body
    assert participant_reads(world) == before
    # Nor can they open the forms that write participant rows.
    assert client.get(url("declaration_create", world, clause=world.clause.pk)).status_code == 403
    assert client.get(url("import_upload", world, clause=world.clause.pk)).status_code == 403


def test_the_facilitator_sees_participant_rows_and_the_read_is_logged(client, world):
    as_role(client, world, Role.FACILITATOR)
    before = participant_reads(world)
    body = client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    assert 'id="participants"' in body
    table = body[body.index('id="participants"') : body.index("</table>", body.index('id="participants"'))]
    # P-001 worked both quarters: two rows, each with the code and the link to export their data.
    assert len(re.findall(r"<td>P-001 <a ", table)) == 2 and "<td>P-003 <a " in table
    assert participant_reads(world) == before + 1
    event = AuditEvent.objects.filter(action="clauses.participants.read").latest("pk")
    assert event.actor == world.user(Role.FACILITATOR)
    assert event.details["count"] == 4


def test_admins_see_participants_only_when_the_organisation_turns_it_on(client, world):
    as_role(client, world, Role.ADMIN)
    assert "P-001" not in client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    services.update_settings(world.user(Role.ADMIN), world.org, admins_see_participants=True)
    body = client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    assert "P-001" in body


def test_another_organisations_clause_is_not_found(client, world):
    as_role(client, world, Role.FACILITATOR)
    assert client.get(url("clause", world, clause=world.other_clause.pk)).status_code == 404
    assert client.get(url("edit", world, clause=world.other_clause.pk)).status_code == 404


# --- The list -------------------------------------------------------------------------------------------


def test_list_filters_by_status_pace_and_facilitator(client, world):
    buyer = world.user(Role.BUYER)
    idle = make_clause(buyer, world.purchase, facilitator=None)  # no declaration at all: behind
    draft = services.create_clause(buyer, world.purchase, kind="reserved", article="L2113-13")
    as_role(client, world, Role.READER)

    def listed(**query):
        body = client.get(url("list", world), query).content.decode()
        return {int(n) for n in re.findall(r'id="clause-(\d+)"', body)}

    assert listed() == {world.clause.pk, idle.pk, draft.pk}
    assert listed(status="draft") == {draft.pk}
    assert listed(facilitator=world.user(Role.FACILITATOR).pk) == {world.clause.pk}
    assert idle.pk in listed(pace="behind")
    assert idle.pk not in listed(pace="on_track")
    assert draft.pk not in listed(pace="behind") | listed(pace="on_track")
    assert "Statut inconnu" in client.get(url("list", world), {"status": "nope"}).content.decode()


# --- Clause page: chart and table -----------------------------------------------------------------------


def test_clause_page_draws_the_chart_with_its_data_table(client, world):
    as_role(client, world, Role.BUYER)
    body = client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    assert '<svg class="levier-chart"' in body and 'role="img"' in body
    table = body[body.index('id="tableau-heures"') :]
    table = table[: table.index("</table>")]
    # Cumulative after each quarter, then the requirement.
    assert "03/2025" in table and "200,5 h" in table
    assert "06/2025" in table and "410,5 h" in table
    assert "Exigé" in table and "833 h" in table


# --- Writing --------------------------------------------------------------------------------------------


def test_a_buyer_writes_a_clause_from_the_purchase_page(client, world):
    as_role(client, world, Role.BUYER)
    purchase_page = client.get(
        reverse("plans:purchase", kwargs={"org": world.org.slug, "purchase": world.purchase.pk})
    ).content.decode()
    create_url = url("create", world) + f"?purchase={world.purchase.pk}"
    assert create_url.replace("?", "?") in purchase_page.replace("&amp;", "&")
    assert client.get(create_url).status_code == 200
    response = client.post(
        create_url,
        {
            "kind": "execution_condition",
            "amount_ht": "600 000",
            "labour_share": "50",
            "insertion_rate": "5",
            "hourly_cost": "30",
            "taken_over_share": "",
            "reporting_frequency": "quarterly",
            "start_date": "2025-03-01",
            "end_date": "2026-02-28",
            "eligible_publics": ["rsa", "youth"],
            "accepted_ways": ["direct_hire"],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    created = Clause.objects.exclude(pk=world.clause.pk).get(organisation=world.org)
    assert created.hours_required == 500  # 600,000 × 50 % × 5 % ÷ 30
    assert created.eligible_publics == ["rsa", "youth"]
    assert AuditEvent.objects.filter(action="clauses.clause.create", target_id=str(created.pk)).exists()


def test_overriding_hours_needs_a_reason_and_the_page_shows_it(client, world):
    as_role(client, world, Role.FACILITATOR)
    edit = url("edit", world, clause=world.clause.pk)
    form = client.get(edit).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        start_date="2025-01-01",
        end_date="2026-12-31",
        eligible_publics=world.clause.eligible_publics,
        accepted_ways=world.clause.accepted_ways,
        facilitator=world.user(Role.FACILITATOR).pk,
        hours_required="700",
        hours_override_reason="",
    )
    for name in ("amount_ht", "labour_share", "insertion_rate", "hourly_cost", "taken_over_share"):
        data[name] = str(data.get(name, "")).replace(".", ",")
    refused = client.post(edit, data)
    assert refused.status_code == 400
    world.clause.refresh_from_db()
    assert world.clause.hours_required == 833
    data["hours_override_reason"] = "Chantier en site occupé : volume de main-d'œuvre réduit."
    assert client.post(edit, data).status_code == 302
    body = client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    assert "<strong>700</strong>" in body and "Chantier en site occupé" in body and "833 h" in body


def test_readers_cannot_write(client, world):
    as_role(client, world, Role.READER)
    assert client.get(url("create", world) + f"?purchase={world.purchase.pk}").status_code == 403
    assert client.post(url("award", world, clause=world.clause.pk), {}).status_code == 403
    assert client.get(url("templates", world)).status_code == 403


def test_the_award_is_recorded_with_its_holders(client, world):
    as_role(client, world, Role.BUYER)
    response = client.post(
        url("award", world, clause=world.clause.pk),
        {
            "amount_ht": "950 000",
            "awarded_on": "2024-12-10",
            "bids": "5",
            "inclusive_bids": "1",
            "titulaires-TOTAL_FORMS": "2",
            "titulaires-INITIAL_FORMS": "0",
            "titulaires-0-name": "Bâtiments du Val SA",
            "titulaires-0-siret": "",
            "titulaires-0-role": "holder",
            "titulaires-1-name": "Régie de quartier Nord",
            "titulaires-1-siret": "",
            "titulaires-1-role": "subcontractor",
        },
    )
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context.get("lines") and response.context["lines"].errors,
    )
    award = Award.objects.get(clause=world.clause)
    assert award.bids == 5 and award.holders.count() == 2
    body = client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    assert "Régie de quartier Nord" in body and "Sous-traitant" in body
    # More inclusive bids than bids: refused with a French message, nothing changed.
    refused = client.post(
        url("award", world, clause=world.clause.pk),
        {
            "bids": "1",
            "inclusive_bids": "3",
            "titulaires-TOTAL_FORMS": "1",
            "titulaires-INITIAL_FORMS": "0",
            "titulaires-0-name": "Autre SA",
            "titulaires-0-role": "holder",
        },
    )
    assert refused.status_code == 400
    errors = refused.context["form"].errors
    assert "ne peuvent dépasser" in " ".join(m for messages in errors.values() for m in messages)
    award.refresh_from_db()
    assert award.bids == 5


def test_the_facilitator_enters_a_declaration(client, world):
    as_role(client, world, Role.FACILITATOR)
    target = url("declaration_create", world, clause=world.clause.pk)
    base = {
        "period_start": "2025-07-01",
        "period_end": "2025-09-30",
        "lignes-TOTAL_FORMS": "2",
        "lignes-INITIAL_FORMS": "0",
    }
    response = client.post(
        target,
        {
            **base,
            "lignes-0-code": "P-001",
            "lignes-0-way": "direct_hire",
            "lignes-0-hours": "100,5",
            "lignes-1-code": "P-010",
            "lignes-1-way": "ai_provision",
            "lignes-1-hours": "40",
            "lignes-1-age_band": "26_49",
            "lignes-1-sex": "M",
            "lignes-1-eligibility": "rsa",
            "lignes-1-contract_type": "mise_a_disposition",
        },
    )
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context.get("lines") and response.context["lines"].errors,
    )
    assert Declaration.objects.filter(clause=world.clause).count() == 3
    body = client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    assert re.search(r'id="heures-realisees">551<', body)
    # A new code without its characteristics: refused, nothing written.
    refused = client.post(
        target,
        {
            **base,
            "period_start": "2025-10-01",
            "period_end": "2025-12-31",
            "lignes-0-code": "P-099",
            "lignes-0-way": "direct_hire",
            "lignes-0-hours": "10",
        },
    )
    assert refused.status_code == 400
    assert "P-099" in refused.content.decode()
    assert Declaration.objects.filter(clause=world.clause).count() == 3


def test_documents_download_as_docx_and_pdf_with_the_computed_hours(client, world):
    as_role(client, world, Role.BUYER)
    response = client.get(url("document_docx", world, clause=world.clause.pk, document_kind="ccap_article"))
    assert response.status_code == 200
    text = "\n".join(p.text for p in DocxDocument(io.BytesIO(response.content)).paragraphs)
    assert "833" in text
    pdf = client.get(url("document_pdf", world, clause=world.clause.pk, document_kind="ccap_article"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A reservation's notice is not a document of an insertion clause.
    assert (
        client.get(
            url("document_docx", world, clause=world.clause.pk, document_kind="reservation_notice")
        ).status_code
        == 404
    )


def test_templates_editor_refuses_unknown_placeholders_and_saves(client, world):
    as_role(client, world, Role.ADMIN)
    assert client.get(url("templates", world)).status_code == 200
    template = DocumentTemplate.objects.get(organisation=world.org, kind="ccap_article")
    target = url("template", world, template=template.pk)
    refused = client.post(target, {"title": "Article", "body": "Heures : {heures_inconnues}"})
    assert refused.status_code == 400 and "{heures_inconnues}" in refused.content.decode()
    body = "Article {article_number} — insertion\n\nLe titulaire réalise {hours_required} heures."
    assert client.post(target, {"title": "Article insertion", "body": body}).status_code == 302
    template.refresh_from_db()
    assert template.body == body
    as_role(client, world, Role.BUYER)
    docx = client.get(url("document_docx", world, clause=world.clause.pk, document_kind="ccap_article"))
    text = "\n".join(p.text for p in DocxDocument(io.BytesIO(docx.content)).paragraphs)
    assert "Le titulaire réalise 833 heures." in text


def test_closing_shows_the_final_report(client, world):
    as_role(client, world, Role.FACILITATOR)
    response = client.post(url("status", world, clause=world.clause.pk), {"action": "close"})
    assert response.status_code == 302
    body = client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    assert "Bilan final" in body and "422,50 h manquantes" in body.replace("\u202f", " ")
    assert dt.date.today().isoformat() in body


def test_admins_turn_on_participant_access_in_the_settings(client, world):
    as_role(client, world, Role.FACILITATOR)
    assert client.get(url("settings", world)).status_code == 403
    as_role(client, world, Role.ADMIN)
    target = url("settings", world)
    assert client.get(target).status_code == 200
    refused = client.post(target, {"retention_months": "0", "alert_threshold": "10"})
    assert refused.status_code == 400
    saved = client.post(
        target, {"admins_see_participants": "on", "retention_months": "24", "alert_threshold": "15"}
    )
    assert saved.status_code == 302
    current = services.settings_for(world.org)
    assert current.admins_see_participants and current.retention_months == 24
    assert str(current.alert_threshold) == "0.150"
    assert "P-001" in client.get(url("clause", world, clause=world.clause.pk)).content.decode()


def test_one_participants_data_is_exported_on_request_and_logged(client, world):
    from levier.clauses.models import Participant

    person = Participant.objects.get(organisation=world.org, code="P-001")
    target = url("participant_export", world, participant=person.pk)
    as_role(client, world, Role.BUYER)
    assert client.get(target).status_code == 403
    as_role(client, world, Role.FACILITATOR)
    assert target in client.get(url("clause", world, clause=world.clause.pk)).content.decode()
    data = client.get(target).json()
    assert data["code"] == "P-001"
    assert sorted(h["hours"] for h in data["hours"]) == [120.0, 150.0]
    assert AuditEvent.objects.filter(action="clauses.participants.export", target_id=str(person.pk)).exists()
    neighbour = Participant.objects.get(code="SECRET-9")
    assert client.get(url("participant_export", world, participant=neighbour.pk)).status_code == 404
