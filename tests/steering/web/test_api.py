"""The steering API: targets (list, create, update, delete) per role, indicators, progress and buyer
objectives of a year, and what another organisation gets."""

from __future__ import annotations

import pytest

from levier.organisations.roles import Role
from levier.steering import services
from levier.steering.models import Indicator, Target

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def test_targets_are_read_by_members_and_written_by_the_steward(scene, api):
    steward = api(scene, Role.STEWARD)
    created = steward.post(
        "/steering/targets",
        {
            "year": YEAR,
            "indicator": "reserved_count",
            "value": "4",
            "baseline_year": YEAR - 1,
            "baseline_value": 1,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["value"], body["baseline_year"], body["indicator_label"]) == (
        "4.00",
        YEAR - 1,
        "Marchés et lots réservés (nombre)",
    )
    scoped = steward.post(
        "/steering/targets",
        {"year": YEAR, "indicator": "insertion_hours", "value": 500, "service_id": scene.parks.pk},
    )
    assert scoped.status_code == 201 and scoped.json()["service_id"] == scene.parks.pk

    for role in (Role.READER, Role.ADMIN, Role.BUYER, Role.PRESCRIBER):
        reader = api(scene, role)
        listed = reader.get("/steering/targets", year=YEAR).json()
        assert {t["indicator"] for t in listed} == {"reserved_count", "insertion_hours"}
        assert reader.get("/steering/targets", indicator="insertion_hours").json()[0]["value"] == "500.00"
        assert (
            reader.post(
                "/steering/targets", {"year": YEAR, "indicator": "spend_siae", "value": 1}
            ).status_code
            == 403
        )
        assert reader.patch(f"/steering/targets/{body['id']}", {"value": 9}).status_code == 403
        assert reader.delete(f"/steering/targets/{body['id']}").status_code == 403

    patched = steward.patch(f"/steering/targets/{body['id']}", {"value": "5", "note": "Révisée"})
    assert patched.status_code == 200
    assert (patched.json()["value"], patched.json()["note"], patched.json()["baseline_value"]) == (
        "5.00",
        "Révisée",
        "1.00",
    )
    assert steward.delete(f"/steering/targets/{body['id']}").status_code == 204
    assert not Target.objects.filter(pk=body["id"]).exists()
    assert steward.get(f"/steering/targets/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"indicator": "unknown", "value": 1}, "Indicateur inconnu"),
        ({"indicator": "social_share_count", "value": 150}, "pourcentage entre 0 et 100"),
        ({"indicator": "reserved_count", "value": 1, "baseline_year": YEAR - 1}, "Référence"),
        ({"indicator": "reserved_count", "value": -1}, "positif"),
    ],
)
def test_refused_targets_say_why_in_french(scene, api, payload, message):
    response = api(scene, Role.STEWARD).post("/steering/targets", {"year": YEAR, **payload})
    assert response.status_code == 422
    assert message in str(response.json()["detail"])
    assert not Target.objects.exists()


def test_another_organisation_scope_or_target_is_refused(scene, api):
    from levier.organisations.models import Service

    theirs_service = Service.objects.create(organisation=scene.other, name="Service voisin")
    steward = api(scene, Role.STEWARD)
    refused = steward.post(
        "/steering/targets",
        {"year": YEAR, "indicator": "reserved_count", "value": 1, "service_id": theirs_service.pk},
    )
    assert refused.status_code == 422 and "n'existe pas dans l'organisation" in str(refused.json())
    theirs = services.set_target(scene.outsider, scene.other, year=YEAR, indicator="reserved_count", value=7)
    assert steward.get(f"/steering/targets/{theirs.pk}").status_code == 404
    assert steward.delete(f"/steering/targets/{theirs.pk}").status_code == 404
    assert api(scene, Role.STEWARD, org=scene.other).get("/steering/targets").status_code == 404
    assert Target.objects.get(pk=theirs.pk).value == 7


def test_indicators_and_progress_of_a_year(scene, api):
    services.set_target(scene.steward, scene.org, year=YEAR, indicator=Indicator.RESERVED_COUNT, value=4)
    reader = api(scene, Role.READER)
    body = reader.get("/steering/indicators", year=YEAR).json()
    assert body["values"]["reserved_count"] == "1"
    assert body["values"]["social_share_count"] == "66.67"
    assert (body["contracts"], body["passed"], body["eu_contracts"], body["eu_social_contracts"]) == (
        4,
        3,
        2,
        1,
    )
    assert body["by_month"][2]["reserved"] == 1 and len(body["by_month"]) == 12
    assert {row["label"] for row in body["by_service"]} == {"Parcs et jardins", "Informatique"}
    parks = reader.get("/steering/indicators", year=YEAR, service=scene.parks.pk).json()
    assert (parks["passed"], parks["service_id"]) == (1, scene.parks.pk)

    progress = reader.get("/steering/progress", year=YEAR).json()
    assert [(p["indicator"], p["value"], p["actual"], p["ratio"]) for p in progress] == [
        ("reserved_count", "4.00", "1", "25.0")
    ]
    assert progress[0]["trajectory"] == [{"year": YEAR, "target": "4.00", "actual": "1", "baseline": False}]


def test_members_who_do_not_steer_read_their_own_figures(scene, api):
    buyer = api(scene, Role.BUYER)
    mine = buyer.get("/steering/indicators", year=YEAR).json()
    assert (mine["buyer_id"], mine["passed"], mine["values"]["spend_esat_ea"]) == (scene.buyer.pk, 1, None)
    other = buyer.get("/steering/indicators", year=YEAR, buyer=scene.second_buyer.pk)
    assert other.status_code == 403


def test_buyer_objectives_for_the_steward_and_for_a_buyer(scene, api):
    objective = services.set_buyer_objective(
        scene.steward, scene.org, year=YEAR, indicator="reserved_count", minimum=1, label="Un marché réservé."
    )
    everyone = api(scene, Role.STEWARD).get("/steering/buyer-objectives", year=YEAR).json()
    assert everyone["objectives"] == [
        {
            "id": objective.pk,
            "year": YEAR,
            "indicator": "reserved_count",
            "minimum": "1.00",
            "service_id": None,
            "label": "Un marché réservé.",
        }
    ]
    assert {(b["name"], b["all_met"]) for b in everyone["buyers"]} == {
        ("Aline Acheteuse", True),
        ("Bruno Bâtisseur", False),
    }
    mine = api(scene, Role.BUYER).get("/steering/buyer-objectives", year=YEAR).json()
    assert [
        (b["buyer_id"], b["objectives"][0]["actual"], b["objectives"][0]["met"]) for b in mine["buyers"]
    ] == [(scene.buyer.pk, "1", True)]
    assert api(scene, Role.PRESCRIBER).get("/steering/buyer-objectives", year=YEAR).status_code == 403
