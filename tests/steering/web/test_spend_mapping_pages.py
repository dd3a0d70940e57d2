"""The mapping screen of a spend export: unknown headers -> the screen (headers, sample values, French field
names) -> answers checked in French -> the file read again and imported -> the next export of the same
layout asks nothing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from levier.core import background
from levier.organisations.roles import Role
from levier.steering.models import SpendColumnMapping, SpendImport, SpendImportStatus, SpendLine

from ..conftest import csv_bytes
from ..test_import_mapping import odd_rows
from ..test_reader import ODD_HEADERS, ODD_MAPPING
from .conftest import YEAR

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(client, scene, content: bytes, name: str):
    return client.post(scene.url("import_upload"), {"file": SimpleUploadedFile(name, content), "year": YEAR})


def answers(mapping: dict[str, str]) -> dict[str, str]:
    """The POST of the mapping screen: one select per column of ODD_HEADERS."""
    by_header = {header: name for name, header in mapping.items()}
    return {f"column_{i}": by_header.get(header, "-") for i, header in enumerate(ODD_HEADERS)}


def test_mapping_round_trip(client, scene, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    client.force_login(scene.steward)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, scene, csv_bytes(odd_rows(), ODD_HEADERS), "grand-livre.csv")
    found = SpendImport.objects.get()
    assert found.status == SpendImportStatus.PREVIEWED and found.report["needs_mapping"]
    page = client.get(scene.url("import", spend_import=found.pk)).content.decode()
    mapping_url = scene.url("import_mapping", spend_import=found.pk)
    assert 'id="colonnes-a-indiquer"' in page and f'href="{mapping_url}"' in page
    assert 'name="skip_errors"' in page  # the preview shows its errors; the commit is refused anyway

    screen = client.get(mapping_url).content.decode()
    table = re.search(r'id="correspondance-colonnes".*?</table>', screen, re.S).group(0)
    for header in ODD_HEADERS:
        assert f">{header}</label>" in table
    assert "Papeterie Martin" in table and "1 200,00" in table  # sample values beside their header
    assert "Nom du fournisseur (raison sociale, tiers)" in table and "Colonne non utilisée" in table

    # Bad answers: a field given twice, then no amount at all; nothing is remembered.
    twice = answers({**ODD_MAPPING, "amount_ht": "Valeur"}) | {"column_4": "amount_ht"}
    page = client.post(mapping_url, twice).content.decode()
    assert "« Montant HT » est déjà donné par la colonne" in page and "une seule colonne par champ" in page
    no_amount = answers({k: v for k, v in ODD_MAPPING.items() if k != "amount_ht"})
    page = client.post(mapping_url, no_amount).content.decode()
    assert "Indiquez la colonne qui donne le montant (HT, TTC ou sans précision)." in page
    page = client.post(mapping_url, answers(ODD_MAPPING) | {"column_0": "prix"}).content.decode()
    assert "Colonne « Pièce » : choisissez un champ de la liste." in page
    assert not SpendColumnMapping.objects.exists()

    # Good answers: remembered, the file read again by the worker, then imported.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(mapping_url, answers(ODD_MAPPING))
    assert response["Location"] == scene.url("import", spend_import=found.pk)
    found.refresh_from_db()
    assert found.status == SpendImportStatus.PREVIEWED and not found.report["needs_mapping"]
    assert found.report["counts"]["created"] == 2 and found.report["counts"]["errors"] == 0
    page = client.get(response["Location"]).content.decode()
    assert "Correspondance enregistrée" in page and 'id="colonnes-a-indiquer"' not in page
    assert "Nom du fournisseur (raison sociale, tiers) ← « Raison »" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(scene.url("import_commit", spend_import=found.pk))
    found.refresh_from_db()
    assert found.status == SpendImportStatus.COMMITTED and SpendLine.objects.count() == 2
    # Once committed, the columns of that import are no longer changed.
    assert client.get(mapping_url)["Location"] == scene.url("import", spend_import=found.pk)

    # The next export of the same layout: no question, straight to the preview.
    rows = [*odd_rows(), ("F-3", "20/03/2026", "Garage Durand", "", "61551 Entretien", "PJ", "80")]
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, scene, csv_bytes(rows, ODD_HEADERS), "grand-livre-2.csv")
    second = SpendImport.objects.latest("pk")
    assert not second.report["needs_mapping"] and second.report["counts"]["created"] == 1
    page = client.get(scene.url("import", spend_import=second.pk)).content.decode()
    assert 'id="colonnes-a-indiquer"' not in page and "Corriger la correspondance des colonnes" in page


@pytest.mark.parametrize("large", [False, True])
def test_the_file_is_read_again_at_once_when_small_by_the_worker_when_large(
    client, scene, settings, monkeypatch, django_capture_on_commit_callbacks, large
):
    settings.TASKS = IMMEDIATE
    content = csv_bytes(odd_rows(), ODD_HEADERS)
    if large:
        monkeypatch.setattr(background, "BACKGROUND_BYTES", len(content) - 1)
    client.force_login(scene.steward)
    with django_capture_on_commit_callbacks(execute=False) as reading:
        upload(client, scene, content, "grand-livre.csv")
    found = SpendImport.objects.get()
    assert len(reading) == int(large)
    for callback in reading:
        callback()  # the worker reads the large file
    found.refresh_from_db()
    assert found.status == SpendImportStatus.PREVIEWED and found.report["needs_mapping"]

    with django_capture_on_commit_callbacks(execute=False) as rereading:
        client.post(scene.url("import_mapping", spend_import=found.pk), answers(ODD_MAPPING))
    found.refresh_from_db()
    if large:
        assert found.status == SpendImportStatus.QUEUED and len(rereading) == 1
        page = client.get(scene.url("import", spend_import=found.pk)).content.decode()
        assert 'hx-trigger="every 1s"' in page
        rereading[0]()
        found.refresh_from_db()
    else:
        assert rereading == []
    assert found.status == SpendImportStatus.PREVIEWED and not found.report["needs_mapping"]
    assert found.report["counts"]["created"] == 2 and found.report["counts"]["errors"] == 0


def test_mapping_screen_is_for_importers_of_the_organisation(client, scene, settings):
    settings.TASKS = IMMEDIATE
    from levier.steering import importing

    found = importing.preview(scene.steward, scene.org, csv_bytes(odd_rows(), ODD_HEADERS), "g.csv", YEAR)
    theirs = importing.preview(scene.outsider, scene.other, csv_bytes(odd_rows(), ODD_HEADERS), "g.csv", YEAR)
    client.force_login(scene.people[Role.READER])
    assert client.get(scene.url("import_mapping", spend_import=found.pk)).status_code == 403
    assert (
        client.post(scene.url("import_mapping", spend_import=found.pk), answers(ODD_MAPPING)).status_code
        == 403
    )
    client.force_login(scene.steward)
    assert client.get(scene.url("import_mapping", spend_import=theirs.pk)).status_code == 404
    assert (
        client.post(scene.url("import_mapping", spend_import=theirs.pk), answers(ODD_MAPPING)).status_code
        == 404
    )
    assert not SpendColumnMapping.objects.exists()


def test_status_while_the_worker_reads_counts_the_lines_read(client, scene):
    from levier.steering import importing

    found = importing.preview(scene.steward, scene.org, csv_bytes(odd_rows(), ODD_HEADERS), "g.csv", YEAR)
    SpendImport.objects.filter(pk=found.pk).update(status=SpendImportStatus.READING, progress=12_400)
    client.force_login(scene.steward)
    status_url = scene.url("import_status", spend_import=found.pk)
    reading = client.get(status_url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in reading
    assert "Lecture du fichier en cours : 12400 lignes lues" in reading.content.decode()
    assert 'hx-trigger="every 1s"' in reading.content.decode()
    # While the file is read, neither the mapping screen nor the commit is offered.
    page = client.get(scene.url("import", spend_import=found.pk)).content.decode()
    assert "Confirmer l'import" not in page and "Indiquer les colonnes" not in page
    assert client.get(scene.url("import_mapping", spend_import=found.pk)).status_code == 302
