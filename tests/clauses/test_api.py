"""The clauses API: clauses, awards and declarations (list, detail, create), role checks, and participant
fields only for the roles allowed to see them (every such read logged)."""

from __future__ import annotations

import pytest

from levier.clauses.models import Award, Clause, Declaration
from levier.core.models import AuditEvent
from levier.organisations.roles import Role
from tests.clauses import test_pages_world
from tests.clauses.test_pages_world import SECRET
from tests.plans.test_api import Api

world = test_pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db


def api_as(client, w, role):
    return Api(client, w.user(role), w.org.slug)


def test_clauses_are_listed_with_their_progress(client, world):
    api = api_as(client, world, Role.READER)
    listed = api.get("/clauses").json()
    assert [c["id"] for c in listed] == [world.clause.pk]
    assert SECRET not in str(listed)
    detail = api.get(f"/clauses/{world.clause.pk}").json()
    assert detail["hours_required"] == 833
    assert float(detail["achieved"]) == 410.5
    assert detail["progress"]["required"] == 833
    assert api.get(f"/clauses/{world.other_clause.pk}").status_code == 404
    assert api.get("/clauses", status="nope").status_code == 422


def test_buyers_create_clauses_readers_cannot(client, world):
    payload = {
        "purchase_id": world.purchase.pk,
        "kind": "execution_condition",
        "amount_ht": "300000",
        "labour_share": "0.5",
        "insertion_rate": "0.05",
        "hourly_cost": "25",
    }
    assert api_as(client, world, Role.READER).post("/clauses", payload).status_code == 403
    created = api_as(client, world, Role.BUYER).post("/clauses", payload)
    assert created.status_code == 201, created.json()
    assert created.json()["hours_required"] == 300  # 300,000 × 50 % × 5 % ÷ 25
    refused = api_as(client, world, Role.BUYER).post(
        "/clauses", {**payload, "hours_required": 10, "hours_override_reason": ""}
    )
    assert refused.status_code == 422
    assert Clause.objects.filter(organisation=world.org).count() == 2
    # Another organisation's purchase is not found, whatever the role.
    other_purchase = world.other_clause.purchase_id
    assert (
        api_as(client, world, Role.BUYER)
        .post("/clauses", {**payload, "purchase_id": other_purchase})
        .status_code
        == 404
    )


def test_awards_are_recorded_and_read(client, world):
    payload = {
        "clause_id": world.clause.pk,
        "amount_ht": "950000",
        "awarded_on": "2024-12-10",
        "bids": 4,
        "inclusive_bids": 1,
        "holders": [
            {"name": "Bâtiments du Val SA", "role": "holder"},
            {"name": "Régie Nord", "role": "subcontractor"},
        ],
    }
    assert api_as(client, world, Role.PRESCRIBER).post("/awards", payload).status_code == 403
    created = api_as(client, world, Role.BUYER).post("/awards", payload)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [h["name"] for h in body["holders"]] == ["Bâtiments du Val SA", "Régie Nord"]
    reader = api_as(client, world, Role.READER)
    assert [a["id"] for a in reader.get("/awards").json()] == [body["id"]]
    assert reader.get(f"/awards/{body['id']}").json()["bids"] == 4
    assert Award.objects.count() == 1


@pytest.mark.parametrize("role", [Role.BUYER, Role.PRESCRIBER, Role.STEWARD, Role.READER, Role.ADMIN])
def test_declarations_without_participant_fields_for_other_roles(client, world, role):
    before = AuditEvent.objects.filter(action="clauses.participants.read").count()
    rows = api_as(client, world, role).get(f"/clauses/{world.clause.pk}/declarations").json()
    assert [float(r["hours"]) for r in rows] == [200.5, 210.0]
    assert all(r["lines"] is None for r in rows)
    assert "P-001" not in str(rows)
    assert AuditEvent.objects.filter(action="clauses.participants.read").count() == before
    refused = api_as(client, world, role).post(
        "/declarations",
        {
            "clause_id": world.clause.pk,
            "period_start": "2025-07-01",
            "period_end": "2025-09-30",
            "lines": [{"code": "P-001", "way": "direct_hire", "hours": "10"}],
        },
    )
    assert refused.status_code == 403
    assert Declaration.objects.filter(clause=world.clause).count() == 2


def test_facilitators_get_participant_fields_and_declare(client, world):
    api = api_as(client, world, Role.FACILITATOR)
    before = AuditEvent.objects.filter(action="clauses.participants.read").count()
    rows = api.get(f"/clauses/{world.clause.pk}/declarations").json()
    first = rows[0]["lines"]
    assert {(line["participant_code"], line["way"], float(line["hours"])) for line in first} == {
        ("P-001", "direct_hire", 120.0),
        ("P-002", "etti", 80.5),
    }
    assert next(line for line in first if line["participant_code"] == "P-001")["qpv"] is True
    assert AuditEvent.objects.filter(action="clauses.participants.read").count() == before + 1
    created = api.post(
        "/declarations",
        {
            "clause_id": world.clause.pk,
            "period_start": "2025-07-01",
            "period_end": "2025-09-30",
            "lines": [{"code": "P-001", "way": "direct_hire", "hours": "99.5"}],
        },
    )
    assert created.status_code == 201, created.json()
    assert float(created.json()["hours"]) == 99.5
    detail = api.get(f"/declarations/{created.json()['id']}").json()
    assert detail["lines"][0]["participant_code"] == "P-001"
    bad = api.post(
        "/declarations",
        {
            "clause_id": world.clause.pk,
            "period_start": "2025-10-01",
            "period_end": "2025-12-31",
            "lines": [{"code": "P-404", "way": "direct_hire", "hours": "5"}],
        },
    )
    assert bad.status_code == 422
    assert "Ligne 1" in str(bad.json()) and "nouveau participant" in str(bad.json())
    assert Declaration.objects.filter(clause=world.clause).count() == 3


def test_missing_declaration_periods_are_listed_on_the_page_and_in_the_api(client, world):
    from django.urls import reverse

    from levier.clauses import forecast

    expected = forecast.progress(world.clause).missing
    detail = api_as(client, world, Role.READER).get(f"/clauses/{world.clause.pk}").json()
    assert [(p["start"], p["end"]) for p in detail["progress"]["missing"]] == [
        (first.isoformat(), last.isoformat()) for first, last in expected
    ]
    client.force_login(world.user(Role.READER))
    page = client.get(reverse("clauses:clause", kwargs={"org": world.org.slug, "clause": world.clause.pk}))
    body = page.content.decode()
    assert ('id="declarations-manquantes"' in body) == bool(expected)
    for first, last in expected:
        assert f"du {first:%d/%m/%Y} au {last:%d/%m/%Y}" in body
