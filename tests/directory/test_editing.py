"""Manual edits of a structure: checked, marked field by field, audited, respected by later imports."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from levier.core.models import AuditEvent
from levier.directory.editing import can_edit, edit_structure, release_fields
from levier.directory.importing import run_import
from levier.directory.models import Structure, StructureKind
from levier.organisations.roles import Role
from levier.rules.geography import Geography

from .test_import_sources import A, ea_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(make_org):
    return make_org("ville-a", "Ville A")


@pytest.fixture
def buyer(org, make_user, member):
    user = make_user("acheteuse@exemple.invalid")
    member(user, org, Role.BUYER)
    return user


@pytest.fixture
def structure(tmp_path):
    run_import(
        "ea",
        ea_file(tmp_path, [[A, "EA DU VAL", "EA", "8130Z", "1 rue Fictive", "94000", "Créteil", "", ""]]),
        geography=Geography(),
    )
    return Structure.objects.get(siret=A)


def test_an_edit_is_marked_manual_audited_and_searchable(buyer, org, structure):
    edited = edit_structure(
        buyer,
        structure,
        {
            "brand": "Les Jardins du Val",
            "headcount": "42",
            "max_contract_amount": 300000,
            "max_contract_amount_basis": "declared",
            "kinds": ["EA", "EATT"],
            "sectors": ["nettoyage-locaux"],
            "area_departements": ["94", "93"],
            "labels": ["Label fictif"],
        },
        organisation=org,
    )
    assert edited.brand == "Les Jardins du Val" and edited.headcount == 42
    assert edited.headcount_basis == "entered"  # typed without saying how it is known
    assert edited.max_contract_amount_basis == "declared"
    assert edited.area_kind == "departements"
    assert sorted(edited.area_departements.values_list("departement", flat=True)) == ["93", "94"]
    assert edited.provenance["brand"]["source"] == "manual"
    assert edited.provenance["brand"]["user"] == buyer.pk
    assert edited.provenance["kinds"]["source"] == "manual"
    assert list(edited.sectors.values_list("sector", "inferred", "source")) == [
        ("nettoyage-locaux", False, "manual")
    ]
    assert "jardins du val" in edited.search_text and "nettoyage de locaux" in edited.search_text
    event = AuditEvent.objects.get(action="structure.edit")
    assert event.actor == buyer and event.organisation == org
    assert event.details["changes"]["brand"] == ["", "Les Jardins du Val"]
    assert "enseigne" in event.summary


def test_imports_respect_edited_fields_and_sets_until_released(tmp_path, buyer, structure):
    edit_structure(buyer, structure, {"city": "Créteil (Val-de-Marne)", "kinds": ["EATT"]})
    changed = ea_file(
        tmp_path, [[A, "EA DU VAL", "EA", "8130Z", "2 rue Fictive", "94000", "CRETEIL", "", ""]], "b.csv"
    )
    report = run_import("ea", changed, geography=Geography())
    assert report.kept_manual == 1 and report.updated == 1  # the address changed, the city was kept
    structure.refresh_from_db()
    assert (structure.city, structure.address) == ("Créteil (Val-de-Marne)", "2 rue Fictive")
    assert list(structure.kinds.values_list("kind", "source")) == [("EATT", "manual")]

    release_fields(buyer, structure, ["city", "kinds"])
    assert AuditEvent.objects.filter(action="structure.release").exists()
    run_import("ea", changed, geography=Geography())
    structure.refresh_from_db()
    assert structure.city == "CRETEIL" and structure.provenance["city"]["source"] == "ea"
    assert sorted(StructureKind.objects.filter(structure=structure).values_list("kind", flat=True)) == [
        "EA",
        "EATT",
    ]


def test_bad_values_are_refused_in_french_and_nothing_changes(buyer, structure):
    with pytest.raises(ValidationError) as caught:
        edit_structure(
            buyer,
            structure,
            {
                "siret": "12345678901234",
                "kinds": ["ESAT", "XYZ"],
                "sectors": ["inconnu"],
                "departement": "20",
                "lat": 48.8,
                "area_kind": "radius",
            },
        )
    errors = caught.value.message_dict
    assert "la clé de contrôle est fausse" in errors["siret"][0]
    assert errors["kinds"] == ["Type(s) inconnu(s) : XYZ."]
    assert errors["sectors"] == ["Secteur(s) inconnu(s) : inconnu."]
    assert errors["departement"] == ["Département « 20 » inconnu."]
    assert errors["lat"] == ["La latitude et la longitude se modifient ensemble."]
    assert errors["area_radius_km"] == ["Indiquez le rayon d'intervention en kilomètres."]
    with pytest.raises(ValidationError, match="Champs non modifiables : provenance"):
        edit_structure(buyer, structure, {"provenance": {}})
    fresh = Structure.objects.get(pk=structure.pk)
    assert fresh.provenance == structure.provenance and fresh.siret == A
    assert not AuditEvent.objects.filter(action="structure.edit").exists()


def test_only_people_working_on_purchases_edit(make_user, member, org, structure):
    reader = make_user("elu@exemple.invalid")
    member(reader, org, Role.READER)
    assert not can_edit(reader)
    with pytest.raises(PermissionDenied):
        edit_structure(reader, structure, {"brand": "X"})
    outsider = make_user("personne@exemple.invalid")
    assert not can_edit(outsider)
    assert Structure.objects.get(pk=structure.pk).brand == ""
