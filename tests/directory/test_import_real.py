"""Imports of the real national lists (../shared/data/structures) into the directory.

Figures come from the files themselves (see tests/ingest/test_structures_real.py for how each was found):
1,504 ESAT establishments, 3,637 SIAE, 170 GEIQ (row 53 rejected). Two SIAE share their SIRET with an
ESAT establishment (ECODAIR, Les Ateliers de la Garenne): they join it, so 5,309 structures in all.
The geography is the shipped one (départements only), so the results do not depend on the communes file
of the machine running the tests.
"""

import datetime as dt

import pytest

from levier.directory.importing import preview_import, run_import
from levier.directory.models import (
    ImportRun,
    Structure,
    StructureKind,
    StructureSector,
    StructureSource,
)
from levier.rules.geography import Geography
from tests.paths import ESAT_FILE as ESAT
from tests.paths import GEIQ_FILE as GEIQ
from tests.paths import SIAE_ADDITIONAL_FILE as SIAE_ADDITIONAL
from tests.paths import SIAE_FILE as SIAE
from tests.paths import STRUCTURES

DATES = {ESAT: dt.date(2024, 5, 1), SIAE: dt.date(2019, 7, 1), SIAE_ADDITIONAL: dt.date(2019, 7, 1)}
DATES[GEIQ] = dt.date(2019, 11, 1)
FILES = [("esat", ESAT), ("siae", SIAE), ("geiq", GEIQ), ("siae", SIAE_ADDITIONAL)]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not STRUCTURES.exists(), reason="shared real data not available"),
]


def import_all(geography):
    return [run_import(source, path, source_date=DATES[path], geography=geography) for source, path in FILES]


def snapshot():
    """Everything an import writes, as comparable values."""
    return (
        sorted(
            Structure.objects.values_list("pk", "name", "siret", "lat", "lon", "provenance", "search_text")
        ),
        sorted(StructureKind.objects.values_list("structure_id", "kind", "source")),
        sorted(StructureSector.objects.values_list("structure_id", "sector", "inferred", "source")),
        sorted(StructureSource.objects.values_list("structure_id", "source", "key", "data", "fingerprint")),
    )


def test_national_lists_then_a_second_import_changes_nothing():
    geography = Geography()
    esat, siae, geiq, additional = import_all(geography)

    assert (esat.created, esat.updated, esat.rejected) == (1504, 0, 0)
    assert (siae.created, siae.updated, siae.rejected) == (3635, 2, 0)
    assert (geiq.created, geiq.rejected) == (170, 1)
    assert (additional.created, additional.updated, additional.rejected) == (0, 228, 0)
    assert Structure.objects.count() == 1504 + 3635 + 170
    assert StructureSource.objects.count() == 1504 + 3637 + 170
    assert ImportRun.objects.filter(status="done").count() == 4

    # Known damage, reported with its reason.
    [rejection] = geiq.rejections
    assert rejection.row == 53 and rejection.field == "SIRET"
    assert "la clé de contrôle est fausse" in rejection.message_fr and "ligne rejetée" in rejection.message_fr
    assert geiq.to_dict()["rejected_by_reason"] == {"siret_invalid_checksum": 1}
    assert any(e.row == 646 and "identique à la ligne 641" in e.message_fr for e in siae.warnings)
    assert sum(1 for e in esat.warnings if e.code == "siret_missing") == 78

    # ESAT establishments are keyed by FINESS: five of one association share a SIRET and stay five.
    assert Structure.objects.filter(siret="77589836400028").count() == 5
    # Row 568's 13-digit SIRET is not used, its 0-prefixed form kept as a suggestion on the link.
    assert StructureSource.objects.filter(source="esat", data__has_key="siret_suggestion").count() == 2
    link = StructureSource.objects.get(source="esat", data__siret_suggestion="08628031000102")
    assert link.structure.siret == "" and link.data["siret_status"] == "lost_leading_zero"
    # An SIAE sharing an ESAT establishment's SIRET joins it: one structure, two kinds, two sources.
    ecodair = Structure.objects.get(siret="45231025300029")
    assert sorted(ecodair.kinds.values_list("kind", "source")) == [("ACI", "siae"), ("ESAT", "esat")]
    assert sorted(ecodair.sources.values_list("source", flat=True)) == ["esat", "siae"]
    # The ESAT list ranks above the ASP's: the name stays the FINESS one, the NAF comes from the ASP.
    assert ecodair.name == "ESAT ECODAIR"
    assert ecodair.provenance["name"]["source"] == "esat"
    assert ecodair.provenance["naf"] == {"source": "siae", "date": "2019-07-01", "run": siae.run_id}

    # Provenance per field, with the date of the data; positions at département precision (no communes).
    first = Structure.objects.get(finess="010008951")
    assert first.provenance["esat_capacity"]["source"] == "esat"
    assert first.provenance["esat_capacity"]["date"] == "2024-05-01"
    assert first.esat_capacity_basis == "declared"
    assert first.position_precision == "departement"
    assert (first.lat, first.lon) == (geography.departements["01"].lat, geography.departements["01"].lon)
    assert first.provenance["lat"]["source"] == "inferred" and first.region == "84"

    # Sectors inferred from NAF codes, marked as such; the companion file added websites.
    ecodair_garenne = Structure.objects.get(siret="77568497000541")
    assert ecodair_garenne.sectors.filter(inferred=True).exists()
    vestali = Structure.objects.get(siret="41888954900071")
    assert vestali.website == "http://www.vestali.fr/site/"
    assert vestali.provenance["website"]["source"] == "siae"
    geiq_staff = Structure.objects.filter(kinds__kind="GEIQ").first()
    assert geiq_staff.provision_kinds == ["mise_a_disposition_personnel"]

    before = snapshot()
    again = import_all(geography)
    assert [(r.created, r.updated) for r in again] == [(0, 0)] * 4
    assert [r.unchanged for r in again] == [1504, 3637, 170, 228]
    assert snapshot() == before

    # A preview after the import agrees, and writes nothing (not even a run).
    runs = ImportRun.objects.count()
    preview = preview_import("esat", ESAT, source_date=DATES[ESAT], geography=geography)
    assert (preview.created, preview.updated, preview.unchanged) == (0, 0, 1504)
    assert ImportRun.objects.count() == runs


def test_preview_of_a_first_import_writes_nothing():
    report = preview_import("geiq", GEIQ, geography=Geography())
    assert (report.created, report.rejected) == (170, 1)
    assert report.dry_run and report.run_id is None
    assert Structure.objects.count() == 0 and ImportRun.objects.count() == 0
    lines = report.lines_fr()
    assert (
        lines[1] == "171 lignes lues, 170 structures reconnues : 170 à créer, 0 à mettre à jour, 0 inchangée."
    )
    assert lines[2] == "1 ligne rejetée."
    assert lines[-1] == "Aperçu seulement : rien n'a été enregistré."
