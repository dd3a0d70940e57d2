"""A buyer searches structures near a place, opens one, adds it to a sourcing list, exports the list."""

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tests.directory.search_support import make_structure, use_idf_geography

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_buyer_finds_a_structure_and_exports_a_sourcing_list(
    live_server, page, monkeypatch, tmp_path, settings
):
    use_idf_geography(monkeypatch)
    # The demo's steps keep their files under a data folder of this run, not the user's own.
    settings.DATA_DIR = tmp_path / "donnees"
    call_command("demo", "--no-serve")
    make_structure(
        "Atelier Lumière",
        48.80,
        2.47,
        "94",
        kinds=["ESAT"],
        sectors=["nettoyage-locaux"],
        city="Créteil",
        siret="12345678200010",
    )
    make_structure(
        "Loin d'ici", 43.30, 5.40, "13", kinds=["ESAT"], sectors=["nettoyage-locaux"], city="Marseille"
    )

    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill("acheteuse@demo.levier.invalid")
    page.get_by_label("Mot de passe").fill(settings.LEVIER_DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/o/ville-de-valmont/")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Structures inclusives"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Structures inclusives"

    page.get_by_label("Secteur", exact=True).select_option("nettoyage-locaux")
    page.get_by_label("Autour de").fill("94000")
    page.get_by_label("Rayon (km)").fill("30")
    page.get_by_label("Trier par").select_option("distance")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    results = page.locator("#resultats").inner_text()
    shown = page.locator(".levier-resultat h3").count()
    assert results.startswith(f"{shown} structure"), results
    assert page.locator(".levier-resultat h3", has_text="Atelier Lumière").count() == 1
    assert page.locator("svg.levier-carte path[data-departement='94']").count() >= 1
    assert "Loin d'ici" not in page.content()
    page.get_by_role("link", name="Atelier Lumière").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Atelier Lumière"

    page.get_by_label("Ajouter à une liste").select_option(label="Nettoyage des locaux — veille")
    page.get_by_role("button", name="Ajouter à la liste").click()
    page.wait_for_load_state()
    assert "ajoutée à « Nettoyage des locaux — veille »" in page.content()
    page.get_by_role("link", name="Nettoyage des locaux — veille").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Atelier Lumière").count() == 1
    page.screenshot(path=str(tmp_path / "liste.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter (tableur .xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target).active
    names = [row[0].value for row in sheet.iter_rows()]
    assert "Atelier Lumière" in names
