"""Workflow permissions: every step by every role, wrong statuses, reasons, and the service rule."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from levier.core.models import AuditEvent
from levier.organisations.models import Service
from levier.organisations.roles import Role
from levier.plans import services
from levier.plans.models import Plan, PlannedPurchase, Transition
from levier.plans.workflow import STEPS, Status, steps_from


def quick_user(email):
    # No password: hashing one (Argon2) for every user of every test would dominate the run.
    return get_user_model().objects.create(email=email)


@pytest.fixture
def city(make_org, member):
    org = make_org("ville-test", "Ville de Test")
    direction = Service.objects.create(organisation=org, name="Direction des espaces verts")
    parks = Service.objects.create(organisation=org, name="Parcs et jardins", parent=direction)
    schools = Service.objects.create(organisation=org, name="Direction de l'éducation")
    plan = Plan.objects.create(organisation=org, year=2027)
    users = {role: quick_user(f"{role}@exemple.invalid") for role in Role.values}
    for role, user in users.items():
        member(user, org, role)
    return {
        "org": org,
        "plan": plan,
        "users": users,
        "direction": direction,
        "parks": parks,
        "schools": schools,
    }


def _purchase(city, status, service=None, key="ref:1"):
    return PlannedPurchase.objects.create(
        plan=city["plan"],
        stable_key=key,
        object="Entretien des espaces verts",
        status=status,
        service=service,
    )


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.code)
def test_every_step_by_every_role(city, step, role):
    purchase = _purchase(city, step.source, city["parks"])
    user = city["users"][role]
    if role in step.roles:
        done = services.transition(user, purchase, step.code, comment="Vu en réunion", reason="Motif écrit")
        purchase.refresh_from_db()
        assert purchase.status == step.target
        assert (done.from_status, done.to_status, done.actor, done.comment) == (
            step.source,
            step.target,
            user,
            "Vu en réunion",
        )
        assert AuditEvent.objects.filter(
            action=f"plan.purchase.{step.code}", target_id=str(purchase.pk)
        ).exists()
    else:
        with pytest.raises(PermissionDenied, match="réservé au rôle"):
            services.transition(user, purchase, step.code, reason="Motif écrit")
        purchase.refresh_from_db()
        assert purchase.status == step.source
        assert not Transition.objects.exists()


@pytest.mark.parametrize("status", Status.values)
def test_steps_from_another_status_are_refused_in_french(city, status):
    purchase = _purchase(city, status)
    for step in STEPS:
        if step.source == status:
            continue
        user = city["users"][step.roles[0]]
        with pytest.raises(ValidationError, match="impossible depuis le statut"):
            services.transition(user, purchase, step.code, reason="x")
    purchase.refresh_from_db()
    assert purchase.status == status
    assert not Transition.objects.exists()


def test_refusing_needs_a_reason_and_keeps_it(city):
    purchase = _purchase(city, Status.PROPOSED)
    prescriber = city["users"][Role.PRESCRIBER]
    with pytest.raises(ValidationError, match="demande un motif"):
        services.transition(prescriber, purchase, "refuse", comment="Non", reason="  ")
    done = services.transition(prescriber, purchase, "refuse", reason="Le besoin est déjà couvert.")
    assert done.reason == "Le besoin est déjà couvert."
    assert PlannedPurchase.objects.get(pk=purchase.pk).status == Status.REFUSED


def test_prescriber_of_a_service_decides_only_for_its_purchases(city, member):
    bound = quick_user("prescripteur.ev@exemple.invalid")
    membership = member(bound, city["org"], Role.PRESCRIBER)
    membership.service = city["direction"]
    membership.save()
    in_sub_service = _purchase(city, Status.PROPOSED, city["parks"], "ref:a")
    elsewhere = _purchase(city, Status.PROPOSED, city["schools"], "ref:b")
    without_service = _purchase(city, Status.PROPOSED, None, "ref:c")

    assert [s.code for s in services.available_steps(bound, in_sub_service)] == ["validate", "refuse"]
    assert services.available_steps(bound, elsewhere) == []
    services.transition(bound, in_sub_service, "validate")
    for purchase in (elsewhere, without_service):
        with pytest.raises(PermissionDenied, match="ne relève pas de votre service"):
            services.transition(bound, purchase, "validate")
    # A prescriber without a service decides for the whole organisation.
    services.transition(city["users"][Role.PRESCRIBER], elsewhere, "validate")


def test_member_of_another_organisation_can_take_no_step(city, make_org, member):
    other = make_org("autre", "Autre")
    stranger = quick_user("etranger@exemple.invalid")
    member(stranger, other, *Role.values)
    purchase = _purchase(city, Status.TO_SCREEN)
    assert services.available_steps(stranger, purchase) == []
    with pytest.raises(PermissionDenied):
        services.transition(stranger, purchase, "propose")


def test_the_whole_journey_is_dated_history(city):
    users = city["users"]
    purchase = _purchase(city, Status.TO_SCREEN, city["parks"])
    journey = [
        ("propose", Role.FACILITATOR),
        ("refuse", Role.PRESCRIBER),
        ("propose_again", Role.FACILITATOR),
        ("validate", Role.PRESCRIBER),
        ("review", Role.STEWARD),
        ("launch", Role.BUYER),
        ("award", Role.BUYER),
        ("start", Role.BUYER),
        ("close", Role.BUYER),
    ]
    for code, role in journey:
        assert code in [s.code for s in services.available_steps(users[role], purchase)]
        services.transition(users[role], purchase, code, comment=f"étape {code}", reason="trop cher")
        purchase.refresh_from_db()
    assert purchase.status == Status.CLOSED
    history = list(purchase.transitions.all())
    assert [t.step for t in history] == [code for code, _ in journey]
    assert [t.at for t in history] == sorted(t.at for t in history)
    assert steps_from(Status.CLOSED) == []


def test_unknown_step_is_refused(city):
    purchase = _purchase(city, Status.TO_SCREEN)
    with pytest.raises(ValidationError, match="Étape inconnue"):
        services.transition(city["users"][Role.FACILITATOR], purchase, "teleport")
