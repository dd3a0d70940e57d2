"""The sourcing demo: lists built by the demo buyer from the directory, annotated, loaded twice unchanged."""

import pytest

from levier.core.demo import load_demo
from levier.sourcing.models import SourcingEntry, SourcingList
from tests.directory.search_support import make_structure

pytestmark = pytest.mark.django_db


def test_demo_lists_are_annotated_and_idempotent():
    for index in range(5):
        make_structure(
            f"Jardins solidaires {index}", 47.2, 5.9, "25", kinds=["ACI"], sectors=["espaces-verts-entretien"]
        )
        make_structure(
            f"Propreté solidaire {index}", 47.2, 5.9, "25", kinds=["EI"], sectors=["nettoyage-locaux"]
        )
    first = load_demo()
    lists = SourcingList.objects.filter(organisation__slug="ville-de-valmont")
    assert lists.count() == 2
    parks = lists.get(title__startswith="Entretien des espaces verts")
    assert parks.purchase is not None and parks.purchase.reference == "VAL-2027-001"
    assert parks.entries.count() == 4
    assert parks.entries.filter(interest="yes", capacity_confirmed=True, contacted=True).count() == 1
    assert all(e.structure.sectors.filter(group="espaces-verts").exists() for e in parks.entries.all())
    entries = SourcingEntry.objects.count()
    second = load_demo()
    assert SourcingEntry.objects.count() == entries == 7
    assert SourcingList.objects.count() == 2
    for label in ("listes de sourçage", "structures candidates"):
        assert first[label] == second[label]
