"""A city with one member per role, a plan of three purchases, and a small directory around Lyon:
four ESAT/EA in collective catering, three SIAE in green-space upkeep. Written through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from levier.directory.models import Structure, StructureKind, StructureSector
from levier.organisations.models import Organisation
from levier.organisations.roles import Role
from levier.plans import services as plan_services
from levier.plans.models import Plan, PlannedPurchase

LYON = (45.764, 4.836)


@dataclass
class World:
    org: Organisation
    other: Organisation
    plan: Plan
    users: dict[str, object]
    purchases: dict[str, PlannedPurchase] = field(default_factory=dict)
    structures: dict[str, list[Structure]] = field(default_factory=dict)

    def user(self, role: str):
        return self.users[role]


def add_structure(name: str, kind: str, sector: str, *, turnover: int = 2_000_000, lat=LYON[0], lon=LYON[1]):
    structure = Structure.objects.create(
        name=name,
        departement="69",
        lat=lat,
        lon=lon,
        area_kind="radius",
        area_radius_km=40,
        turnover=turnover,
        turnover_basis="declared",
    )
    StructureKind.of(structure, kind, "manual").save()
    StructureSector.of(structure, sector, "manual").save()
    return structure


@pytest.fixture
def world(make_org, member) -> World:
    org = make_org("ville-crible", "Ville du Crible")
    other = make_org("ville-voisine", "Ville Voisine")
    users = {}
    for role in (Role.BUYER, Role.PRESCRIBER, Role.FACILITATOR, Role.STEWARD, Role.ADMIN, Role.READER):
        users[role] = get_user_model().objects.create(email=f"{role}@ville-crible.invalid", first_name=role)
        member(users[role], org, role)
    users["outsider"] = get_user_model().objects.create(email="facilitateur@ville-voisine.invalid")
    member(users["outsider"], other, Role.FACILITATOR, Role.BUYER, Role.ADMIN)
    buyer = users[Role.BUYER]
    plan = plan_services.get_or_create_plan(buyer, org, 2027)
    common = dict(nature="services", amount_basis="per_year", launch_date=dt.date(2027, 3, 1), place="Rhône")
    purchases = {
        "catering": plan_services.create_purchase(
            buyer,
            plan,
            reference="C-1",
            object="Restauration collective des crèches",
            cpv="55523100",
            estimated_amount=Decimal("250000"),
            duration_months=48,
            **common,
        ),
        "parks": plan_services.create_purchase(
            buyer,
            plan,
            reference="C-2",
            object="Entretien des espaces verts des parcs",
            cpv="77310000",
            estimated_amount=Decimal("120000"),
            duration_months=36,
            **common,
        ),
        "studies": plan_services.create_purchase(
            buyer,
            plan,
            reference="C-3",
            object="Étude de mobilité",
            cpv="71311210",
            estimated_amount=Decimal("30000"),
            duration_months=12,
            **common,
        ),
    }
    structures = {
        "catering": [
            add_structure(
                f"{'ESAT' if i % 2 else 'EA'} Cuisine {i}",
                "ESAT" if i % 2 else "EA",
                "restauration-collective",
            )
            for i in range(1, 5)
        ],
        "parks": [add_structure(f"ACI Jardins {i}", "ACI", "espaces-verts-entretien") for i in range(1, 4)],
    }
    return World(org, other, plan, users, purchases, structures)
