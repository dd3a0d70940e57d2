"""Transferable segments and their territory: the set (or planned) départements, or a radius around the
organisation's place, measured with real great-circle distances."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from levier.directory.models import AreaDepartement
from levier.plans.models import Plan, PlannedPurchase
from levier.rules.geography import EARTH_RADIUS_KM, distance_km, shipped_departements
from levier.steering import services
from levier.steering.models import SpendLine
from levier.steering.segments import (
    FROM_DEPARTEMENTS,
    FROM_PLAN,
    FROM_SETTINGS,
    territory,
    transferable_segments,
)

from .conftest import structure

pytestmark = pytest.mark.django_db
YEAR = 2026
SECTOR = "nettoyage-locaux"
BESANCON = shipped_departements()["25"]
VESOUL = shipped_departements()["70"]


def north_of(lat: float, lon: float, km: float) -> tuple[float, float]:
    """The point `km` due north: along a meridian one degree is EARTH_RADIUS_KM * pi / 180."""
    return lat + km / (EARTH_RADIUS_KM * math.pi / 180), lon


def spend(org, sector=SECTOR, amount="9000.00", supplier="Propre & Net SARL"):
    return SpendLine.objects.create(
        organisation=org,
        year=YEAR,
        row_key=f"{supplier}-{amount}-{sector}",
        supplier_name=supplier,
        supplier_key=f"nom:{supplier.lower()}",
        amount=Decimal(amount),
        category="6283 Nettoyage des locaux",
        category_sector=sector,
    )


def plan_in(org, *places):
    """Planned purchases at (level, code, département)."""
    plan = Plan.objects.create(organisation=org, year=YEAR)
    for n, (level, code, departement) in enumerate(places):
        PlannedPurchase.objects.create(
            plan=plan,
            stable_key=f"p{n}",
            object=f"Achat {n}",
            place_level=level,
            place_code=code,
            place_departement=departement,
        )


def settle(world, departements, radius_km):
    services.update_settings(world["steward"], world["org"], departements=departements, radius_km=radius_km)


def names(org):
    return {
        segment.sector: {name for _pk, name, _kinds in segment.sample_structures}
        for segment in transferable_segments(org, YEAR)
    }


def test_a_structure_20_km_away_counts_within_30_km_not_within_10(world):
    org = world["org"]
    spend(org)
    plan_in(org, ("departement", "25", "25"))  # the organisation's place: Besançon, chef-lieu of the Doubs
    lat, lon = north_of(BESANCON.lat, BESANCON.lon, 20)
    assert distance_km((BESANCON.lat, BESANCON.lon), (lat, lon)) == pytest.approx(20, abs=0.01)
    # In the Haute-Saône, outside the set départements: only the radius can bring it in.
    structure("Net'Insertion Nord", ["EI"], departement="70", sectors=[SECTOR], lat=lat, lon=lon)
    settle(world, ["39"], 30)
    assert names(org) == {SECTOR: {"Net'Insertion Nord"}}
    found = territory(org)
    assert (found.departements, found.departements_from, found.centre_from) == (
        ("39",),
        FROM_SETTINGS,
        FROM_PLAN,
    )
    assert (found.centre.lat, found.centre.lon) == (BESANCON.lat, BESANCON.lon)
    settle(world, ["39"], 10)
    assert names(org) == {}


def test_vesoul_44_km_from_besancon_counts_within_50_km_not_40(world):
    org = world["org"]
    spend(org)
    plan_in(org, ("departement", "25", "25"), ("commune", "25056", "25"))  # no communes loaded: chef-lieu
    structure("ESAT de Vesoul", ["ESAT"], departement="70", sectors=[SECTOR], lat=VESOUL.lat, lon=VESOUL.lon)
    assert 43 < distance_km((BESANCON.lat, BESANCON.lon), (VESOUL.lat, VESOUL.lon)) < 45
    settle(world, ["39"], 50)
    assert names(org) == {SECTOR: {"ESAT de Vesoul"}}
    assert territory(org).located_purchases == 2
    settle(world, ["39"], 40)
    assert names(org) == {}


def test_the_departements_still_count_structures_without_position_or_declaring_they_work_there(world):
    org = world["org"]
    spend(org)
    far = structure("Atelier lointain", ["EA"], departement="13", sectors=[SECTOR], lat=43.3, lon=5.4)
    AreaDepartement.objects.create(structure=far, departement="39")
    structure("EI du Jura sans position", ["EI"], departement="39", sectors=[SECTOR])
    structure("EI de l'Ain sans position", ["EI"], departement="01", sectors=[SECTOR])
    settle(world, ["39"], 10)
    assert names(org) == {SECTOR: {"Atelier lointain", "EI du Jura sans position"}}


def test_the_mean_position_of_the_planned_places_is_the_centre(world):
    org = world["org"]
    jura = shipped_departements()["39"]
    plan_in(org, ("departement", "25", "25"), ("departement", "25", "25"), ("departement", "39", "39"))
    found = territory(org)
    # No set départements: those of the plan; the centre is the mean of the three places, the Doubs leading.
    assert (found.departements, found.departements_from) == (("25", "39"), FROM_PLAN)
    assert found.centre.lat == pytest.approx((2 * BESANCON.lat + jura.lat) / 3)
    assert found.centre.lon == pytest.approx((2 * BESANCON.lon + jura.lon) / 3)
    assert found.description_fr == (
        "structures situées dans les départements 25, 39 (achats du plan) ou déclarant y intervenir ; ou "
        "structures situées à moins de 50 km du point moyen des lieux d'exécution du plan des achats "
        "(3 achats localisés ; département le plus représenté : Doubs (25))."
    )


def test_without_a_plan_the_set_departements_chefs_lieux_are_the_centre(world):
    org = world["org"]
    spend(org)
    lat, lon = north_of(BESANCON.lat, BESANCON.lon, 20)
    structure("Net'Insertion Nord", ["EI"], departement="70", sectors=[SECTOR], lat=lat, lon=lon)
    settle(world, ["25"], 25)
    found = territory(org)
    assert found.centre_from == FROM_DEPARTEMENTS
    assert found.description_fr == (
        "structures situées dans le département 25 (réglage du pilotage) ou déclarant y intervenir ; ou "
        "structures situées à moins de 25 km du chef-lieu du département Doubs (25)."
    )
    # The EI of the shared world is in the Doubs; the one 20 km north, in the Haute-Saône, by the radius.
    assert names(org) == {SECTOR: {"Net'Insertion Nord", "Tremplin Nettoyage"}}


def test_no_territory_no_segment(world):
    org = world["org"]
    spend(org)
    structure("Partout", ["EI"], departement="25", sectors=[SECTOR], lat=BESANCON.lat, lon=BESANCON.lon)
    found = territory(org)
    assert not found and found.centre is None
    assert found.description_fr.startswith("aucun département connu")
    assert transferable_segments(org, YEAR) == []


def test_the_segments_page_states_the_territory_rule(client, world):
    org = world["org"]
    spend(org)
    plan_in(org, ("departement", "25", "25"))
    lat, lon = north_of(BESANCON.lat, BESANCON.lon, 20)
    structure("Net'Insertion Nord", ["EI"], departement="70", sectors=[SECTOR], lat=lat, lon=lon)
    settle(world, ["39"], 30)
    client.force_login(world["steward"])
    page = client.get(reverse("steering:segments", kwargs={"org": org.slug}), {"year": YEAR}).content.decode()
    rule = re.search(r'<p id="regle-territoire">(.*?)</p>', page, re.S).group(1)
    assert "le département 39 (réglage du pilotage)" in rule
    assert "à moins de 30 km du point moyen des lieux d&#x27;exécution du plan des achats" in rule
    table = re.search(r'id="tableau-segments".*?</table>', page, re.S).group(0)
    assert "Net&#x27;Insertion Nord" in table and "Propre &amp; Net SARL" in table
