"""The plan API: plans, purchases (filters, detail, create, update), lots and workflow steps, per role."""

from __future__ import annotations

import pytest

from levier.organisations.roles import Role
from levier.plans.models import FieldChange, Lot, PlannedPurchase, Transition
from levier.plans.workflow import Status
from tests.api_client import Api
from tests.plans import pages_world
from tests.plans.pages_world import YEAR, walk_to

world = pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db


def api_as(client, w, role, org=None):
    return Api(client, w.user(role), (org or w.org).slug)


def test_plans_and_purchases_are_listed_with_filters(client, world):
    api = api_as(client, world, Role.READER)
    plans = api.get("/plans").json()
    assert [(p["year"], p["purchase_count"]) for p in plans] == [(YEAR, 4)]
    assert api.get(f"/plans/{plans[0]['id']}").json()["year"] == YEAR

    everything = api.get("/purchases", year=YEAR).json()
    assert everything["count"] == 4
    assert "Marché confidentiel QX9-VOISINE" not in {p["object"] for p in everything["results"]}
    works = api.get("/purchases", year=YEAR, nature="works").json()
    assert [p["reference"] for p in works["results"]] == ["2027-002"]
    green = api.get("/purchases", service=world.directions["green"].pk).json()
    assert {p["reference"] for p in green["results"]} == {"2027-001", "2027-003"}
    band = api.get("/purchases", band="50k-200k").json()
    assert [p["reference"] for p in band["results"]] == ["2027-001"]
    assert band["results"][0]["total_amount"] == "135000.00"
    paged = api.get("/purchases", page_size=3, page=2).json()
    assert paged["count"] == 4 and len(paged["results"]) == 1

    bad = api.get("/purchases", status="volé")
    assert bad.status_code == 422 and "status" in bad.json()["detail"][0]


def test_plan_of_a_new_year_by_editing_roles_only(client, world):
    assert api_as(client, world, Role.READER).post("/plans", {"year": YEAR + 1}).status_code == 403
    created = api_as(client, world, Role.BUYER).post("/plans", {"year": YEAR + 1})
    assert created.status_code == 201 and created.json()["year"] == YEAR + 1
    again = api_as(client, world, Role.STEWARD).post("/plans", {"year": YEAR + 1})
    assert again.json()["id"] == created.json()["id"]
    assert api_as(client, world, Role.BUYER).post("/plans", {"year": 1850}).status_code == 422


def test_purchase_detail_says_which_steps_the_caller_may_take(client, world):
    purchase = world.purchases["mowing"]
    detail = api_as(client, world, Role.FACILITATOR).get(f"/purchases/{purchase.pk}").json()
    assert detail["object"] == "Tonte et entretien des parcs municipaux"
    assert detail["service"] == "Service des parcs"
    assert [s["code"] for s in detail["available_steps"]] == ["propose"]
    assert api_as(client, world, Role.READER).get(f"/purchases/{purchase.pk}").json()["available_steps"] == []


