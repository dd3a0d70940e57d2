"""The facilitator's workspace: clauses of every organisation where the user is an active facilitator, and
nothing of an organisation where they hold another role or left; what is due and what is late."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from levier.organisations.models import Membership
from levier.organisations.roles import Role
from levier.plans import services as plan_services
from tests.clauses import test_pages_world
from tests.clauses.test_pages_world import LINES_Q1, declare, make_clause, make_person

world = test_pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db


def clause_in(org, reference, *, start, end, facilitator):
    # The organisation's buyer writes the purchase and the clause, as on the pages.
    buyer = make_person(f"acheteur-{reference.lower()}@exemple.invalid")
    Membership.objects.create(user=buyer, organisation=org, roles=[Role.BUYER])
    plan = plan_services.get_or_create_plan(buyer, org, 2025)
    purchase = plan_services.create_purchase(
        buyer, plan, reference=reference, object=f"Travaux {reference}", nature="works"
    )
    return make_clause(buyer, purchase, facilitator=facilitator, start_date=start, end_date=end)


@pytest.fixture
def three_orgs(world, make_org, member):
    """Nadia facilitates for the world's organisation and a second one; in a third she is only a buyer, and
    a fourth she left."""
    nadia = world.user(Role.FACILITATOR)
    second = make_org("agglo-seconde", "Agglomération Seconde")
    third = make_org("departement-tiers", "Département Tiers")
    fourth = make_org("syndicat-ancien", "Syndicat Ancien")
    member(nadia, second, Role.FACILITATOR)
    member(nadia, third, Role.BUYER)
    left = member(nadia, fourth, Role.FACILITATOR)
    today = dt.date.today()
    # Second: a quarterly clause started a year ago and never declared: late.
    late = clause_in(
        second,
        "SEC-LATE",
        start=today - dt.timedelta(days=365),
        end=today + dt.timedelta(days=365),
        facilitator=nadia,
    )
    # Third and fourth hold clauses Nadia must not see.
    third_clause = clause_in(
        third, "QX8-TIERS", start=today, end=today + dt.timedelta(days=365), facilitator=nadia
    )
    fourth_clause = clause_in(
        fourth, "QX8-ANCIEN", start=today, end=today + dt.timedelta(days=365), facilitator=nadia
    )
    Membership.objects.filter(pk=left.pk).update(is_active=False)
    return {
        "second": second,
        "third": third,
        "late": late,
        "third_clause": third_clause,
        "fourth": fourth_clause,
    }


def test_the_workspace_spans_the_organisations_served_and_nothing_else(client, world, three_orgs):
    client.force_login(world.user(Role.FACILITATOR))
    body = client.get(reverse("facilitation:workspace")).content.decode()
    assert "Ville des Clauses" in body and "Agglomération Seconde" in body
    assert "2025-010" in body and "SEC-LATE" in body
    # (The header's organisation switcher names the organisations she belongs to; no clause of theirs shows.)
    assert "QX8-TIERS" not in body
    assert "QX8-ANCIEN" not in body and "Syndicat Ancien" not in body
    listed = body[body.index('id="ws-org"') : body.index("</select>", body.index('id="ws-org"'))]
    assert "Département Tiers" not in listed and "Agglomération Seconde" in listed
    # Hours by way over her clauses, drawn and tabled: 120 + 150 direct hire on the world's clause.
    assert 'id="heures-par-modalite"' in body
    ways = body[body.index('id="tableau-modalites"') :]
    assert re.search(r"Embauche directe</th><td[^>]*>270<", ways)
    late = body[body.index('id="en-retard"') : body.index('id="a-declarer"')]
    assert "SEC-LATE" in late
    # Filtered on one organisation; a slug she does not facilitate is not found.
    only = client.get(reverse("facilitation:workspace"), {"org": "agglo-seconde"}).content.decode()
    assert "SEC-LATE" in only and "2025-010" not in only
    assert client.get(reverse("facilitation:workspace"), {"org": "departement-tiers"}).status_code == 404


def test_a_clause_followed_by_someone_else_stays_out(client, world, three_orgs):
    nadia = world.user(Role.FACILITATOR)
    colleague = make_person("autre-facilitatrice@ville-clauses.invalid")
    Membership.objects.create(user=colleague, organisation=world.org, roles=[Role.FACILITATOR])
    theirs = clause_in(
        world.org,
        "QX8-COLLEGUE",
        start=dt.date(2025, 1, 1),
        end=dt.date(2026, 1, 1),
        facilitator=colleague,
    )
    declare(
        colleague, theirs, dt.date(2025, 1, 1), dt.date(2025, 3, 31), [{**LINES_Q1[0], "hours": Decimal("5")}]
    )
    client.force_login(nadia)
    assert "QX8-COLLEGUE" not in client.get(reverse("facilitation:workspace")).content.decode()
    client.force_login(colleague)
    assert "QX8-COLLEGUE" in client.get(reverse("facilitation:workspace")).content.decode()


@pytest.mark.parametrize("role", [Role.BUYER, Role.PRESCRIBER, Role.STEWARD, Role.ADMIN, Role.READER])
def test_members_who_do_not_facilitate_are_refused(client, world, role):
    client.force_login(world.user(role))
    assert client.get(reverse("facilitation:workspace")).status_code == 403
    assert client.get(reverse("facilitation:export")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("facilitation:workspace"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_the_clause_list_links_to_the_workspace_for_facilitators(client, world):
    client.force_login(world.user(Role.FACILITATOR))
    body = client.get(reverse("clauses:list", kwargs={"org": world.org.slug})).content.decode()
    assert re.search(r'href="/facilitation/"', body)
