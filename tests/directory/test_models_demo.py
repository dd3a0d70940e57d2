"""The demo directory: realistic and fictional, every filter has something to show, loading twice changes
nothing."""

import pytest

from levier.core.demo import load_demo
from levier.core.models import AuditEvent
from levier.directory.demo import STRUCTURES
from levier.directory.models import Family, SourcingNote, Structure, StructureKind
from levier.rules.siret import normalize_siret

pytestmark = pytest.mark.django_db


def test_demo_directory_is_varied_fictional_and_idempotent(monkeypatch):
    # The demo organisations and users, then this app's step alone (the others have their own tests).
    monkeypatch.setattr("levier.core.demo.DEMO_STEPS", ["levier.directory.demo.seed"])
    counts = load_demo()
    assert counts["structures de l'annuaire"] == len(STRUCTURES) == Structure.objects.count()
    assert counts["notes de sourçage"] == SourcingNote.objects.count() == 10
    families = set(StructureKind.objects.values_list("family", flat=True))
    assert families == {Family.INSERTION, Family.DISABILITY, Family.ESS, Family.PRISON}
    assert set(StructureKind.objects.values_list("kind", flat=True)) >= {
        "ESAT",
        "EA",
        "EATT",
        "ACI",
        "AI",
        "EI",
        "ETTI",
        "EITI",
        "GEIQ",
    }
    for structure in Structure.objects.all():
        assert structure.siret.startswith("9990") and normalize_siret(structure.siret).is_valid
        assert structure.website.endswith(".invalid") and structure.lat and structure.sectors.exists()
    assert set(Structure.objects.values_list("area_kind", flat=True)) == {
        "",
        "radius",
        "departements",
        "national",
    }
    assert Structure.objects.filter(max_contract_amount__isnull=True).count() == 5  # SEP and 4 unknown
    # The facilitator's corrections are manual edits, audited like any other.
    edited = Structure.objects.get(name="Propreté Solidaire de la Loue")
    assert (
        edited.max_contract_amount == 650_000
        and edited.provenance["max_contract_amount"]["source"] == "manual"
    )
    assert AuditEvent.objects.filter(action="structure.edit").count() == 3
    topics = set(SourcingNote.objects.values_list("topic", flat=True))
    assert topics == {"capacity", "price", "incident", "good_example"}
    assert SourcingNote.objects.values("organisation").distinct().count() == 3

    again = load_demo()
    assert again["structures de l'annuaire"] == Structure.objects.count() == len(STRUCTURES)
    assert (
        SourcingNote.objects.count() == 10 and AuditEvent.objects.filter(action="structure.edit").count() == 3
    )
