"""The organisation's own labour share for a sector: set and taken back through the service (checked,
audited, the policy version bumped), used by the screening's hours and by clauses, edited on the policy
page by the roles that change the policy."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from levier.core.models import AuditEvent
from levier.organisations.roles import Role
from levier.recommendations import engine, selectors, services
from levier.recommendations.models import LabourShare
from levier.rules.sectors import load_taxonomy

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SECTOR = "espaces-verts-entretien"


def test_an_own_share_is_checked_audited_and_reaches_the_engine(world):
    steward = world.user(Role.STEWARD)
    reference = load_taxonomy().get(SECTOR).labour_share
    before = services.policy_of(world.org).version
    services.set_labour_share(steward, world.org, SECTOR, Decimal("0.9"), "Bilans 2025 : tonte manuelle.")
    assert selectors.labour_shares_of(world.org) == {SECTOR: 0.9}
    assert selectors.labour_shares_of(world.other) == {}
    policy = services.policy_of(world.org)
    assert policy.version == before + 1
    assert engine.engine_policy(policy, world.org, selectors.labour_shares_of(world.org)).labour_shares == {
        SECTOR: 0.9
    }
    event = AuditEvent.objects.get(action="screening.labour_share.set")
    assert event.details["changes"]["share"] == [str(reference), "0.9"]

    services.set_labour_share(steward, world.org, SECTOR, "0.8", "Bilans 2026.")
    assert LabourShare.objects.get(organisation=world.org).share == Decimal("0.8")

    services.remove_labour_share(steward, world.org, SECTOR)
    assert selectors.labour_shares_of(world.org) == {}
    assert AuditEvent.objects.filter(action="screening.labour_share.remove").count() == 1
    with pytest.raises(ValidationError):
        services.remove_labour_share(steward, world.org, SECTOR)


@pytest.mark.parametrize(
    ("sector", "share", "reason", "field"),
    [
        ("inconnu", "0.5", "Une raison.", "sector"),
        (SECTOR, "0", "Une raison.", "share"),
        (SECTOR, "1.5", "Une raison.", "share"),
        (SECTOR, "beaucoup", "Une raison.", "share"),
        (SECTOR, "0.5", "  ", "reason"),
    ],
)
def test_bad_values_are_refused_in_french_and_change_nothing(world, sector, share, reason, field):
    with pytest.raises(ValidationError) as error:
        services.set_labour_share(world.user(Role.ADMIN), world.org, sector, share, reason)
    assert field in error.value.message_dict
    assert not LabourShare.objects.exists()
    assert services.policy_of(world.org).version == 1


@pytest.mark.parametrize("role", [Role.BUYER, Role.FACILITATOR, Role.PRESCRIBER, Role.READER])
def test_only_the_policy_roles_set_a_share(world, role):
    with pytest.raises(PermissionDenied):
        services.set_labour_share(world.user(role), world.org, SECTOR, "0.9", "Une raison.")
    with pytest.raises(PermissionDenied):
        services.set_labour_share(world.user("outsider"), world.org, SECTOR, "0.9", "Une raison.")


def test_the_screening_hours_follow_the_own_share(world):
    parks = world.purchases["parks"]
    reference = load_taxonomy().get(SECTOR).labour_share
    before = services.screen_purchase(parks)
    assert before.hours
    services.set_labour_share(world.user(Role.STEWARD), world.org, SECTOR, Decimal("0.9"), "Bilans 2025.")
    after = services.current_screening(parks)
    assert after.policy_version == services.policy_of(world.org).version
    # Hours are proportional to the labour share (up to the rounding of each figure).
    assert after.hours == pytest.approx(before.hours * 0.9 / reference, rel=0.02)
    assert after.hours > before.hours


def test_the_policy_page_lists_sets_and_takes_back_a_share(world, client, settings):
    settings.TASKS = IMMEDIATE
    page = reverse("recommendations:policy", kwargs={"org": world.org.slug})
    target = reverse("recommendations:labour_shares", kwargs={"org": world.org.slug})
    client.force_login(world.user(Role.STEWARD))
    assert "Aucune part propre" in client.get(page).content.decode()

    refused = client.post(target, {"sector": SECTOR, "share": "1,5", "reason": ""})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Justification" in text and "fr-input-group--error" in text
    assert not LabourShare.objects.exists()

    done = client.post(target, {"sector": SECTOR, "share": "0,9", "reason": "Bilans 2025 : tonte manuelle."})
    assert done.status_code == 302
    text = client.get(page).content.decode()
    assert "Bilans 2025 : tonte manuelle." in text and "90 %" in text and "65 %" in text

    assert client.post(target, {"remove": SECTOR}).status_code == 302
    assert not LabourShare.objects.exists()


def test_other_roles_see_the_shares_but_cannot_post(world, client):
    services.set_labour_share(world.user(Role.ADMIN), world.org, SECTOR, "0.9", "Bilans 2025.")
    client.force_login(world.user(Role.BUYER))
    text = client.get(reverse("recommendations:policy", kwargs={"org": world.org.slug})).content.decode()
    assert "Bilans 2025." in text and "Revenir à la référence" not in text
    target = reverse("recommendations:labour_shares", kwargs={"org": world.org.slug})
    assert client.post(target, {"remove": SECTOR}).status_code == 403
    assert LabourShare.objects.count() == 1


def test_the_api_shows_the_own_shares_with_the_policy(world, client):
    services.set_labour_share(world.user(Role.ADMIN), world.org, SECTOR, "0.9", "Bilans 2025.")
    client.force_login(world.user(Role.READER))
    found = client.get(f"/api/v1/orgs/{world.org.slug}/screening-policy").json()
    assert found["labour_shares"] == {SECTOR: 0.9}
    assert found["version"] == 2
