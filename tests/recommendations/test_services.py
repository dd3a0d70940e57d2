"""Screening a purchase and a plan, and what people do with the answer, through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from levier.core.models import AuditEvent
from levier.organisations.roles import Role
from levier.plans.models import PlannedPurchase
from levier.recommendations import engine, services
from levier.recommendations.models import PurchaseScreening, ScreeningOverride

pytestmark = pytest.mark.django_db


def test_catering_is_screened_to_a_reservation_for_esat_and_ea(world):
    screening = services.screen_purchase(world.purchases["catering"])
    assert screening.option == "reserve_disability"
    assert sorted(screening.candidate_ids) == sorted(s.pk for s in world.structures["catering"])
    assert screening.result["options"][0]["factors"], "the recommendation says why"
    assert screening.compulsory  # 1 M€ of services after August 2026: L2112-2-1 applies
    assert screening.policy_version == 1 and screening.directory_version == engine.directory_version()


def test_the_stored_answer_is_reused_until_the_directory_changes(world, django_assert_max_num_queries):
    purchase = world.purchases["parks"]
    first = services.current_screening(purchase)
    assert first.option == "reserve_insertion"
    again = services.current_screening(purchase)
    assert again.computed_at == first.computed_at
    world.structures["parks"][0].delete()
    changed = services.current_screening(purchase)
    assert changed.computed_at > first.computed_at
    assert len(changed.candidate_ids) == 2


def test_the_index_is_built_once_while_the_directory_is_unchanged(world):
    engine.forget_index()
    index, _version = engine.directory_index()
    assert engine.directory_index()[0] is index
    world.structures["catering"][0].save()
    assert engine.directory_index()[0] is not index


def test_a_stricter_policy_changes_the_answer(world):
    purchase = world.purchases["parks"]
    assert services.screen_purchase(purchase).option == "reserve_insertion"
    services.update_policy(world.user(Role.ADMIN), world.org, min_candidates_to_reserve=5)
    screening = services.current_screening(purchase)
    assert screening.policy_version == 2
    assert not screening.option.startswith("reserve_")
    assert AuditEvent.objects.filter(action="screening.policy.update").exists()


def test_only_admins_and_stewards_change_the_policy(world):
    with pytest.raises(PermissionDenied):
        services.update_policy(world.user(Role.FACILITATOR), world.org, min_candidates_to_reserve=5)
    with pytest.raises(ValidationError):
        services.update_policy(world.user(Role.STEWARD), world.org, max_turnover_share=2)
    assert services.policy_of(world.org).version == 1


def test_the_facilitator_turns_an_option_into_a_proposal(world):
    purchase = world.purchases["catering"]
    services.propose(world.user(Role.FACILITATOR), purchase, "reserve_disability")
    purchase = PlannedPurchase.objects.get(pk=purchase.pk)
    assert purchase.status == "proposed" and purchase.reservation == "L2113-12"
    transition = purchase.transitions.get()
    assert "Réserver" in transition.comment or "réserv" in transition.comment.lower()


def test_a_clause_option_sets_the_clause(world):
    purchase = world.purchases["catering"]
    services.propose(world.user(Role.FACILITATOR), purchase, "clause")
    purchase = PlannedPurchase.objects.get(pk=purchase.pk)
    assert purchase.insertion_clause and not purchase.reservation


def test_only_the_facilitator_proposes(world):
    with pytest.raises(PermissionDenied):
        services.propose(world.user(Role.BUYER), world.purchases["catering"], "reserve_disability")
    with pytest.raises(ValidationError):
        services.propose(world.user(Role.FACILITATOR), world.purchases["catering"], "inconnue")
    assert PlannedPurchase.objects.get(pk=world.purchases["catering"].pk).status == "to_screen"


def test_overriding_needs_a_reason_and_is_audited(world):
    purchase = world.purchases["catering"]
    with pytest.raises(ValidationError):
        services.override(world.user(Role.FACILITATOR), purchase, "  ")
    with pytest.raises(PermissionDenied):
        services.override(world.user(Role.READER), purchase, "Pas d'accord")
    services.override(world.user(Role.FACILITATOR), purchase, "Les ESAT du secteur sont saturés en 2027.")
    found = ScreeningOverride.objects.get()
    assert found.option == "reserve_disability" and "saturés" in found.reason
    assert AuditEvent.objects.filter(action="screening.override").count() == 1


def test_candidates_become_a_sourcing_list_in_one_call(world):
    purchase = world.purchases["catering"]
    made = services.candidates_to_list(world.user(Role.BUYER), purchase, "reserve_disability")
    assert made.purchase_id == purchase.pk and made.organisation_id == world.org.pk
    assert sorted(made.entries.values_list("structure_id", flat=True)) == sorted(
        s.pk for s in world.structures["catering"]
    )
    with pytest.raises(PermissionDenied):
        services.candidates_to_list(world.user(Role.READER), purchase, "reserve_disability")


def test_an_option_without_candidates_makes_no_list(world):
    with pytest.raises(ValidationError):
        services.candidates_to_list(world.user(Role.BUYER), world.purchases["catering"], "reserve_insertion")


def test_screening_a_plan_screens_every_purchase_with_progress(world):
    seen = []
    count = services.screen_plan(world.plan, lambda done, total: seen.append((done, total)))
    assert count == 3 and seen[-1] == (3, 3)
    assert PurchaseScreening.objects.filter(organisation=world.org).count() == 3
