"""The forecast against an independent computation, the alerts and the late declarations."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from levier.clauses import declarations, forecast, services
from levier.clauses.forecast import add_months, periods, project
from levier.organisations.roles import Role

from .world import insertion_clause, world_fixture  # noqa: F401


def independent(required, achieved, start, end, observed):
    """Written apart from the module: days counted with both ends, as a facilitator would on paper."""
    total = (end - start).days + 1
    elapsed = (observed - start).days + 1
    return required * elapsed / total, achieved * total / elapsed


def test_periods_cover_the_duration_without_gaps():
    found = periods(dt.date(2027, 1, 31), dt.date(2027, 12, 31), 1)
    assert found[0] == (dt.date(2027, 1, 31), dt.date(2027, 2, 27))
    assert found[-1][1] == dt.date(2027, 12, 31)
    for (_a, first_end), (second_start, _b) in itertools.pairwise(found):
        assert second_start == first_end + dt.timedelta(days=1)
    assert len(periods(dt.date(2027, 1, 1), dt.date(2028, 12, 31), 3)) == 8
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("required", "achieved", "declared_until", "on"),
    [
        (1000, Decimal("250"), dt.date(2027, 3, 31), dt.date(2027, 4, 10)),
        (680, Decimal("90.5"), dt.date(2027, 6, 30), dt.date(2027, 7, 2)),
        (1200, Decimal("800"), dt.date(2027, 9, 30), dt.date(2027, 10, 30)),
    ],
)
def test_projection_matches_an_independent_computation(required, achieved, declared_until, on):
    start, end = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
    found = project(
        required=required,
        achieved=achieved,
        start=start,
        end=end,
        frequency_months=3,
        declared_until=declared_until,
        on=on,
        threshold=Decimal("0.1"),
    )
    expected, projected = independent(required, float(achieved), start, end, declared_until)
    assert found.observed_until == declared_until
    assert float(found.expected_to_date) == pytest.approx(expected, abs=0.01)
    assert float(found.projected_at_end) == pytest.approx(projected, abs=0.01)
    assert found.behind == (float(achieved) < expected * 0.9)
    assert not found.late


def test_behind_gives_a_french_alert_with_the_figures():
    found = project(
        required=1000,
        achieved=Decimal("100"),
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
        frequency_months=3,
        declared_until=dt.date(2027, 6, 30),
        on=dt.date(2027, 7, 5),
        threshold=Decimal("0.1"),
    )
    assert found.behind
    # 1 000 h × 181 / 365 days = 495,89 h expected; 100 h × 365 / 181 = 201,66 h at this pace.
    assert "En retard : 100 h réalisées pour 495,89 h attendues au 30/06/2027" in found.alert
    assert "au rythme actuel, 202 h à la fin sur 1000 h exigées" in found.alert


def test_threshold_tolerates_a_small_gap():
    common = dict(
        required=1000,
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
        frequency_months=12,
        declared_until=dt.date(2027, 12, 31),
        on=dt.date(2028, 1, 5),
    )
    assert not project(achieved=Decimal("950"), threshold=Decimal("0.1"), **common).behind
    assert project(achieved=Decimal("950"), threshold=Decimal("0.01"), **common).behind


def test_a_due_period_not_declared_counts_as_zero_and_is_late():
    found = project(
        required=1200,
        achieved=Decimal("300"),
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
        frequency_months=3,
        declared_until=dt.date(2027, 3, 31),
        on=dt.date(2027, 7, 15),
        threshold=Decimal("0.1"),
    )
    assert found.late and found.observed_until == dt.date(2027, 6, 30)
    assert found.next_due == dt.date(2027, 6, 30)
    assert (
        "Déclaration manquante : la période du 01/04/2027 au 30/06/2027 n'a pas été déclarée." in found.alert
    )
    assert found.missing == ((dt.date(2027, 4, 1), dt.date(2027, 6, 30)),)
    nothing = project(
        required=1200,
        achieved=Decimal(0),
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
        frequency_months=3,
        declared_until=None,
        on=dt.date(2027, 2, 1),
        threshold=Decimal("0.1"),
    )
    assert nothing.projected_at_end is None and not nothing.behind and not nothing.late


def test_progress_reads_the_declarations_and_many_agrees_with_one(world):
    facilitator = world["users"][Role.FACILITATOR]
    viewer = world["memberships"][Role.FACILITATOR]
    clause = insertion_clause(world, hours_required=1000, hours_override_reason="Objectif du quartier")
    base = {"age_band": "under_26", "sex": "F", "eligibility": "youth", "contract_type": "cddi"}
    for month, hours in ((1, 60), (2, 70), (3, 80)):
        declarations.record_declaration(
            facilitator,
            viewer,
            clause,
            period_start=dt.date(2027, month, 1),
            period_end=add_months(dt.date(2027, month, 1), 1) - dt.timedelta(days=1),
            lines=[{"code": "P-01", "way": "direct_hire", "hours": hours, **base}],
        )
    one = forecast.progress(clause, on=dt.date(2027, 4, 5))
    assert one.achieved == Decimal("210")
    expected, projected = independent(
        1000, 210, dt.date(2027, 1, 1), dt.date(2027, 12, 31), dt.date(2027, 3, 31)
    )
    assert float(one.projected_at_end) == pytest.approx(projected, abs=0.01)
    assert one.behind == (expected * 0.9 > 210)
    many = forecast.progress_many([clause], on=dt.date(2027, 4, 5))
    assert many[clause.pk] == one


def test_alerts_list_the_clause_behind(world, capsys):
    facilitator = world["users"][Role.FACILITATOR]
    clause = insertion_clause(world, hours_required=1200, hours_override_reason="Objectif")
    services.activate_clause(facilitator, clause)
    assert forecast.alerts([clause], on=dt.date(2027, 3, 15)) == []  # nothing due yet
    declarations.record_declaration(
        facilitator,
        world["memberships"][Role.FACILITATOR],
        clause,
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 3, 31),
        lines=[{"code": "P-9", "way": "direct_hire", "hours": 40, "age_band": "26_49", "sex": "M",
                "eligibility": "rsa", "contract_type": "cdi"}],
    )  # fmt: skip
    ((flagged, found),) = forecast.alerts([clause], on=dt.date(2027, 4, 2))
    assert flagged == clause and found.behind


def test_a_gap_in_the_middle_is_late_and_each_missing_period_is_named():
    common = dict(
        required=1200,
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
        frequency_months=3,
        on=dt.date(2027, 10, 15),
        threshold=Decimal("0.1"),
    )
    # Q1 and Q3 declared, Q2 forgotten: the last declared period is the last due one, yet Q2 is missing.
    declared = [(dt.date(2027, 1, 1), dt.date(2027, 3, 31)), (dt.date(2027, 7, 1), dt.date(2027, 9, 30))]
    found = project(achieved=Decimal("600"), declared_until=dt.date(2027, 9, 30), declared=declared, **common)
    assert found.late and found.missing == ((dt.date(2027, 4, 1), dt.date(2027, 6, 30)),)
    assert "la période du 01/04/2027 au 30/06/2027 n'a pas été déclarée" in found.alert
    # Monthly declarations of a quarterly schedule cover it; nothing declared lists every due quarter.
    monthly = [
        (dt.date(2027, m, 1), add_months(dt.date(2027, m, 1), 1) - dt.timedelta(days=1)) for m in range(1, 10)
    ]
    assert not project(
        achieved=Decimal("900"), declared_until=dt.date(2027, 9, 30), declared=monthly, **common
    ).late
    none = project(achieved=Decimal(0), declared_until=None, declared=[], **common)
    assert [first.month for first, _last in none.missing] == [1, 4, 7]
    assert "Déclarations manquantes (3 périodes) : du 01/01/2027 au 31/03/2027, du 01/04/2027" in none.alert
    assert none.to_dict()["missing"][1] == {"start": "2027-04-01", "end": "2027-06-30"}


def test_progress_names_the_forgotten_period_from_the_database(world):
    facilitator = world["users"][Role.FACILITATOR]
    viewer = world["memberships"][Role.FACILITATOR]
    clause = insertion_clause(
        world,
        hours_required=1000,
        hours_override_reason="Objectif du quartier",
        reporting_frequency="monthly",
    )
    base = {"age_band": "under_26", "sex": "F", "eligibility": "youth", "contract_type": "cddi"}
    for month in (1, 3):
        declarations.record_declaration(
            facilitator,
            viewer,
            clause,
            period_start=dt.date(2027, month, 1),
            period_end=add_months(dt.date(2027, month, 1), 1) - dt.timedelta(days=1),
            lines=[{"code": "P-01", "way": "direct_hire", "hours": 80, **base}],
        )
    one = forecast.progress(clause, on=dt.date(2027, 4, 5))
    assert one.late and one.missing == ((dt.date(2027, 2, 1), dt.date(2027, 2, 28)),)
    assert forecast.progress_many([clause], on=dt.date(2027, 4, 5))[clause.pk] == one
