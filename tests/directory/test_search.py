"""The structure search: every filter, the distance against an independent computation, sorting, paging."""

import random

import pytest
from django.core.exceptions import ValidationError

from levier.directory.search import StructureQuery
from levier.directory.selectors import bounding_box, search_structures

from .search_support import CRETEIL, great_circle_km, make_structure, use_idf_geography

pytestmark = pytest.mark.django_db


@pytest.fixture
def idf_geography(monkeypatch):
    return use_idf_geography(monkeypatch)


def run(**params):
    return search_structures(StructureQuery.from_params(params), with_map=True)


def names(page):
    return [hit.structure.name for hit in page.hits]


@pytest.fixture
def scattered(idf_geography):
    """80 structures scattered up to ~70 km around Créteil, at positions drawn once from a fixed seed."""
    rng = random.Random(20261123)
    made = []
    for index in range(80):
        lat = CRETEIL[0] + rng.uniform(-0.6, 0.6)
        lon = CRETEIL[1] + rng.uniform(-0.9, 0.9)
        made.append(make_structure(f"Structure {index:02d}", lat, lon, "94", kinds=["EI"]))
    return made


def test_radius_keeps_exactly_the_structures_within_it(scattered, idf_geography):
    creteil = idf_geography.resolve_place("94000").best
    expected = {}
    for structure in scattered:
        distance = great_circle_km(creteil.lat, creteil.lon, structure.lat, structure.lon)
        if abs(distance - 30) > 0.05:  # points on the circle itself depend on rounding
            expected[structure.name] = distance
    page = run(near="94000", radius="30", per_page=100, sort="distance")
    inside = {name for name, distance in expected.items() if distance <= 30}
    assert 5 < len(inside) < 75  # the fixture really has structures on both sides
    assert {n for n in names(page) if n in expected} == inside
    assert page.total == len(page.hits)
    for hit in page.hits:
        assert hit.distance_km == pytest.approx(
            great_circle_km(creteil.lat, creteil.lon, hit.structure.lat, hit.structure.lon), abs=0.01
        )
    distances = [hit.distance_km for hit in page.hits]
    assert distances == sorted(distances)
    assert page.place.code == "94028" and "Créteil" in page.place_message


def test_bounding_box_never_cuts_the_circle():
    rng = random.Random(7)
    for _ in range(500):
        lat, lon = rng.uniform(41, 51), rng.uniform(-5, 9)
        radius = rng.uniform(1, 300)
        south, north, west, east = bounding_box(lat, lon, radius)
        for _ in range(20):
            plat, plon = lat + rng.uniform(-4, 4), lon + rng.uniform(-6, 6)
            if great_circle_km(lat, lon, plat, plon) <= radius:
                assert south <= plat <= north and west <= plon <= east


