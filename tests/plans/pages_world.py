"""A small organisation with a plan, one member per role and a neighbour, shared by the page, API,
publication and export tests. Everything is written through the services, as the pages would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from levier.organisations.models import Organisation, Service
from levier.organisations.roles import Role
from levier.plans import services
from levier.plans.models import Plan, PlannedPurchase

YEAR = 2027


@dataclass
class World:
    org: Organisation
    other: Organisation
    plan: Plan
    users: dict[str, object]
    directions: dict[str, Service]
    purchases: dict[str, PlannedPurchase] = field(default_factory=dict)
    secret: PlannedPurchase | None = None

    def user(self, role: str):
        return self.users[role]


def make_user(email: str, first: str = "", last: str = ""):
    # No password: the tests log in with force_login, and hashing with Argon2 would only slow them down.
    return get_user_model().objects.create(email=email, first_name=first, last_name=last)


@pytest.fixture
def world(make_org, member) -> World:
    org = make_org("ville-plan", "Ville du Plan")
    other = make_org("ville-voisine", "Ville Voisine")
    green = Service.objects.create(organisation=org, name="Direction des espaces verts", code="DEV")
    parks = Service.objects.create(organisation=org, name="Service des parcs", parent=green)
    works = Service.objects.create(organisation=org, name="Direction des bâtiments", code="DB")
    users = {}
    names = {
        Role.BUYER: ("Camille", "Achard"),
        Role.PRESCRIBER: ("Louis", "Prévost"),
        Role.FACILITATOR: ("Nadia", "Fauvel"),
        Role.STEWARD: ("Sophie", "Renaud"),
        Role.ADMIN: ("Alain", "Dumont"),
        Role.READER: ("Élise", "Lecomte"),
    }
    for role, (first, last) in names.items():
        users[role] = make_user(f"{role}@ville-plan.invalid", first, last)
        membership = member(users[role], org, role)
        if role == Role.PRESCRIBER:
            # The prescriber decides for the green spaces direction and the services below it.
            membership.service = green
            membership.save()
    buyer = users[Role.BUYER]
    plan = services.get_or_create_plan(buyer, org, YEAR)
    purchases = {
        "mowing": services.create_purchase(
            buyer, plan, reference="2027-001", object="Tonte et entretien des parcs municipaux",
            service=parks, nature="services", estimated_amount=Decimal("45000"), amount_basis="per_year",
            duration_months=36, launch_date=dt.date(YEAR, 3, 15), place="Valmont",
        ),
        "roof": services.create_purchase(
            buyer, plan, reference="2027-002", object="Réfection de la toiture du gymnase",
            service=works, nature="works", estimated_amount=Decimal("2500000"),
            amount_basis="whole_duration", duration_months=12, launch_date=dt.date(YEAR, 6, 1),
        ),
        "paper": services.create_purchase(
            buyer, plan, reference="2027-003", object="Fournitures de papier recyclé",
            service=green, nature="supplies", estimated_amount=Decimal("12000"),
            amount_basis="whole_duration", duration_months=12, launch_date=dt.date(YEAR, 3, 2),
        ),
        "undated": services.create_purchase(
            buyer, plan, reference="2027-004", object="Maintenance des horodateurs", nature="services",
        ),
    }  # fmt: skip
    other_buyer = make_user("acheteur@ville-voisine.invalid")
    member(other_buyer, other, Role.BUYER, Role.STEWARD, Role.FACILITATOR, Role.PRESCRIBER)
    other_plan = services.get_or_create_plan(other_buyer, other, YEAR)
    secret = services.create_purchase(
        other_buyer, other_plan, object="Marché confidentiel QX9-VOISINE", nature="services",
        estimated_amount=Decimal("90000"), amount_basis="whole_duration", reservation="L2113-13",
    )  # fmt: skip
    return World(org, other, plan, users, {"green": green, "parks": parks, "works": works}, purchases, secret)


def walk_to(purchase: PlannedPurchase, status: str, world: World, other_org: bool = False) -> PlannedPurchase:
    """Take the workflow steps that lead from "to screen" to `status`, each by a role allowed to."""
    from levier.plans.workflow import Status

    users = world.users
    steps = [
        ("propose", Role.FACILITATOR, Status.PROPOSED),
        ("validate", Role.PRESCRIBER, Status.VALIDATED),
        ("review", Role.STEWARD, Status.REVIEWED),
        ("launch", Role.BUYER, Status.IN_CONSULTATION),
        ("award", Role.BUYER, Status.AWARDED),
    ]
    targets = [target for _step, _role, target in steps]
    path = [(step, role) for step, role, _target in steps[: targets.index(status) + 1]]
    for step, role in path:
        actor = users[role]
        if other_org:
            actor = purchase.plan.organisation.memberships.first().user
        services.transition(actor, purchase, step, comment=f"étape {step}")
        purchase.refresh_from_db()
    return purchase
