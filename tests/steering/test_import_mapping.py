"""The organisation's remembered column answers, the terminal's --map, and the preview run as a task."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from levier.core.models import AuditEvent
from levier.steering import importing, importing_tasks, services
from levier.steering.models import SpendColumnMapping, SpendImport, SpendImportStatus, SpendLine

from .conftest import ESAT_SIRET, base_rows, csv_bytes, xlsx_bytes
from .test_reader import ODD_HEADERS, ODD_MAPPING, ods_bytes

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def odd_rows():
    return [
        (ref, f"{day:02d}/03/2026", name, siret, cat, svc, amount)
        for ref, day, name, siret, cat, svc, amount in (
            ("F-1", 2, "ESAT Les Ateliers", ESAT_SIRET, "611 Espaces verts", "PJ", "1 200,00"),
            ("F-2", 9, "Papeterie Martin", "", "6064 Fournitures", "DSI", "300"),
        )
    ]


def test_answers_are_remembered_and_the_next_export_of_that_layout_asks_nothing(world):
    org, steward = world["org"], world["steward"]
    first = importing.preview(steward, org, csv_bytes(odd_rows(), ODD_HEADERS), "odd.csv", 2026)
    assert first.report["needs_mapping"] and first.report["headers"] == ODD_HEADERS
    with pytest.raises(importing.ImportRejected):
        importing.commit(steward, first)

    services.save_spend_mapping(steward, org, ODD_MAPPING)
    assert SpendColumnMapping.objects.filter(organisation=org).count() == 7
    event = AuditEvent.objects.get(action="steering.spend_mapping.save")
    assert event.actor == steward and event.details["mapping"] == ODD_MAPPING

    # Another export of the same layout, other lines: read without a question, committed.
    rows = [*odd_rows(), ("F-3", "20/03/2026", "Garage Durand", "", "61551 Entretien véhicules", "PJ", "80")]
    second = importing.preview(steward, org, csv_bytes(rows, ODD_HEADERS), "odd-2.csv", 2026)
    assert not second.report["needs_mapping"] and second.report["mapping"] == ODD_MAPPING
    importing.commit(steward, second)
    assert SpendLine.objects.filter(organisation=org).count() == 3
    line = SpendLine.objects.get(invoice_ref="F-1")
    assert (line.supplier_siret, line.service, str(line.amount)) == (ESAT_SIRET, world["parks"], "1200.00")
    # The answers are the organisation's own: another organisation is still asked.
    other = importing.preview(
        world["outsider"], world["other"], csv_bytes(odd_rows(), ODD_HEADERS), "odd.csv", 2026
    )
    assert other.report["needs_mapping"]


def test_later_answers_replace_earlier_ones_and_unused_columns_stay_unused(world):
    org, steward = world["org"], world["steward"]
    services.save_spend_mapping(steward, org, {"category": "Entité"}, ignored=["Poste"])
    services.save_spend_mapping(steward, org, ODD_MAPPING)
    read = importing.preview(steward, org, csv_bytes(odd_rows(), ODD_HEADERS), "odd.csv", 2026)
    assert read.report["mapping"] == ODD_MAPPING
    assert SpendColumnMapping.objects.get(organisation=org, header="Entité").field == "service"
    services.save_spend_mapping(
        steward, org, {k: v for k, v in ODD_MAPPING.items() if k != "category"}, ["Poste"]
    )
    read = importing.preview(steward, org, csv_bytes(odd_rows(), ODD_HEADERS), "odd.csv", 2026)
    assert "category" not in read.report["mapping"] and read.report["ignored"] == ["Poste"]


def test_bad_answers_are_refused_in_french(world):
    org = world["org"]
    with pytest.raises(ValidationError, match="Champ inconnu : montant"):
        services.save_spend_mapping(world["steward"], org, {"montant": "Valeur"})
    with pytest.raises(ValidationError, match="Une colonne ne peut donner qu'un seul champ"):
        services.save_spend_mapping(world["steward"], org, {"amount_ht": "Valeur", "amount_ttc": "Valeur"})
    with pytest.raises(PermissionDenied):
        services.save_spend_mapping(world["buyer"], org, ODD_MAPPING)
    with pytest.raises(PermissionDenied):
        services.save_spend_mapping(world["outsider"], org, ODD_MAPPING)
    assert not SpendColumnMapping.objects.exists()
    assert not AuditEvent.objects.filter(action="steering.spend_mapping.save").exists()


def test_ods_export_is_imported(world):
    spend_import = importing.import_file(
        world["steward"], world["org"], ods_bytes(base_rows()), "mandats.ods", 2026
    )
    assert spend_import.status == SpendImportStatus.COMMITTED
    assert SpendLine.objects.filter(organisation=world["org"]).count() == 6
    again = importing.import_file(
        world["steward"], world["org"], xlsx_bytes(base_rows()), "mandats.xlsx", 2026
    )
    assert again.report["counts"]["unchanged"] == 6 and again.report["counts"]["created"] == 0


def test_command_map_option(world, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes(odd_rows(), ODD_HEADERS))
    base = ["import", "spend", str(path), "--org", "ville-test", "--year", "2026"]

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(*base, stdout=io.StringIO(), stderr=err)
    assert "Colonnes à indiquer" in err.getvalue() and "« Valeur »" in err.getvalue()
    assert not SpendLine.objects.exists()

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(*base, "--map", "Prix=Valeur", stdout=io.StringIO(), stderr=err)
    assert "--map « Prix=Valeur » : champ « Prix » inconnu (champs : « SIRET »" in err.getvalue()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(*base, "--map", "Valeur", stdout=io.StringIO(), stderr=err)
    assert "écrivez CHAMP=EN-TÊTE" in err.getvalue()

    # Fields by their French label or their code; the map holds for this run only.
    maps = [f"{name}={header}" for name, header in ODD_MAPPING.items() if name != "amount_ht"]
    flags = [arg for value in maps for arg in ("--map", value)]
    out = io.StringIO()
    call_command(*base, *flags, "--map", "Montant HT=Valeur", stdout=out)
    assert "2 créée(s)" in out.getvalue()
    assert SpendLine.objects.count() == 2 and not SpendColumnMapping.objects.exists()

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(*base, *flags, "--map", "amount_ht=Prix", stdout=out)
    assert "la colonne « Prix » indiquée dans la correspondance est absente du fichier" in out.getvalue()
    assert SpendLine.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_preview_task_reads_the_file_and_a_failure_is_recorded(world, settings, monkeypatch):
    settings.TASKS = IMMEDIATE
    content = xlsx_bytes(base_rows())
    started = importing_tasks.start_preview(world["steward"], world["org"], content, "m.xlsx", 2026)
    found = SpendImport.objects.get(pk=started.pk)
    assert found.status == SpendImportStatus.PREVIEWED and found.report["counts"]["lines"] == 6
    assert not SpendLine.objects.exists()

    # Re-read after the answers changed: queued again, then previewed with the new columns.
    services.save_spend_mapping(world["steward"], world["org"], {"category": "Service"}, ["Imputation"])
    importing_tasks.restart_preview(world["steward"], found)
    found.refresh_from_db()
    assert found.status == SpendImportStatus.PREVIEWED and found.report["mapping"]["category"] == "Service"

    def broken(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(importing_tasks, "run_preview", broken)
    importing_tasks.start_preview(world["steward"], world["org"], content, "m2.xlsx", 2026)
    failed = SpendImport.objects.get(file_name="m2.xlsx")
    assert failed.status == SpendImportStatus.FAILED
    assert failed.failure == "Lecture du fichier impossible : disque plein"
    with pytest.raises(PermissionDenied):
        importing_tasks.start_preview(world["buyer"], world["org"], content, "m3.xlsx", 2026)
