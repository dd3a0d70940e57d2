"""What would change the answer: a purchase no SIAE can carry whole is cut into trade lots, applied."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from levier.organisations.roles import Role
from levier.plans import services as plan_services
from levier.recommendations import services

from .world import add_structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def waste(world):
    for i in range(1, 4):
        add_structure(f"EI Tri {i}", "EI", "tri-recyclage", turnover=900_000)
        add_structure(f"ACI Collecte {i}", "ACI", "collecte-dechets-menagers", turnover=900_000)
    add_structure("EI Électro", "EI", "deee", turnover=900_000)
    return plan_services.create_purchase(
        world.user(Role.BUYER),
        world.plan,
        reference="C-9",
        object="Collecte et valorisation des déchets des bâtiments communaux",
        cpv="90500000",
        nature="services",
        estimated_amount=Decimal("300000"),
        amount_basis="per_year",
        duration_months=36,
        launch_date=dt.date(2027, 3, 1),
        place="Rhône",
    )


def test_a_split_shows_candidates_before_and_after_and_applies(world, waste):
    split = services.current_screening(waste).result["splits"][0]
    assert split["candidates_after"] > split["candidates_before"]
    assert any(lot["candidates"] for lot in split["lots"])
    lots = services.apply_split(world.user(Role.BUYER), waste, 1)
    assert len(lots) == len(split["lots"])
    assert {lot.reservation for lot in lots} == {"L2113-13"}
    assert sum(lot.estimated_amount for lot in lots) == Decimal("300000")
    # Each trade lot carries the CPV of its trade and the title the engine gave it.
    assert [lot.cpv for lot in lots] == [lot["cpv"] or "" for lot in split["lots"]]
    assert all(lot.title for lot in lots)
    # Screened again with its lots: the panel now speaks of each lot.
    assert len(services.current_screening(waste).result["lots"]) == len(lots)


def test_a_split_is_applied_once_and_by_who_may_create_lots(world, waste):
    with pytest.raises(PermissionDenied):
        services.apply_split(world.user(Role.FACILITATOR), waste, 1)
    with pytest.raises(ValidationError):
        services.apply_split(world.user(Role.BUYER), waste, 9)
    services.apply_split(world.user(Role.BUYER), waste, 1)
    with pytest.raises(ValidationError):
        services.apply_split(world.user(Role.BUYER), waste, 1)


def test_the_panel_shows_the_split_and_its_button_applies_it(client, world, waste):
    client.force_login(world.user(Role.BUYER))
    kwargs = {"org": world.org.slug, "purchase": waste.pk}
    html = client.get(reverse("recommendations:panel", kwargs=kwargs)).content.decode()
    assert "Ce qui changerait la réponse" in html and "Appliquer ce découpage" in html
    assert "avant" in html and "après" in html
    response = client.post(reverse("recommendations:apply_split", kwargs=kwargs), {"split": 1}, follow=True)
    assert "Allotissement appliqué" in response.content.decode()
    assert waste.lots.count() >= 2
    # Once cut into lots, the panel speaks per lot and no longer offers to cut.
    html = client.get(reverse("recommendations:panel", kwargs=kwargs)).content.decode()
    assert "Par lot" in html and "Appliquer ce découpage" not in html


def test_each_lot_shows_its_badge_on_the_plan_line_and_in_the_panel(client, world, waste):
    lots = services.apply_split(world.user(Role.BUYER), waste, 1)
    stored = services.current_screening(waste)
    assert [lot["key"] for lot in stored.lot_options] == [str(lot.pk) for lot in lots]
    client.force_login(world.user(Role.READER))
    html = client.get(reverse("plans:plan", kwargs={"org": world.org.slug})).content.decode()
    assert "levier-lot-badges" in html
    for entry in stored.lot_options:
        assert escape(entry["title"][:30]) in html and escape(entry["option_label"]) in html
    panel = client.get(
        reverse("recommendations:panel", kwargs={"org": world.org.slug, "purchase": waste.pk})
    ).content.decode()
    assert panel.count("fr-badge--sm fr-badge--no-icon") >= len(lots)
