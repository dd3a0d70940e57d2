"""The steward imports an accounting export whose headers Levier does not know, in a real browser: the
preview (read by the task worker) asks for the columns, the mapping screen shows each column with its values,
the answers are remembered, the file is read again and imported; the next export of that layout asks nothing.
"""

import pytest

from levier.organisations.roles import Role
from tests.steering.conftest import csv_bytes
from tests.steering.test_import_mapping import odd_rows
from tests.steering.test_reader import ODD_HEADERS, ODD_MAPPING

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD = "mot-de-passe-solide-2026"
LABELS = {
    "invoice_ref": "N° de facture ou de mandat",
    "date": "Date (du mandat, de la facture ou du paiement)",
    "supplier_name": "Nom du fournisseur (raison sociale, tiers)",
    "siret": "SIRET du fournisseur",
    "category": "Imputation (compte, nature, catégorie d'achat)",
    "service": "Service ou direction",
    "amount_ht": "Montant HT",
}


def test_steward_maps_unknown_columns_once(
    live_server, page, settings, tmp_path, make_org, make_user, member
):
    from levier.steering.models import SpendLine

    settings.TASKS = IMMEDIATE
    org = make_org("ville-e2e", "Ville de Test")
    steward = make_user("referente@exemple.invalid")
    member(steward, org, Role.STEWARD)
    export = tmp_path / "grand-livre.csv"
    export.write_bytes(csv_bytes(odd_rows(), ODD_HEADERS))
    base = live_server.url

    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(steward.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    page.goto(f"{base}/o/{org.slug}/pilotage/depenses/import/")
    page.get_by_label("Export comptable des dépenses").set_input_files(str(export))
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.wait_for_load_state()
    assert page.locator("#colonnes-a-indiquer").is_visible()
    page.get_by_role("link", name="Indiquer les colonnes").click()
    page.wait_for_load_state()

    rows = page.locator("#correspondance-colonnes tbody tr")
    assert rows.count() == len(ODD_HEADERS)
    assert "Papeterie Martin" in rows.nth(2).inner_text()
    for name, header in ODD_MAPPING.items():
        page.get_by_label(header, exact=True).select_option(label=LABELS[name])
    page.get_by_role("button", name="Enregistrer et relire le fichier").click()
    page.wait_for_load_state()

    assert "Correspondance enregistrée" in page.content()
    assert page.locator("#colonnes-a-indiquer").count() == 0
    assert "2</strong> nouvelles" in page.locator("#comptes-import").inner_html()
    page.get_by_role("button", name="Confirmer l'import").click()
    page.wait_for_load_state()
    page.locator("text=Importé le").wait_for()
    assert SpendLine.objects.filter(organisation=org).count() == 2

    page.goto(f"{base}/o/{org.slug}/pilotage/depenses/import/")
    page.get_by_label("Export comptable des dépenses").set_input_files(str(export))
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.wait_for_load_state()
    assert page.locator("#colonnes-a-indiquer").count() == 0
    assert "2</strong> inchangées" in page.locator("#comptes-import").inner_html()
