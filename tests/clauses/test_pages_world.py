"""A small organisation with a purchase, one member per role, a clause under way with two declarations, and
a neighbour; shared by the page, API, workspace and export tests. Everything is written through the services,
as the pages would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from levier.clauses import declarations, services
from levier.clauses.models import Clause, ClauseKind
from levier.core.tenancy import resolve_tenant
from levier.organisations.models import Membership, Organisation
from levier.organisations.roles import Role
from levier.plans import services as plan_services

YEAR = 2025
START, END = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
SECRET = "QX5-CLAUSE-VOISINE"


@dataclass
class World:
    org: Organisation
    other: Organisation
    users: dict[str, object]
    clause: Clause
    purchase: object
    other_clause: Clause | None = None
    extra: dict = field(default_factory=dict)

    def user(self, role: str):
        return self.users[role]


def make_person(email: str, first: str = "", last: str = ""):
    # No password: the tests log in with force_login (Argon2 hashing would only slow them down).
    return get_user_model().objects.create(email=email, first_name=first, last_name=last)


LINES_Q1 = [
    {
        "code": "P-001",
        "way": "direct_hire",
        "hours": Decimal("120"),
        "age_band": "under_26",
        "sex": "F",
        "eligibility": "youth",
        "qualification": "3",
        "qpv": True,
        "contract_type": "cdd",
        "contract_months": 6,
        "referring_body": "mission_locale",
    },
    {
        "code": "P-002",
        "way": "etti",
        "hours": Decimal("80.5"),
        "age_band": "50_plus",
        "sex": "M",
        "eligibility": "long_term_jobseeker",
        "qualification": "none",
        "qpv": False,
        "contract_type": "ctti",
        "contract_months": 3,
        "referring_body": "france_travail",
    },
]
LINES_Q2 = [
    {"code": "P-001", "way": "direct_hire", "hours": Decimal("150")},
    {
        "code": "P-003",
        "way": "geiq_provision",
        "hours": Decimal("60"),
        "age_band": "26_49",
        "sex": "F",
        "eligibility": "rsa",
        "qpv": True,
        "contract_type": "professionnalisation",
        "contract_months": 14,
        "referring_body": "plie",
    },
]


def declare(user, clause, start, end, lines):
    membership = Membership.objects.get(user=user, organisation=clause.organisation)
    return declarations.record_declaration(
        user, membership, clause, period_start=start, period_end=end, lines=[dict(line) for line in lines]
    )


def make_clause(user, purchase, **fields) -> Clause:
    values = {
        "kind": ClauseKind.EXECUTION_CONDITION,
        "amount_ht": Decimal("1000000"),
        "labour_share": Decimal("0.5"),
        "insertion_rate": Decimal("0.05"),
        "hourly_cost": Decimal("30"),
        "start_date": START,
        "end_date": END,
        "reporting_frequency": "quarterly",
        **fields,
    }
    clause = services.create_clause(user, purchase, **values)
    return services.activate_clause(user, clause)


@pytest.fixture
def world(make_org, member) -> World:
    org = make_org("ville-clauses", "Ville des Clauses")
    other = make_org("ville-voisine", "Ville Voisine")
    users = {}
    for role in Role.values:
        users[role] = make_person(f"{role}@ville-clauses.invalid", "Prénom", role.title())
        member(users[role], org, role)
    buyer, facilitator = users[Role.BUYER], users[Role.FACILITATOR]
    plan = plan_services.get_or_create_plan(buyer, org, YEAR)
    purchase = plan_services.create_purchase(
        buyer,
        plan,
        reference="2025-010",
        object="Réhabilitation du groupe scolaire Jean-Jaurès",
        nature="works",
        estimated_amount=Decimal("1000000"),
        amount_basis="whole_duration",
        duration_months=24,
    )
    clause = make_clause(buyer, purchase, facilitator=facilitator)
    declare(facilitator, clause, dt.date(2025, 1, 1), dt.date(2025, 3, 31), LINES_Q1)
    declare(facilitator, clause, dt.date(2025, 4, 1), dt.date(2025, 6, 30), LINES_Q2)

    other_buyer = make_person("buyer@ville-voisine.invalid")
    member(other_buyer, other, Role.BUYER, Role.FACILITATOR)
    other_plan = plan_services.get_or_create_plan(other_buyer, other, YEAR)
    other_purchase = plan_services.create_purchase(
        other_buyer, other_plan, reference=SECRET, object=f"Marché confidentiel {SECRET}", nature="works"
    )
    other_clause = make_clause(other_buyer, other_purchase, facilitator=other_buyer)
    declare(
        other_buyer,
        other_clause,
        dt.date(2025, 1, 1),
        dt.date(2025, 3, 31),
        [{**LINES_Q1[0], "code": "SECRET-9", "hours": Decimal("999")}],
    )
    assert resolve_tenant(facilitator, org.slug).has_role(Role.FACILITATOR)
    return World(
        org=org, other=other, users=users, clause=clause, purchase=purchase, other_clause=other_clause
    )


pytestmark = pytest.mark.django_db


def test_the_world_holds_what_the_tests_count_on(world):
    # 120 + 80.5 + 150 + 60 declared on the clause: 1,000,000 × 50 % × 5 % ÷ 30 = 833 hours required.
    assert world.clause.hours_required == 833
    assert world.clause.declarations.count() == 2
