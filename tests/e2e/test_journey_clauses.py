"""The clause follow-up in a real browser: a facilitator opens a clause from the menu, enters a quarter's
declaration, sees the achieved hours and the chart's data table grow, and downloads the CCAP article as DOCX
with the computed hours in it."""

import datetime as dt

import pytest
from docx import Document as DocxDocument

from levier.organisations.roles import Role
from levier.plans import services as plan_services
from tests.clauses.test_pages_world import LINES_Q1, declare, make_clause

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "mot-de-passe-solide-2026"


def log_in(page, base_url, email):
    page.goto(base_url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_facilitator_declares_hours_and_downloads_the_docx(live_server, page, make_user, make_org, member):
    org = make_org("ville-e2e-clauses", "Ville de Valmont (essai)")
    buyer = make_user("acheteur@e2e.invalid", PASSWORD)
    nadia = make_user("facilitatrice@e2e.invalid", PASSWORD, first_name="Nadia", last_name="Fauvel")
    member(buyer, org, Role.BUYER)
    member(nadia, org, Role.FACILITATOR)
    plan = plan_services.get_or_create_plan(buyer, org, 2025)
    purchase = plan_services.create_purchase(
        buyer, plan, reference="E2E-CL-01", object="Réhabilitation du gymnase Jean-Moulin", nature="works"
    )
    clause = make_clause(buyer, purchase, facilitator=nadia)  # 833 hours required
    declare(nadia, clause, dt.date(2025, 1, 1), dt.date(2025, 3, 31), LINES_Q1)  # 200.5 hours

    base = live_server.url
    log_in(page, base, "facilitatrice@e2e.invalid")
    page.goto(f"{base}/o/{org.slug}/")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Clauses").click()
    page.get_by_role("link", name=str(clause)).click()
    assert page.locator("#heures-realisees").inner_text() == "200,50"
    chart_rows = page.locator("#tableau-heures tbody tr")
    before = chart_rows.count()
    assert page.locator("svg.levier-chart").is_visible()

    page.get_by_role("link", name="Saisir une déclaration").click()
    page.get_by_label("Début de la période").fill("2025-04-01")
    page.get_by_label("Fin de la période").fill("2025-06-30")
    page.locator("#id_lignes-0-code").fill("P-001")
    page.locator("#id_lignes-0-way").select_option("direct_hire")
    page.locator("#id_lignes-0-hours").fill("150,5")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    page.wait_for_load_state()

    assert "Déclaration enregistrée" in page.content()
    assert page.locator("#heures-realisees").inner_text() == "351"
    assert chart_rows.count() == before + 1
    assert "351 h" in page.locator("#tableau-heures").inner_text()
    assert page.locator("#participants").get_by_text("P-001").count() == 2

    with page.expect_download() as download_info:
        page.get_by_role("link", name="DOCX — Article du CCAP (clause d'insertion)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    text = "\n".join(p.text for p in DocxDocument(str(download.path())).paragraphs)
    assert "833" in text
