"""A buyer signs in, sees the home page of their organisation, switches to their other organisation."""

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_buyer_logs_in_sees_home_and_switches_organisation(live_server, page, tmp_path):
    call_command("demo", "--no-serve")
    page.goto(live_server.url + "/")
    assert "Connexion à Levier" in page.content()
    # The DSFR stylesheet is served locally, not from a CDN.
    css = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert css.startswith("/static/")
    page.get_by_label("Adresse électronique").fill("acheteuse@demo.levier.invalid")
    page.get_by_label("Mot de passe").fill(settings.LEVIER_DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    # Two organisations: the buyer chooses one first.
    page.get_by_role("link", name="Ville de Valmont-sur-Loue").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ville de Valmont-sur-Loue"
    assert (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Plan des achats")
        .count()
        == 1
    )
    assert "Acheteur" in page.content()
    page.screenshot(path=str(tmp_path / "accueil.png"), full_page=True)

    page.get_by_label("Organisation", exact=True).select_option(label="Département du Val-Fictif")
    page.get_by_role("button", name="Changer").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Département du Val-Fictif"
    assert "/o/departement-du-val-fictif/" in page.url
    # Skip links and landmarks are there for keyboard and screen-reader users.
    assert page.locator(".fr-skiplinks a[href='#content']").count() == 1
    assert page.locator("main#content").count() == 1
    assert page.locator("footer[role=contentinfo]").count() == 1
