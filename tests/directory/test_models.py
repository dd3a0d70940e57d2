"""The directory's models: families of kinds, the folded search text, and what URLs name."""

import pytest

from levier.core.tenancy import TENANT_OBJECT_PARAMS, URL_PARAMS
from levier.directory.models import KIND_FAMILY, Family, Kind, Structure, StructureKind, StructureSector
from levier.rules.sectors import STRUCTURE_KINDS

pytestmark = pytest.mark.django_db


def test_every_kind_of_the_rules_core_has_a_family():
    assert set(Kind.values) == set(STRUCTURE_KINDS)
    assert set(KIND_FAMILY) == set(Kind.values)
    assert KIND_FAMILY["ESAT"] == Family.DISABILITY and KIND_FAMILY["GEIQ"] == Family.INSERTION
    assert KIND_FAMILY["ESS"] == Family.ESS


def test_search_text_folds_names_city_kinds_and_sector_labels():
    structure = Structure.objects.create(
        name="Établissement Œuvre d'Insertion", brand="Les Jardins", city="Créteil", siret="99999999900017"
    )
    kind = StructureKind(structure=structure, kind="ESAT", source="manual")
    kind.save()
    assert kind.family == "handicap"
    StructureSector.objects.create(
        structure=structure, sector="nettoyage-locaux", group="proprete", source="manual"
    )
    structure.refresh_search_text()
    assert structure.search_text == (
        "etablissement oeuvre d insertion les jardins creteil 99999999900017 esat nettoyage de locaux"
    )
    assert structure.siren == "999999999"
    assert structure.display_name == "Les Jardins (Établissement Œuvre d'Insertion)"


def test_url_parameters_give_a_structure_a_note_and_an_import_run(make_org):
    org = make_org("ville-a")
    structure_pk = URL_PARAMS["structure"](org)
    assert Structure.objects.filter(pk=structure_pk).exists()
    assert "structure" not in TENANT_OBJECT_PARAMS  # the directory is shared
    note = URL_PARAMS["note"](org)
    assert org.sourcing_notes.filter(pk=note).exists() and "note" in TENANT_OBJECT_PARAMS
    assert URL_PARAMS["import_run"](org) == URL_PARAMS["import_run"](org)
