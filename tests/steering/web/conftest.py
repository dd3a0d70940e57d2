"""A small year of activity for the steering pages: the organisation of tests/steering/conftest.py with every
role, a plan with reserved, clause-bearing and plain contracts (two above the EU thresholds), buyer
objectives and a target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from levier.organisations.roles import Role
from levier.plans.models import Plan, PlannedPurchase
from tests.api_client import Api

YEAR = 2026


class Scene(dict):
    def __getattr__(self, name):
        return self[name]

    def url(self, name, **kwargs):
        from django.urls import reverse

        return reverse(f"steering:{name}", kwargs={"org": self["org"].slug, **kwargs})


def purchase(plan, key, **fields):
    defaults = {
        "stable_key": key,
        "reference": key.upper(),
        "object": f"Achat {key}",
        "nature": "services",
        "amount_basis": "whole_duration",
        "launch_date": dt.date(YEAR, 2, 1),
    }
    defaults.update(fields)
    if "total_amount" in defaults:
        defaults["estimated_amount"] = defaults["total_amount"]
    return PlannedPurchase.objects.create(plan=plan, **defaults)


@pytest.fixture
def scene(world, make_user, member):
    org = world["org"]
    people = {Role.STEWARD: world["steward"], Role.BUYER: world["buyer"]}
    for role in (Role.READER, Role.ADMIN, Role.PRESCRIBER, Role.FACILITATOR):
        user = make_user(f"{role}@exemple.invalid", first_name=role.label, last_name="Test")
        member(user, org, role)
        people[role] = user
    plan = Plan.objects.create(organisation=org, year=YEAR)
    purchases = {
        # Aline's reserved contract for the ESAT, notified in March.
        "reserved": purchase(
            plan,
            "r1",
            object="Entretien des espaces verts",
            status="awarded",
            reservation="L2113-12",
            total_amount=Decimal(50_000),
            notification_date=dt.date(YEAR, 3, 10),
            buyer=world["buyer"],
            service=world["parks"],
        ),
        # Above the EU threshold for services, launched after 21 August 2026, with an insertion clause.
        "clause": purchase(
            plan,
            "c1",
            object="Nettoyage des bâtiments",
            status="in_execution",
            insertion_clause=True,
            total_amount=Decimal(300_000),
            launch_date=dt.date(YEAR, 9, 1),
            notification_date=dt.date(YEAR, 11, 5),
            buyer=world["second_buyer"],
            service=world["it"],
        ),
        # Above the threshold, no social consideration: the non-compliant one.
        "plain": purchase(
            plan,
            "p1",
            object="Maintenance des serveurs",
            status="awarded",
            total_amount=Decimal(400_000),
            launch_date=dt.date(YEAR, 10, 1),
            buyer=world["second_buyer"],
            service=world["it"],
        ),
        # Not passed: counts in the plan, not in the indicators.
        "planned": purchase(plan, "f1", object="Fournitures de bureau", status="to_screen"),
    }
    return Scene(world, people=people, plan=plan, purchases=purchases, year=YEAR)


@pytest.fixture
def api(client):
    def as_role(scene, role, org=None):
        return Api(client, scene.people[role], (org or scene.org).slug)

    return as_role
