"""Clause writes: hours from the rules core, overrides with a reason, checks, audit, closing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from levier.clauses import services
from levier.clauses.models import ClauseKind, ClauseStatus, Eligibility, Way
from levier.core.models import AuditEvent
from levier.organisations.roles import Role
from levier.rules import hours as rules_hours
from levier.rules.sectors import load_taxonomy

from .world import world_fixture  # noqa: F401


def test_hours_come_from_the_rules_core_with_the_sector_of_the_cpv(world):
    facilitator = world["users"][Role.FACILITATOR]
    clause = services.create_clause(
        facilitator, world["purchase"], kind=ClauseKind.EXECUTION_CONDITION, start_date=dt.date(2027, 6, 1)
    )
    share = load_taxonomy().sectors_for_cpv("90910000")[0].sector.labour_share
    expected = rules_hours.insertion_hours(world["purchase"].total_amount, share, on=dt.date(2027, 6, 1))
    assert clause.hours_computed == clause.hours_required == expected.hours
    # 480 000 € × 85 % × 5 % ÷ 30 €/h = 680 h with the shipped defaults.
    assert expected.hours == round(480_000 * share * 0.05 / 30)
    assert clause.hours_explanation == expected.explanation
    assert not clause.hours_overridden
    assert set(clause.accepted_ways) == set(Way.values)
    assert set(clause.eligible_publics) == set(Eligibility.values)
    event = AuditEvent.objects.get(action="clauses.clause.create")
    assert event.details["hours_required"] == expected.hours


def test_lot_clause_uses_the_lot_amount_and_taken_over_staff_reduce_hours(world):
    user = world["users"][Role.FACILITATOR]
    lot_clause = services.create_clause(
        user, world["purchase"], kind=ClauseKind.EXECUTION_CONDITION, lot=world["lot"]
    )
    whole = services.create_clause(user, world["purchase"], kind=ClauseKind.EXECUTION_CONDITION)
    share = load_taxonomy().sectors_for_cpv("90910000")[0].sector.labour_share
    assert world["lot"].total_amount != world["purchase"].total_amount
    assert lot_clause.hours_required == rules_hours.insertion_hours(world["lot"].total_amount, share).hours
    reduced = services.create_clause(
        user, world["purchase"], kind=ClauseKind.EXECUTION_CONDITION, taken_over_share=Decimal("0.5")
    )
    exact = world["purchase"].total_amount * Decimal(str(share)) * Decimal("0.5") * Decimal("0.05") / 30
    assert reduced.hours_required == rules_hours.round_hours(exact) < whole.hours_required


def test_override_needs_a_reason_and_is_kept_and_audited(world):
    user = world["users"][Role.FACILITATOR]
    clause = services.create_clause(user, world["purchase"], kind=ClauseKind.EXECUTION_CONDITION)
    computed = clause.hours_computed
    with pytest.raises(services.ClauseError) as refused:
        services.update_clause(user, clause, hours_required=computed + 100)
    assert refused.value.field == "hours_override_reason"
    assert "Motif" in refused.value.message
    clause.refresh_from_db()
    assert clause.hours_required == computed
    services.update_clause(
        user, clause, hours_required=computed + 100, hours_override_reason="Chantier ANRU : 10 %"
    )
    clause.refresh_from_db()
    assert clause.hours_required == computed + 100 and clause.hours_overridden
    # An unrelated edit keeps the override and its reason.
    services.update_clause(user, clause, penalty_per_hour=Decimal("30"))
    clause.refresh_from_db()
    assert clause.hours_required == computed + 100
    assert clause.hours_override_reason == "Chantier ANRU : 10 %"
    # Changing an input of the calculation follows the new computed figure.
    services.update_clause(user, clause, insertion_rate=Decimal("0.08"))
    clause.refresh_from_db()
    assert clause.hours_required == clause.hours_computed > computed
    changes = AuditEvent.objects.filter(action="clauses.clause.update").order_by("pk")
    assert changes[0].details["changes"]["hours_required"] == [str(computed), str(computed + 100)]


def test_reservation_needs_its_article_and_has_no_hours(world):
    user = world["users"][Role.BUYER]
    with pytest.raises(services.ClauseError) as refused:
        services.create_clause(user, world["purchase"], kind=ClauseKind.RESERVED)
    assert refused.value.field == "article"
    clause = services.create_clause(user, world["purchase"], kind=ClauseKind.RESERVED, article="L2113-13")
    assert clause.hours_required is None and not clause.is_insertion
    with pytest.raises(services.ClauseError):
        services.create_clause(
            user, world["purchase"], kind=ClauseKind.EXECUTION_CONDITION, article="L2113-12"
        )


def test_checks_dates_ways_and_lot_of_another_purchase(world, make_org):
    user = world["users"][Role.FACILITATOR]
    with pytest.raises(services.ClauseError) as refused:
        services.create_clause(
            user,
            world["purchase"],
            kind=ClauseKind.EXECUTION_CONDITION,
            start_date=dt.date(2027, 6, 1),
            end_date=dt.date(2027, 1, 1),
        )
    assert refused.value.field == "end_date"
    with pytest.raises(services.ClauseError):
        services.create_clause(
            user, world["purchase"], kind=ClauseKind.EXECUTION_CONDITION, accepted_ways=["vol"]
        )


def test_activate_and_close_keeps_a_final_report(world):
    user = world["users"][Role.FACILITATOR]
    clause = services.create_clause(user, world["purchase"], kind=ClauseKind.EXECUTION_CONDITION)
    with pytest.raises(services.ClauseError):
        services.activate_clause(user, clause)
    services.update_clause(user, clause, start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 12, 31))
    services.activate_clause(user, clause)
    services.close_clause(user, clause, on=dt.date(2028, 1, 15))
    clause.refresh_from_db()
    assert clause.status == ClauseStatus.CLOSED
    assert clause.final_report["required"] == clause.hours_required
    assert clause.final_report["achieved"] == 0
    assert clause.final_report["met"] is False
    with pytest.raises(services.ClauseError):
        services.update_clause(user, clause, penalty_per_hour=Decimal("10"))


def test_settings_are_checked_and_audited(world):
    admin = world["users"][Role.ADMIN]
    with pytest.raises(services.ClauseError):
        services.update_settings(admin, world["org"], alert_threshold=Decimal("1.5"))
    done = services.update_settings(admin, world["org"], retention_months=24, names_allowed=True)
    assert done.retention_months == 24 and done.names_allowed
    assert AuditEvent.objects.filter(action="clauses.settings.update").count() == 1


@pytest.mark.parametrize("role", [Role.READER, Role.PRESCRIBER, Role.STEWARD])
def test_roles_that_do_not_write_clauses_are_refused(world, role):
    with pytest.raises(PermissionDenied):
        services.create_clause(world["users"][role], world["purchase"], kind=ClauseKind.EXECUTION_CONDITION)
    with pytest.raises(PermissionDenied):
        services.update_settings(world["users"][Role.FACILITATOR], world["org"], names_allowed=True)
    assert not AuditEvent.objects.filter(action__startswith="clauses.").exists()


def test_the_organisation_s_own_rate_and_cost_come_before_the_defaults(world):
    from levier.recommendations.models import ScreeningPolicy

    ScreeningPolicy.objects.create(
        organisation=world["org"], insertion_rate=Decimal("0.08"), hourly_cost=Decimal("25")
    )
    clause = services.create_clause(
        world["users"][Role.FACILITATOR], world["purchase"], kind=ClauseKind.EXECUTION_CONDITION
    )
    share = load_taxonomy().sectors_for_cpv("90910000")[0].sector.labour_share
    assert (
        clause.hours_required
        == rules_hours.insertion_hours(world["purchase"].total_amount, share, 0.08, 25).hours
    )
    own = services.create_clause(
        world["users"][Role.FACILITATOR],
        world["purchase"],
        kind=ClauseKind.EXECUTION_CONDITION,
        hourly_cost=30,
    )
    assert (
        own.hours_required
        == rules_hours.insertion_hours(world["purchase"].total_amount, share, 0.08, 30).hours
    )


def test_the_organisation_s_own_labour_share_comes_before_the_sector_s(world):
    from levier.recommendations import services as screening_services

    sector = load_taxonomy().sectors_for_cpv("90910000")[0].sector
    screening_services.set_labour_share(
        world["users"][Role.ADMIN], world["org"], sector.code, Decimal("0.5"), "Décomposition des prix 2026."
    )
    clause = services.create_clause(
        world["users"][Role.FACILITATOR], world["purchase"], kind=ClauseKind.EXECUTION_CONDITION
    )
    assert clause.hours_required == rules_hours.insertion_hours(world["purchase"].total_amount, 0.5).hours
    result = services.compute_hours(clause)
    assert result.sources["labour_share"] == f"part propre à l'organisation pour le secteur {sector.code}"
    assert result.sector == sector.code