def test_pagination_and_total(scattered):
    first = run(near="Créteil", radius=60, sort="distance", per_page=10)
    second = run(near="Créteil", radius=60, sort="distance", per_page=10, page=2)
    assert first.total == second.total > 10
    assert len(first.hits) == 10 and first.pages == -(-first.total // 10)
    assert not set(names(first)) & set(names(second))
    assert first.hits[-1].distance_km <= second.hits[0].distance_km
    assert (second.first_index, second.last_index) == (11, min(20, second.total))


def test_text_is_accent_and_case_insensitive(idf_geography):
    make_structure("Atelier de la Sérénité", 48.79, 2.45, "94", kinds=["ESAT"])
    make_structure("Jardins du Val", 48.79, 2.45, "94", kinds=["ACI"], brand="Les Cœurs Verts")
    make_structure("Nettoyage Express", 48.79, 2.45, "94", kinds=["EI"], sectors=["nettoyage-locaux"])
    assert names(run(text="serenite")) == ["Atelier de la Sérénité"]
    assert names(run(text="SÉRÉNITÉ atelier")) == ["Atelier de la Sérénité"]
    assert names(run(text="coeurs verts")) == ["Jardins du Val"]
    # Sector labels are searchable too.
    assert names(run(text="nettoyage de locaux")) == ["Nettoyage Express"]
    assert names(run(text="esat")) == ["Atelier de la Sérénité"]
    assert run(text="introuvable").total == 0


def test_sector_group_kind_family_and_capacity_filters(idf_geography):
    make_structure("ESAT Bleu", 48.8, 2.4, "94", kinds=["ESAT"], sectors=["nettoyage-locaux"])
    make_structure(
        "EA Verte",
        48.8,
        2.4,
        "94",
        kinds=["EA"],
        sectors=["espaces-verts-entretien"],
        max_contract_amount=500_000,
    )
    make_structure(
        "EI Rouge",
        48.8,
        2.4,
        "93",
        kinds=["EI", "ETTI"],
        sectors=["nettoyage-vitres"],
        max_contract_amount=80_000,
    )
    make_structure(
        "Ancienne EI", 48.8, 2.4, "93", kinds=["EI"], sectors=["nettoyage-vitres"], is_active=False
    )
    assert names(run(sector="nettoyage-locaux")) == ["ESAT Bleu"]
    assert sorted(names(run(sector="nettoyage-locaux,nettoyage-vitres"))) == ["EI Rouge", "ESAT Bleu"]
    assert sorted(names(run(group="proprete"))) == ["EI Rouge", "ESAT Bleu"]
    assert names(run(group="espaces-verts")) == ["EA Verte"]
    assert sorted(names(run(family="handicap"))) == ["EA Verte", "ESAT Bleu"]
    assert names(run(family="insertion")) == ["EI Rouge"]
    assert names(run(kind="etti")) == ["EI Rouge"]
    assert sorted(names(run(kind=["ESAT", "EA"]))) == ["EA Verte", "ESAT Bleu"]
    assert names(run(min_amount="100 000")) == ["EA Verte"]
    assert sorted(names(run(min_amount=50000))) == ["EA Verte", "EI Rouge"]
    assert names(run(group="proprete", family="handicap")) == ["ESAT Bleu"]
    # The map counts follow the filters, by département.
    assert run(group="proprete").departement_counts == {"94": 1, "93": 1}
    assert run().departement_counts == {"94": 2, "93": 1}


def test_departement_place_and_departement_filter(idf_geography):
    make_structure("Au 94", 48.79, 2.45, "94", kinds=["EI"])
    make_structure("Au 93", 48.91, 2.44, "93", kinds=["EI"])
    make_structure("En Corse", 41.92, 8.74, "2A", kinds=["EI"])
    assert names(run(near="Val-de-Marne")) == ["Au 94"]
    assert names(run(near="94")) == ["Au 94"]
    assert names(run(departement="93")) == ["Au 93"]
    page = run(near="Créteil", departement="2A", sort="distance")
    assert names(page) == ["En Corse"]
    # The map still counts every département when one is chosen.
    assert page.departement_counts == {"94": 1, "93": 1, "2A": 1}
    assert names(run(near="Île-de-France", sort="name")) == ["Au 93", "Au 94"]


def test_relevance_prefers_name_matches_then_declared_sectors(idf_geography):
    make_structure("Propreté Inclusive", 48.8, 2.4, "94", kinds=["EI"], sectors=[("nettoyage-locaux", True)])
    make_structure("Services Généraux", 48.8, 2.4, "94", kinds=["EI"], sectors=["nettoyage-locaux"])
    make_structure("Autre Nettoyage", 48.8, 2.4, "94", kinds=["EI"], sectors=[("nettoyage-locaux", True)])
    page = run(sector="nettoyage-locaux")
    assert names(page)[0] == "Services Généraux"  # declared by the source, not deduced
    assert names(run(text="nettoyage"))[0] == "Autre Nettoyage"  # the word is in its name
    assert names(run(sector="nettoyage-locaux", sort="name")) == [
        "Autre Nettoyage",
        "Propreté Inclusive",
        "Services Généraux",
    ]


def test_structures_without_position_are_left_out_of_a_radius(idf_geography):
    make_structure("Sans position", None, None, "94", kinds=["EI"])
    make_structure("Placée", 48.79, 2.45, "94", kinds=["EI"])
    assert names(run(near="94000", radius=10)) == ["Placée"]
    # Without a radius they stay, after the placed ones.
    assert names(run(near="Créteil", sort="distance")) == ["Placée", "Sans position"]


def test_unknown_place_says_so(idf_geography):
    make_structure("Placée", 48.79, 2.45, "94", kinds=["EI"])
    page = run(near="Zzzyxville", radius=10)
    assert page.total == 0 and "introuvable" in page.place_error


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"sector": "peinture-lunaire"}, "sector", "Secteur inconnu"),
        ({"group": "nope"}, "group", "Groupe de secteurs inconnu"),
        ({"kind": "XYZ"}, "kind", "Type de structure inconnu"),
        ({"family": "autre"}, "family", "Famille inconnue"),
        ({"near": "Créteil", "radius": "trente"}, "radius", "nombre attendu"),
        ({"near": "Créteil", "radius": "5000"}, "radius", "entre 1 et"),
        ({"radius": "10"}, "near", "Indiquez un lieu"),
        ({"sort": "distance"}, "sort", "demande un lieu"),
        ({"min_amount": "-3"}, "min_amount", "positive"),
        ({"departement": "99"}, "departement", "Département inconnu"),
        ({"per_page": "1000"}, "per_page", "entre 1 et 100"),
    ],
)
def test_bad_parameters_get_french_messages(params, field, message):
    with pytest.raises(ValidationError) as caught:
        StructureQuery.from_params(params)
    assert message in " ".join(caught.value.message_dict[field])