def test_buyer_creates_and_updates_purchases_and_lots(client, world):
    api = api_as(client, world, Role.BUYER)
    response = api.post(
        "/purchases",
        {
            "year": YEAR,
            "object": "Entretien des espaces verts des écoles",
            "reference": "2027-020",
            "service_id": world.directions["parks"].pk,
            "nature": "services",
            "estimated_amount": "60000",
            "amount_basis": "per_year",
            "duration_months": 24,
            "launch_date": f"{YEAR}-04-01",
            "reservation": "L2113-13",
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["total_amount"] == "120000.00" and created["reservation"] == "L2113-13"

    response = api.patch(
        f"/purchases/{created['id']}", {"estimated_amount": "70000", "insertion_clause": True}
    )
    assert response.status_code == 200
    assert response.json()["annual_amount"] == "70000.00" and response.json()["insertion_clause"] is True
    assert FieldChange.objects.filter(purchase_id=created["id"], field="estimated_amount").exists()

    lot = api.post("/lots", {"purchase_id": created["id"], "number": "1", "title": "Secteur nord"})
    assert lot.status_code == 201
    lot_id = lot.json()["id"]
    assert (
        api.patch(f"/lots/{lot_id}", {"title": "Secteur nord et centre"}).json()["title"].endswith("centre")
    )
    assert [item["number"] for item in api.get(f"/purchases/{created['id']}/lots").json()] == ["1"]
    assert api.get(f"/lots/{lot_id}").json()["title"] == "Secteur nord et centre"


def test_invalid_values_get_a_french_422_and_change_nothing(client, world):
    api = api_as(client, world, Role.BUYER)
    purchase = world.purchases["mowing"]
    response = api.patch(f"/purchases/{purchase.pk}", {"cpv": "12", "object": "Changé"})
    assert response.status_code == 422
    assert any("CPV" in message for message in response.json()["detail"])
    purchase.refresh_from_db()
    assert purchase.object == "Tonte et entretien des parcs municipaux"
    foreign = pages_world.Service.objects.create(organisation=world.other, name="Service voisin")
    response = api.patch(f"/purchases/{purchase.pk}", {"service_id": foreign.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == ["Service inconnu dans cette organisation."]


@pytest.mark.parametrize("role", [Role.READER, Role.PRESCRIBER, Role.FACILITATOR])
def test_roles_that_do_not_keep_the_plan_cannot_write_it(client, world, role):
    api = api_as(client, world, role)
    purchase = world.purchases["mowing"]
    assert api.post("/purchases", {"year": YEAR, "object": "Interdit"}).status_code == 403
    assert api.patch(f"/purchases/{purchase.pk}", {"object": "Interdit"}).status_code == 403
    assert api.post("/lots", {"purchase_id": purchase.pk, "number": "9"}).status_code == 403
    assert not PlannedPurchase.objects.filter(object="Interdit").exists()
    assert not Lot.objects.filter(number="9").exists()


def test_facilitator_may_set_the_social_choices_only(client, world):
    api = api_as(client, world, Role.FACILITATOR)
    purchase = world.purchases["mowing"]
    assert api.patch(f"/purchases/{purchase.pk}", {"reservation": "L2113-12"}).status_code == 200
    purchase.refresh_from_db()
    assert purchase.reservation == "L2113-12"


def test_workflow_steps_through_the_api(client, world):
    purchase = world.purchases["mowing"]
    path = f"/purchases/{purchase.pk}/transitions"

    def step(role, code, **extra):
        return api_as(client, world, role).post(
            "/transitions", {"purchase_id": purchase.pk, "step": code, **extra}
        )

    assert step(Role.READER, "propose").status_code == 403
    done = step(Role.FACILITATOR, "propose", comment="Clause possible")
    assert done.status_code == 201 and done.json()["to_status"] == "proposed"
    no_reason = step(Role.PRESCRIBER, "refuse")
    assert no_reason.status_code == 422 and "motif" in no_reason.json()["detail"][0]
    assert step(Role.PRESCRIBER, "validate", comment="D'accord").status_code == 201
    assert step(Role.PRESCRIBER, "validate").status_code == 422  # already validated
    assert step(Role.PRESCRIBER, "sauter").status_code == 422
    history = api_as(client, world, Role.READER).get(path).json()
    assert [(t["step"], t["actor"]) for t in history] == [
        ("propose", "Nadia Fauvel"),
        ("validate", "Louis Prévost"),
    ]
    purchase.refresh_from_db()
    assert purchase.status == Status.VALIDATED
    assert Transition.objects.filter(purchase=purchase).count() == 2


def test_a_prescriber_of_another_direction_cannot_validate(client, world):
    roof = walk_to(world.purchases["roof"], Status.PROPOSED, world)
    response = api_as(client, world, Role.PRESCRIBER).post(
        "/transitions", {"purchase_id": roof.pk, "step": "validate"}
    )
    assert response.status_code == 403
    roof.refresh_from_db()
    assert roof.status == Status.PROPOSED


def test_another_organisation_is_out_of_reach(client, world):
    api = api_as(client, world, Role.BUYER)
    assert api.get(f"/purchases/{world.secret.pk}").status_code == 404
    assert api.patch(f"/purchases/{world.secret.pk}", {"object": "volé"}).status_code == 404
    assert api.get(f"/purchases/{world.secret.pk}/transitions").status_code == 404
    # Ids in the body are looked up in the caller's organisation only.
    assert api.post("/transitions", {"purchase_id": world.secret.pk, "step": "propose"}).status_code == 404
    assert api.post("/lots", {"purchase_id": world.secret.pk, "number": "1"}).status_code == 404
    # Naming the other organisation in the path is refused before anything else.
    other = Api(client, world.user(Role.BUYER), world.other.slug)
    assert other.get("/purchases").status_code == 404
    world.secret.refresh_from_db()
    assert world.secret.object == "Marché confidentiel QX9-VOISINE"
