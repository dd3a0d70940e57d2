"""The steward's steering in a real browser, on the demo data: from the home card to the dashboard, whose
progress chart comes with its data table; then the steward raises a target and finds it on the targets page
and in the dashboard's table."""

import re

import pytest
from django.conf import settings

from levier.core.demo import load_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
RESERVED = "Marchés et lots réservés (nombre)"


def test_steward_reads_the_dashboard_and_raises_a_target(live_server, page, monkeypatch, tmp_path):
    # The demo's steps keep their files under a data folder of this run, not the user's own.
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    monkeypatch.setattr(
        "levier.core.demo.DEMO_STEPS",
        [
            "levier.plans.demo.seed",
            "levier.directory.demo.seed",
            "levier.clauses.demo.seed",
            "levier.steering.demo.seed",
        ],
    )
    load_demo()
    base = live_server.url

    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill("referente@demo.levier.invalid")
    page.get_by_label("Mot de passe").fill(settings.LEVIER_DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    page.goto(base + "/o/ville-de-valmont/")
    page.locator(".fr-card").get_by_role("link", name="Pilotage").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1).inner_text().startswith("Tableau de bord")
    chart = page.locator("svg#graphique-avancement")
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    assert "Avancement vers les cibles" in chart.locator("title").first.text_content()
    row = page.locator("#tableau-avancement tbody tr", has_text=RESERVED)
    assert row.count() == 1
    before = row.locator("td").nth(1).inner_text()

    page.get_by_role("link", name="Cibles", exact=True).click()
    year = re.search(
        r"\d{4}", page.locator(f"#tableau-cibles tr:has-text('{RESERVED}') li").first.inner_text()
    ).group(0)
    page.get_by_role("link", name=f"Modifier la cible {year} « {RESERVED} »").first.click()
    page.get_by_role("textbox", name=re.compile(r"^Cible")).fill("42")
    page.get_by_role("button", name="Enregistrer la cible").click()
    page.wait_for_load_state()

    assert f"Cible {year} enregistrée" in page.content()
    assert page.locator(f"[data-cible='reserved_count-{year}']").inner_text() == "42"
    page.goto(f"{base}/o/ville-de-valmont/pilotage/?year={year}")
    updated = (
        page.locator("#tableau-avancement tbody tr", has_text=RESERVED).locator("td").nth(1).inner_text()
    )
    assert updated == "42" and updated != before
