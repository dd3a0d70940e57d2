"""Geographic lots for a purchase with one wide place: a département's sectors, a région's départements."""

import datetime as dt
from decimal import Decimal

import pytest

from levier.core.demo import load_demo
from levier.organisations.roles import Role
from levier.plans import services as plan_services
from levier.plans.models import PlannedPurchase
from levier.recommendations import engine, services
from levier.recommendations.demo import WASTE_REFERENCE
from levier.screening import areas

pytestmark = pytest.mark.django_db


def test_sub_areas_of_a_departement_and_of_a_region():
    sectors = areas.departement_sectors("25")
    assert [s.label for s in sectors][:3] == ["Doubs centre", "Doubs nord", "Doubs nord-est"]
    assert all(s.departement == "25" and s.has_position for s in sectors)
    north = sectors[1]
    assert north.lat > sectors[0].lat and north.lon == sectors[0].lon
    assert {s.departement for s in areas.region_departements("27")} == {
        "21", "25", "39", "58", "70", "71", "89", "90"
    }  # fmt: skip
    assert areas.sector_place("Doubs nord") == north
    both = areas.sector_place("Doubs nord, Doubs centre")
    assert both.lat == pytest.approx((north.lat + sectors[0].lat) / 2, abs=1e-3)
    assert areas.sector_place("Besançon") is None and areas.sector_place("Doubs nord, Lyon") is None
    assert areas.departement_sectors("00") == ()


def _purchase(world, place: str):
    return plan_services.create_purchase(
        world.user(Role.BUYER),
        world.plan,
        reference=f"G-{place}",
        object="Collecte des déchets",
        cpv="90511000",
        nature="services",
        estimated_amount=Decimal("300000"),
        amount_basis="per_year",
        duration_months=36,
        launch_date=dt.date(2027, 3, 1),
        place=place,
    )


def test_the_engine_gets_sub_areas_only_for_a_wide_place_without_lots(world):
    departement = _purchase(world, "Doubs")
    assert [s.label for s in engine.purchase_input(departement, []).sites][:1] == ["Doubs centre"]
    region = _purchase(world, "Bourgogne-Franche-Comté")
    given = engine.purchase_input(region, [])
    assert len(given.sites) == 8 and "Jura" in {s.label for s in given.sites}
    # The région is not mistaken for the département that shares its code (27, Eure).
    assert given.place.departement is None and given.place.label == "Bourgogne-Franche-Comté"
    lot = plan_services.create_lot(world.user(Role.BUYER), departement, number="1", title="Nord")
    assert engine.purchase_input(departement, [lot]).sites == ()


def test_a_split_that_brings_no_one_is_not_offered(world):
    # Every structure of the world sits in Lyon and reaches the whole Rhône: sectors change nothing.
    screening = services.screen_purchase(_purchase(world, "Rhône"))
    assert all(s["basis"] != "geography" for s in screening.result["splits"])


def test_the_demo_waste_collection_is_cut_into_sectors_reserved_to_siae(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "donnees"
    load_demo()
    purchase = PlannedPurchase.objects.select_related("plan__organisation").get(reference=WASTE_REFERENCE)
    screening = purchase.screening
    assert screening.option == "reserve_lots"
    split = next(s for s in screening.result["splits"] if s["basis"] == "geography")
    assert split["option"] == "reserve_insertion" and split["candidates_before"] == 0
    assert all(len(lot["candidates"]) >= 3 for lot in split["lots"])
    assert all(lot["title"].startswith("Doubs ") for lot in split["lots"])
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email="acheteuse@demo.levier.invalid")
    number = screening.result["splits"].index(split) + 1
    lots = services.apply_split(user, purchase, number)
    assert len(lots) == len(split["lots"]) and {lot.reservation for lot in lots} == {"L2113-13"}
    assert [lot.place for lot in lots] == [lot["title"] for lot in split["lots"]]
    # Each lot keeps its own place: screened again, each lot finds the structures near it.
    again = services.current_screening(PlannedPurchase.objects.get(pk=purchase.pk))
    by_lot = {lot["key"]: lot for lot in again.result["lots"]}
    for lot, proposed in zip(lots, split["lots"], strict=True):
        best = by_lot[str(lot.pk)]["options"][0]
        assert best["code"] == "reserve_insertion"
        assert {c["id"] for c in best["candidates"]} >= {c["id"] for c in proposed["candidates"][:3]}
