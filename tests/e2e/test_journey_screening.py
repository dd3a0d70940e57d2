"""The screening in a real browser: the facilitator opens the plan and sees each line's recommendation,
opens a purchase's screening panel (options, factors, legal frame, candidates, hours) and turns an option
into a proposal; the buyer applies the geographic lot split the panel offers, and the plan line then
shows one badge per lot."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from levier.recommendations.demo import WASTE_REFERENCE

from .test_journey_plan import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORG = "departement-du-val-fictif"


def test_badges_panel_proposal_and_split(live_server, page, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "donnees"
    call_command("demo", "--no-serve")
    base = live_server.url
    plan_url = f"{base}/o/{ORG}/plan/?year=2027"

    log_in(page, base, "facilitatrice@demo.levier.invalid")
    page.goto(plan_url)
    row = page.locator("tr", has_text=WASTE_REFERENCE)
    badge = row.get_by_role("link", name=re.compile("lots géographiques, réservés"))
    expect(badge).to_be_visible()
    # Every line of the plan carries a recommendation (or the link to screen it).
    expect(page.locator(".levier-reco-badge").first).to_be_visible()
    badge.click()

    expect(page.get_by_role("heading", name=re.compile("Recommandation : Découper en"))).to_be_visible()
    options = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Facteurs"))
    expect(options.get_by_role("columnheader", name="Heures")).to_be_visible()
    expect(options).to_contain_text("Clause d'insertion")
    expect(page.get_by_role("heading", name=re.compile("Structures capables"))).to_be_visible()
    expect(page.get_by_text("Collecte Solidaire Bisontine").first).to_be_visible()
    expect(page.get_by_role("heading", name="Cadre juridique")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Ce qui changerait la réponse"))).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Proposer : Clause d'insertion de")).click()
    expect(page.get_by_text("Option proposée")).to_be_visible()

    # The buyer cuts the purchase into the geographic lots the panel offers.
    log_in(page, base, "acheteuse@demo.levier.invalid")
    page.goto(plan_url)
    page.locator("tr", has_text=WASTE_REFERENCE).locator(".levier-reco-badge").click()
    page.get_by_role(
        "button", name=re.compile("Appliquer ce découpage : Découper en .* lots géographiques")
    ).click()
    expect(page.get_by_text(re.compile(r"Allotissement appliqué : \d lots créés"))).to_be_visible()
    expect(page.get_by_role("heading", name="Par lot")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Appliquer ce découpage"))).to_have_count(0)

    page.goto(plan_url)
    lots = page.locator("tr", has_text=WASTE_REFERENCE).locator(".levier-lot-badges li")
    expect(lots.first).to_contain_text("Doubs")
    assert lots.count() >= 2
