"""Spend pages: upload an accounting export, preview with row errors and counts, commit by the task
worker while the page polls its status, confirm or reject name matches, read the analysis by kind,
category and service, and the transferable segments."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from levier.core import background
from levier.organisations.roles import Role
from levier.steering import importing
from levier.steering.models import (
    MatchStatus,
    SpendImport,
    SpendImportStatus,
    SpendLine,
    SteeringSettings,
    SupplierMatch,
)

from ..conftest import base_rows, structure, xlsx_bytes
from .conftest import YEAR

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(client, scene, content: bytes, name="mandats-2026.xlsx", year=YEAR):
    return client.post(scene.url("import_upload"), {"file": SimpleUploadedFile(name, content), "year": year})


def test_a_small_export_previews_at_once_and_its_commit_goes_to_the_worker(
    client, scene, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    client.force_login(scene.steward)
    content = xlsx_bytes(base_rows())
    assert not background.in_background(content)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(client, scene, content)
    assert queued == []  # nothing for the worker: the file was read in the request
    found = SpendImport.objects.get(organisation=scene.org)
    assert found.status == SpendImportStatus.PREVIEWED and found.report["counts"]["created"] == 6
    page = client.get(response["Location"]).content.decode()
    assert "every 1s" not in page and "Aperçu : rien n'est encore enregistré." in page
    assert not SpendLine.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(scene.url("import_commit", spend_import=found.pk))
    found.refresh_from_db()
    assert found.status == SpendImportStatus.RUNNING and len(queued) == 1


def test_upload_preview_commit_polled_then_matches_confirmed(
    client, scene, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    # An export above the threshold (the plans' one) is read by the worker.
    monkeypatch.setattr(background, "BACKGROUND_BYTES", 100)
    client.force_login(scene.steward)
    # The preview is handed to the worker: until it has read the file, the page polls.
    with django_capture_on_commit_callbacks(execute=False) as reading:
        response = upload(client, scene, xlsx_bytes(base_rows()))
    found = SpendImport.objects.get(organisation=scene.org)
    assert response["Location"] == scene.url("import", spend_import=found.pk)
    assert found.status == SpendImportStatus.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "En attente de traitement" in page
    queued = client.get(scene.url("import_status", spend_import=found.pk), headers={"HX-Request": "true"})
    assert "HX-Refresh" not in queued
    for callback in reading:
        callback()  # the worker reads the file
    found.refresh_from_db()
    assert found.status == SpendImportStatus.PREVIEWED
    read = client.get(scene.url("import_status", spend_import=found.pk), headers={"HX-Request": "true"})
    assert read["HX-Refresh"] == "true"
    page = client.get(response["Location"]).content.decode()
    assert "every 1s" not in page
    counts = re.search(r'<ul class="levier-counts" id="comptes-import">.*?</ul>', page, re.S).group(0)
    assert "<strong>6</strong> lignes lues" in counts and "<strong>6</strong> nouvelles" in counts
    assert "Aperçu : rien n'est encore enregistré." in page
    assert not SpendLine.objects.exists()

    # The commit is handed to the worker: while it has not run, the page polls the status.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(scene.url("import_commit", spend_import=found.pk))
    found.refresh_from_db()
    assert found.status == SpendImportStatus.RUNNING
    page = client.get(scene.url("import", spend_import=found.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Enregistrement en cours" in page
    status_url = scene.url("import_status", spend_import=found.pk)
    running = client.get(status_url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in running and 'role="status"' in running.content.decode()
    for callback in queued:
        callback()  # the worker commits
    found.refresh_from_db()
    assert found.status == SpendImportStatus.COMMITTED and SpendLine.objects.count() == 6
    done = client.get(status_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "Importé le" in done.content.decode()
    page = client.get(scene.url("import", spend_import=found.pk)).content.decode()
    assert "every 1s" not in page and "Confirmer les rapprochements par le nom (1)" in page

    # "Atelier du Lac" (no SIRET) resembles the EA of the directory: a proposal until confirmed.
    match = SupplierMatch.objects.get(status=MatchStatus.PROPOSED)
    assert match.structure == scene.ea
    spend = client.get(scene.url("spend"), {"year": YEAR}).content.decode()
    assert "Rapprochements à confirmer (1)" in spend
    assert "Entreprise adaptée" not in re.search(r'id="tableau-types".*?</table>', spend, re.S).group(0)
    matches = client.get(scene.url("matches")).content.decode()
    assert "Atelier du Lac" in re.search(r'id="tableau-a-confirmer".*?</table>', matches, re.S).group(0)
    client.post(scene.url("match_decide", match=match.pk), {"decision": "confirm"})
    match.refresh_from_db()
    assert (match.status, match.decided_by) == (MatchStatus.CONFIRMED, scene.steward)

    spend = client.get(scene.url("spend"), {"year": YEAR}).content.decode()
    kinds = re.search(r'id="tableau-types".*?</table>', spend, re.S).group(0)
    assert "Entreprise adaptée" in kinds and "800,50 €" in kinds
    # The ESAT by its SIRET, the EI by its SIREN (another establishment), the EA by its confirmed name.
    assert kinds.count('<th scope="row">') == 3 and "12 000 €" in kinds and "4 500 €" in kinds
    categories = re.search(r'id="tableau-categories".*?</table>', spend, re.S).group(0)
    assert "611 Entretien espaces verts" in categories
    assert 'id="graphique-types"' in spend and 'id="graphique-categories"' in spend
    services = re.search(r'id="tableau-services-depenses".*?</table>', spend, re.S).group(0)
    assert "Parcs et jardins" in services

    # Rejecting afterwards takes the supplier out again.
    client.post(scene.url("match_decide", match=match.pk), {"decision": "reject"})
    match.refresh_from_db()
    assert match.status == MatchStatus.REJECTED


def test_upload_refuses_other_files_in_french(client, scene):
    client.force_login(scene.steward)
    page = upload(client, scene, b"%PDF-1.4", name="mandats.pdf").content.decode()
    assert "« mandats.pdf » n&#x27;est ni un classeur .xlsx ou .ods ni un fichier .csv." in page
    page = upload(client, scene, b"", name="vide.csv").content.decode()
    assert "Le fichier soumis est vide." in page
    page = client.post(scene.url("import_upload"), {"year": YEAR}).content.decode()
    assert "Choisissez le fichier de l&#x27;export comptable." in page
    assert not SpendImport.objects.exists()


def test_row_errors_show_and_block_the_commit_unless_skipped(
    client, scene, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    rows = [
        *base_rows(),
        ("M-007", dt.date(YEAR, 6, 1), "Fournisseur X", "", "6064 Fournitures", "", "douze"),
    ]
    client.force_login(scene.people[Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, scene, xlsx_bytes(rows))
    found = SpendImport.objects.get()
    page = client.get(scene.url("import", spend_import=found.pk)).content.decode()
    errors = re.search(r'id="tableau-erreurs".*?</table>', page, re.S).group(0)
    assert "<td>10</td>" in errors  # the row number in the workbook (title, blank line, header)
    assert 'name="skip_errors"' in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(scene.url("import_commit", spend_import=found.pk))
    found.refresh_from_db()
    assert found.status == SpendImportStatus.PREVIEWED and "erreur" in found.failure
    assert not SpendLine.objects.exists()
    assert (
        found.failure.replace("'", "&#x27;")
        in client.get(scene.url("import", spend_import=found.pk)).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(scene.url("import_commit", spend_import=found.pk), {"skip_errors": "1"})
    found.refresh_from_db()
    assert found.status == SpendImportStatus.COMMITTED and SpendLine.objects.count() == 6


def test_readers_see_the_analysis_but_do_not_import_nor_decide(client, scene):
    importing.commit(
        scene.steward, importing.preview(scene.steward, scene.org, xlsx_bytes(base_rows()), "m.xlsx", YEAR)
    )
    match = SupplierMatch.objects.get(status=MatchStatus.PROPOSED)
    found = SpendImport.objects.get()
    client.force_login(scene.people[Role.READER])
    page = client.get(scene.url("spend"), {"year": YEAR}).content.decode()
    assert "Importer un export comptable" not in page and 'id="tableau-categories"' in page
    assert client.post(scene.url("match_decide", match=match.pk), {"decision": "confirm"}).status_code == 403
    for name in ("import", "import_status"):
        assert client.get(scene.url(name, spend_import=found.pk)).status_code == 403
    assert client.post(scene.url("import_commit", spend_import=found.pk)).status_code == 403
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED


def test_another_organisation_import_and_match_are_not_found(client, scene):
    theirs = importing.preview(scene.outsider, scene.other, xlsx_bytes(base_rows()), "leur.xlsx", YEAR)
    importing.commit(scene.outsider, theirs)
    match = SupplierMatch.objects.get(organisation=scene.other, status=MatchStatus.PROPOSED)
    client.force_login(scene.steward)
    for name in ("import", "import_status"):
        assert client.get(scene.url(name, spend_import=theirs.pk)).status_code == 404
    assert client.post(scene.url("match_decide", match=match.pk), {"decision": "confirm"}).status_code == 404
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED


def test_segments_list_what_local_structures_offer_and_the_steward_sets_the_territory(client, scene):
    importing.commit(
        scene.steward, importing.preview(scene.steward, scene.org, xlsx_bytes(base_rows()), "m.xlsx", YEAR)
    )
    client.force_login(scene.steward)
    page = client.get(scene.url("segments"), {"year": YEAR}).content.decode()
    assert "aucun département connu" in page
    response = client.post(
        scene.url("segments") + f"?year={YEAR}", {"departements": "25, 39", "radius_km": "40"}
    )
    assert response.status_code == 302
    assert SteeringSettings.objects.get(organisation=scene.org).departements == ["25", "39"]
    page = client.get(scene.url("segments"), {"year": YEAR}).content.decode()
    assert "départements 25, 39" in page
    # Bureau Plus, an ordinary supplier, is paid under an accounting line the classifier gives a sector;
    # an ESAT of the 39 offering that sector makes it a transferable segment.
    sector = SpendLine.objects.get(invoice_ref="M-004").category_sector
    assert sector, "the office supplies line should be given a sector"
    structure("ESAT du Jura", ["ESAT"], departement="39", sectors=[sector])
    page = client.get(scene.url("segments"), {"year": YEAR}).content.decode()
    table = re.search(r'id="tableau-segments".*?</table>', page, re.S).group(0)
    assert "Bureau Plus SA (4 600 €)" in table and "ESAT du Jura" in table
    assert 'id="graphique-segments"' in page
    bad = client.post(scene.url("segments"), {"departements": "25", "radius_km": "0"}).content.decode()
    assert "Le rayon doit être d&#x27;au moins 1 km." in bad
    bad = client.post(scene.url("segments"), {"departements": "999x", "radius_km": "10"}).content.decode()
    assert "Département invalide" in bad
    client.force_login(scene.people[Role.READER])
    assert client.post(scene.url("segments"), {"departements": "75", "radius_km": "10"}).status_code == 403
    assert SteeringSettings.objects.get(organisation=scene.org).departements == ["25", "39"]
