"""The plan's main journey in a real browser: a buyer imports the plan from a spreadsheet (preview, confirm),
filters it and corrects a line in place; the facilitator proposes a line; the prescriber validates it; the
line then shows as validated in the plan and among the commission's decisions to record."""

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A year the demo's own plan does not use, so that everything seen here comes from this file.
YEAR = 2031
GREEN = "Direction des espaces verts et de l'environnement"
ORG = "ville-de-valmont"


def write_plan(path):
    """Laid out as buyers do: title rows above the header, French amounts and dates as text."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = f"PAA {YEAR}"
    sheet.append([f"Plan d'action des achats {YEAR} — Ville de Valmont-sur-Loue"])
    sheet.append([])
    sheet.append(
        ["Réf.", "Objet du marché", "Direction", "Montant estimé HT sur la durée", "Lancement", "Durée"]
    )
    sheet.append(["E2E-01", "Entretien des massifs fleuris", GREEN, "180 000 €", f"mars {YEAR}", "3 ans"])
    sheet.append(
        ["E2E-02", "Élagage des arbres d'alignement", GREEN, "95 000,00", f"15/05/{YEAR}", "24 mois"]
    )
    sheet.append(["E2E-03", "Réfection de la cour de l'école", "Direction des bâtiments et de la voirie",
                  "1,2 M€", f"T3 {YEAR}", "8 mois"])  # fmt: skip
    workbook.save(path)
    return path


def log_in(page, base_url, email):
    page.context.clear_cookies()
    page.goto(base_url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(settings.LEVIER_DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_import_filter_propose_validate(live_server, page, tmp_path, settings):
    # The demo's steps keep their files under a data folder of this run, not the user's own.
    settings.DATA_DIR = tmp_path / "donnees"
    call_command("demo", "--no-serve")
    base = live_server.url
    plan_url = f"{base}/o/{ORG}/plan/?year={YEAR}"

    # The buyer imports the file through the page.
    log_in(page, base, "acheteuse@demo.levier.invalid")
    page.goto(f"{base}/o/{ORG}/")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Plan des achats").click()
    page.get_by_role("link", name="Importer un fichier").click()
    page.get_by_label("Fichier du plan des achats").set_input_files(str(write_plan(tmp_path / "paa.xlsx")))
    page.get_by_label("Année du plan").fill(str(YEAR))
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Import de paa.xlsx")
    assert "Aperçu : rien n'est encore enregistré." in page.content()
    counts = page.locator(".levier-counts").inner_text()
    assert "3 achats créés" in counts and "0 erreur" in counts
    page.screenshot(path=str(tmp_path / "apercu.png"), full_page=True)
    page.get_by_role("button", name="Confirmer l'import").click()
    page.wait_for_load_state()
    assert f"Plan {YEAR} importé : 3 achat(s) créé(s)" in page.content()

    # The plan, then filtered by direction.
    page.get_by_role("link", name=f"Voir le plan {YEAR}").click()
    page.wait_for_load_state()
    table = page.get_by_role("table", name=f"Achats du plan {YEAR}")
    assert table.locator("tbody tr").count() == 3
    page.get_by_label("Service").select_option(label=GREEN)
    page.get_by_role("button", name="Filtrer", exact=True).click()
    page.wait_for_load_state()
    rows = page.get_by_role("table", name=f"Achats du plan {YEAR}").locator("tbody tr")
    assert rows.count() == 2
    assert "Réfection de la cour" not in rows.all_inner_texts()[0] + rows.all_inner_texts()[1]

    # An inline correction, without leaving the page (htmx).
    row = rows.filter(has_text="Élagage des arbres")
    row.get_by_role("link", name="Modifier").click()
    editor = page.locator("tr").filter(has=page.get_by_role("button", name="Enregistrer"))
    editor.get_by_label("Objet").fill("Élagage et abattage des arbres d'alignement")
    editor.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Élagage et abattage des arbres d'alignement", exact=True).wait_for()
    assert page.url.startswith(f"{base}/o/{ORG}/plan/")

    # The facilitator proposes the line.
    log_in(page, base, "facilitatrice@demo.levier.invalid")
    page.goto(plan_url)
    page.get_by_role("link", name="Entretien des massifs fleuris", exact=True).click()
    page.wait_for_load_state()
    proposal = page.locator("form.levier-step").filter(has_text="Proposer")
    proposal.get_by_label("Commentaire").fill("Réservable aux ESAT du secteur (L2113-12).")
    proposal.get_by_role("button", name="Proposer").click()
    page.wait_for_load_state()
    assert "le statut est maintenant « Proposé »" in page.content()

    # The prescriber of the green spaces direction validates it.
    log_in(page, base, "prescripteur@demo.levier.invalid")
    page.goto(plan_url)
    page.get_by_role("link", name="Entretien des massifs fleuris", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Refuser").count() == 1
    validation = page.locator("form.levier-step").filter(has_text="Valider")
    validation.get_by_label("Commentaire").fill("D'accord pour réserver.")
    validation.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    history = page.get_by_role(
        "table", name="Décisions et modifications, des plus récentes aux plus anciennes"
    )
    assert "Louis Prévost" in history.inner_text() and "Nadia Fauvel" in history.inner_text()

    # The line is where it is expected: validated in the plan, awaiting the commission.
    page.goto(plan_url + "&status=validated")
    rows = page.get_by_role("table", name=f"Achats du plan {YEAR}").locator("tbody tr")
    assert rows.count() == 1 and "Entretien des massifs fleuris" in rows.inner_text()
    page.goto(f"{base}/o/{ORG}/plan/commission/?year={YEAR}")
    decisions = page.locator("section#a-decider, section[aria-labelledby=a-decider]")
    assert "Entretien des massifs fleuris" in decisions.inner_text()
    assert page.locator("svg[role=img]").count() == 2
    page.screenshot(path=str(tmp_path / "commission.png"), full_page=True)
