"""The import pages: upload, preview with row errors and warnings, the mapping screen the organisation's next
import remembers, the confirmation, a re-import that changes nothing, and large files run as tasks."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from levier.core import background
from levier.core.column_mapping import NOT_USED
from levier.organisations.roles import Role
from levier.plans.models import ImportMapping, ImportStatus, PlanImport, PlannedPurchase
from tests.plans import pages_world
from tests.plans.pages_world import YEAR

world = pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db

HEADER = "N° interne;Objet du marché;Direction;Montant estimé HT;Lancement prévu;Observations élus\n"
GOOD = (
    "2027-101;Nettoyage des locaux administratifs;Direction des bâtiments;120 000 €;mars 2027;prioritaire\n"
    "2027-102;Entretien des massifs;Direction des espaces verts;45 000,50;T2 2027;\n"
)
BAD = "2027-104;;Direction des bâtiments;10 000;mars 2027;\n"


def plan_file(body: str, name: str = "programmation.csv") -> SimpleUploadedFile:
    text = f"Programmation des achats {YEAR};;;;;\n;;;;;\n" + HEADER + body
    return SimpleUploadedFile(name, text.encode("cp1252"), content_type="text/csv")


def url(name, w, **kwargs):
    return reverse(f"plans:{name}", kwargs={"org": w.org.slug, **kwargs})


def upload(client, w, body: str, name="programmation.csv"):
    response = client.post(url("import_upload", w), {"file": plan_file(body, name), "year": YEAR})
    assert response.status_code == 302, response.content.decode()[:2000]
    return PlanImport.objects.filter(organisation=w.org).latest("pk")


def test_upload_preview_mapping_confirm_and_reimport(client, world):
    client.force_login(world.user(Role.BUYER))
    plan_import = upload(client, world, GOOD + BAD)
    assert plan_import.status == ImportStatus.PREVIEWED
    page = client.get(url("import", world, plan_import=plan_import.pk)).content.decode()
    # Row-level error and the file-level warning, each located.
    assert "Objet absent" in page and re.search(r"<td>3</td>|<td>6</td>", page)
    assert "ne dit pas si le montant est annuel" in page
    assert "« Observations élus »" in page and "Préciser les colonnes" in page
    assert not PlannedPurchase.objects.filter(reference__startswith="2027-10").exists()

    # The mapping screen (the shared one): the comments column is not used, amounts cover the whole duration.
    mapping_url = url("import_mapping", world, plan_import=plan_import.pk)
    form = client.get(mapping_url).content.decode()
    assert 'id="correspondance-colonnes"' in form and "Observations élus" in form
    assert "toute la durée du marché" in form
    assert '<option value="" selected>Décider plus tard</option>' in form
    response = client.post(mapping_url, {"column_0": NOT_USED, "amount_basis": "whole_duration"})
    assert response.status_code == 302
    again = PlanImport.objects.filter(organisation=world.org).latest("pk")
    assert again.pk != plan_import.pk and again.report["unmapped_columns"] == []
    assert not again.report["needs_amount_basis"]
    remembered = ImportMapping.objects.filter(organisation=world.org)
    assert remembered.get(header="Observations élus").field == ""  # ignored from now on
    assert remembered.filter(amount_basis="whole_duration").exists()

    # With an error in the file, confirming imports nothing unless the buyer leaves those lines out.
    commit_url = url("import_commit", world, plan_import=again.pk)
    response = client.post(commit_url, follow=True)
    assert "rien n'a été importé" in html.unescape(response.content.decode())
    assert not PlannedPurchase.objects.filter(reference__startswith="2027-10").exists()
    response = client.post(commit_url, {"skip_errors": "1"}, follow=True)
    assert "Plan 2027 importé : 2 achat(s) créé(s)" in response.content.decode()
    created = PlannedPurchase.objects.get(reference="2027-101")
    assert created.amount_basis == "whole_duration" and created.plan == world.plan

    # The next import of the organisation remembers the answers; the same lines change nothing.
    second = upload(client, world, GOOD, name="programmation-v2.csv")
    assert second.report["unmapped_columns"] == [] and not second.report["needs_amount_basis"]
    assert (second.created, second.updated, second.unchanged, second.errors) == (0, 0, 2, 0)
    client.post(url("import_commit", world, plan_import=second.pk))
    assert PlannedPurchase.objects.filter(reference__startswith="2027-10").count() == 2


def test_mapping_screen_errors_in_french_and_deciding_later_remembers_nothing(client, world):
    header = HEADER.replace("Observations élus", "Observations élus;Remarques")
    body = "2027-101;Nettoyage des locaux;Direction des bâtiments;120 000 €;mars 2027;prioritaire;urgent\n"
    client.force_login(world.user(Role.BUYER))
    text = f"Programmation des achats {YEAR};;;;;;\n;;;;;;\n" + header + body
    response = client.post(
        url("import_upload", world),
        {"file": SimpleUploadedFile("plan.csv", text.encode("cp1252")), "year": YEAR},
    )
    plan_import = PlanImport.objects.filter(organisation=world.org).latest("pk")
    columns = plan_import.report["unmapped_columns"]
    assert columns == ["Observations élus", "Remarques"] and plan_import.report["needs_amount_basis"]
    mapping_url = url("import_mapping", world, plan_import=plan_import.pk)
    index = {header: f"column_{i}" for i, header in enumerate(columns)}

    # Two columns for one field, and a value that is not a field: French errors naming the columns.
    data = {name: "place" for name in index.values()} | {"amount_basis": "per_year"}
    page = html.unescape(client.post(mapping_url, data).content.decode())
    duplicate = "« Lieu d'exécution » est déjà donné par la colonne « Observations élus »"
    assert f"{duplicate} : une seule colonne par champ." in page
    page = html.unescape(
        client.post(mapping_url, {index["Remarques"]: "rien", "amount_basis": "per_year"}).content.decode()
    )
    assert "Colonne « Remarques » : choisissez un champ de la liste." in page
    page = html.unescape(client.post(mapping_url, {index["Remarques"]: NOT_USED}).content.decode())
    assert "Dites si les montants couvrent une année ou toute la durée du marché." in page
    assert not ImportMapping.objects.filter(organisation=world.org).exists()

    # "Décider plus tard" (the default) remembers nothing for that column; "not used" is remembered.
    response = client.post(mapping_url, {index["Remarques"]: NOT_USED, "amount_basis": "per_year"})
    assert response.status_code == 302
    remembered = {row.header: row.field for row in ImportMapping.objects.filter(organisation=world.org)}
    assert remembered == {"Remarques": "", "": ""}  # the amount basis row, and no row for "Observations élus"
    again = PlanImport.objects.filter(organisation=world.org).latest("pk")
    assert again.pk != plan_import.pk and again.report["unmapped_columns"] == ["Observations élus"]
    assert not again.report["needs_amount_basis"]


def test_a_changed_line_says_what_changed(client, world):
    client.force_login(world.user(Role.BUYER))
    first = upload(client, world, GOOD)
    client.post(url("import_commit", world, plan_import=first.pk))
    changed = GOOD.replace("120 000 €", "150 000 €")
    second = upload(client, world, changed)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    page = client.get(url("import", world, plan_import=second.pk)).content.decode()
    assert "120\u202f000 € → 150\u202f000 €" in page


@pytest.mark.parametrize(
    ("name", "message"),
    [("plan.pdf", "ni un classeur .xlsx ou .ods ni un fichier .csv"), ("vide.csv", "vide")],
)
def test_wrong_files_are_refused_with_a_french_message(client, world, name, message):
    client.force_login(world.user(Role.BUYER))
    content = b"" if name == "vide.csv" else b"%PDF-1.4"
    response = client.post(
        url("import_upload", world), {"file": SimpleUploadedFile(name, content), "year": YEAR}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not PlanImport.objects.exists()


def test_an_unreadable_spreadsheet_is_an_error_not_a_crash(client, world):
    client.force_login(world.user(Role.BUYER))
    response = client.post(
        url("import_upload", world),
        {"file": SimpleUploadedFile("plan.xlsx", b"PK\x03\x04 pas un classeur"), "year": YEAR},
    )
    assert response.status_code == 302
    plan_import = PlanImport.objects.get()
    page = client.get(url("import", world, plan_import=plan_import.pk)).content.decode()
    assert plan_import.errors >= 1 and "Erreurs" in page


def test_another_organisation_import_is_not_found(client, world):
    from levier.plans.importing import preview_import

    neighbour = world.other.memberships.first().user
    theirs = preview_import(neighbour, world.other, plan_file(GOOD).read(), "leur.csv", YEAR)
    client.force_login(world.user(Role.BUYER))
    for name in ("import", "import_status", "import_mapping"):
        assert client.get(url(name, world, plan_import=theirs.pk)).status_code == 404
    assert client.post(url("import_commit", world, plan_import=theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.PREVIEWED


def test_large_files_run_as_tasks_and_the_page_polls_their_status(
    client, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(background, "BACKGROUND_BYTES", 10)
    client.force_login(world.user(Role.BUYER))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        plan_import = upload(client, world, GOOD)
    plan_import.refresh_from_db()
    assert plan_import.status == ImportStatus.QUEUED
    # While the worker has not run, the page polls its status with htmx.
    page = client.get(url("import", world, plan_import=plan_import.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in page and "En attente de traitement" in page
    status_url = url("import_status", world, plan_import=plan_import.pk)
    assert "HX-Refresh" not in client.get(status_url, headers={"HX-Request": "true"})
    for callback in queued:
        callback()  # the worker runs the preview
    plan_import.refresh_from_db()
    assert plan_import.status == ImportStatus.PREVIEWED and plan_import.created == 2
    done = client.get(status_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"

    # The mapping screen's answers have the large file read again by the worker too.
    with django_capture_on_commit_callbacks(execute=False) as reread:
        answers = {"column_0": NOT_USED, "amount_basis": "per_year"}
        client.post(url("import_mapping", world, plan_import=plan_import.pk), answers)
    again = PlanImport.objects.latest("pk")
    assert again.pk != plan_import.pk and again.status == ImportStatus.QUEUED and len(reread) == 1

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("import_commit", world, plan_import=plan_import.pk))
    plan_import.refresh_from_db()
    assert plan_import.status == ImportStatus.COMMITTED
    assert PlannedPurchase.objects.filter(reference__in=["2027-101", "2027-102"]).count() == 2
    page = client.get(url("import", world, plan_import=plan_import.pk)).content.decode()
    assert "Importé le" in page and "every 1s" not in page


def test_a_reimport_keeps_values_edited_by_hand_unless_the_buyer_chooses_to_overwrite(client, world):
    from decimal import Decimal

    from levier.plans.services import update_purchase

    buyer = world.user(Role.BUYER)
    client.force_login(buyer)
    first = upload(client, world, GOOD)
    client.post(url("import_commit", world, plan_import=first.pk))
    update_purchase(buyer, PlannedPurchase.objects.get(reference="2027-101"), estimated_amount=Decimal(99000))

    second = upload(client, world, GOOD)
    page = html.unescape(client.get(url("import", world, plan_import=second.pk)).content.decode())
    assert "Valeurs saisies à la main conservées" in page and 'id="tableau-saisies"' in page
    assert "elles seront conservées, sauf si vous choisissez de les remplacer" in page
    kept_table = page.split('id="tableau-saisies"', 1)[1]
    row = re.search(r"<td>Montant estimé HT</td><td>([^<]*)</td><td>([^<]*)</td>", kept_table)
    assert row and row.groups() == ("99\u202f000 €", "120\u202f000 €")
    assert 'name="overwrite_manual" value="1"' in page and "en remplaçant les 1 achat modifié" in page

    # The plain confirmation keeps the value edited by hand.
    client.post(url("import_commit", world, plan_import=second.pk))
    assert PlannedPurchase.objects.get(reference="2027-101").estimated_amount == Decimal(99000)
    page = html.unescape(client.get(url("import", world, plan_import=second.pk)).content.decode())
    assert "elles ont été conservées" in page

    # The other button replaces it with the file's.
    third = upload(client, world, GOOD)
    client.post(url("import_commit", world, plan_import=third.pk), {"overwrite_manual": "1"})
    assert PlannedPurchase.objects.get(reference="2027-101").estimated_amount == Decimal(120000)
    page = html.unescape(client.get(url("import", world, plan_import=third.pk)).content.decode())
    assert "Valeurs saisies à la main remplacées par le fichier" in page


def test_the_status_names_the_step_the_worker_is_at(client, world):
    from levier.plans.models import ImportPhase

    client.force_login(world.user(Role.BUYER))
    plan_import = upload(client, world, GOOD)
    PlanImport.objects.filter(pk=plan_import.pk).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.COMPARING, progress=1, total=2
    )
    status = client.get(url("import_status", world, plan_import=plan_import.pk)).content.decode()
    assert "Comparaison avec le plan en cours : 1 ligne traitée sur 2" in status
    assert '<progress max="2" value="1">' in status
