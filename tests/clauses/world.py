"""An organisation with one member per role, a plan, a cleaning purchase and a lot, for the clause tests.

Import `world_fixture` in a test module to get the `world` fixture."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from levier.organisations.roles import Role
from levier.plans import services as plan_services


def quick_user(email):
    return get_user_model().objects.create(email=email, first_name=email.split("@")[0].title())


@pytest.fixture(name="world")
def world_fixture(make_org, member):
    org = make_org("ville-clauses", "Ville des Clauses")
    users = {role: quick_user(f"{role}@clauses.invalid") for role in Role.values}
    memberships = {role: member(user, org, role) for role, user in users.items()}
    buyer = users[Role.BUYER]
    plan = plan_services.get_or_create_plan(buyer, org, 2027)
    purchase = plan_services.create_purchase(
        buyer,
        plan,
        reference="CLA-2027-001",
        object="Nettoyage des écoles et des gymnases",
        nature="services",
        cpv="90910000",
        estimated_amount=Decimal("120000"),
        amount_basis="per_year",
        duration_months=48,
        launch_date=dt.date(2027, 3, 1),
    )
    lot = plan_services.create_lot(
        buyer, purchase, number="1", title="Écoles", estimated_amount=Decimal("300000")
    )
    return {
        "org": org,
        "users": users,
        "memberships": memberships,
        "plan": plan,
        "purchase": purchase,
        "lot": lot,
    }


def insertion_clause(world, *, end=dt.date(2027, 12, 31), **values):
    """An insertion clause of the world's purchase from 01/01/2027, created by its facilitator."""
    from levier.clauses import services
    from levier.clauses.models import ClauseKind

    return services.create_clause(
        world["users"][Role.FACILITATOR],
        world["purchase"],
        kind=ClauseKind.EXECUTION_CONDITION,
        start_date=dt.date(2027, 1, 1),
        end_date=end,
        **values,
    )
