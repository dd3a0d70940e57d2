"""The demo clauses: on track, behind with an alert, closed with its report, inclusive holders; idempotent."""

import pytest

from levier.clauses.forecast import progress
from levier.clauses.models import AwardHolder, Clause, ClauseKind, ClauseStatus, DeclarationLine, Participant
from levier.core.demo import load_demo


@pytest.mark.django_db
def test_demo_clauses_show_every_state_and_load_once(monkeypatch):
    monkeypatch.setattr(
        "levier.core.demo.DEMO_STEPS",
        ["levier.plans.demo.seed", "levier.directory.demo.seed", "levier.clauses.demo.seed"],
    )
    first = load_demo()
    assert first["clauses créées"] == Clause.objects.count() >= 6
    assert {ClauseKind.EXECUTION_CONDITION, ClauseKind.AWARD_CRITERION, ClauseKind.RESERVED} == set(
        Clause.objects.values_list("kind", flat=True)
    )
    active = Clause.objects.filter(status=ClauseStatus.ACTIVE)
    states = [progress(clause) for clause in active]
    assert sum(1 for found in states if found.behind) == first["clauses en retard"] == 1
    assert sum(1 for found in states if not found.behind and found.achieved > 0) >= 2
    behind = next(found for found in states if found.behind)
    assert behind.alert.startswith("En retard")
    # Its holder never declared the second quarter: the period is named.
    assert len(behind.missing) == first["déclarations manquantes"] == 1
    assert "Déclaration manquante : la période du " in behind.alert
    closed = Clause.objects.get(status=ClauseStatus.CLOSED)
    assert closed.final_report["achieved"] >= closed.final_report["required"] > 0
    assert closed.final_report["participants"] > 0 and closed.final_report["hours_by_way"]
    assert AwardHolder.objects.filter(inclusive=True, structure__isnull=False).count() >= 3
    assert AwardHolder.objects.filter(inclusive=False).exists()
    assert not Participant.objects.exclude(first_name="", last_name="").exists()
    counts = (Clause.objects.count(), DeclarationLine.objects.count(), Participant.objects.count())
    second = load_demo()
    assert second["clauses créées"] == 0
    assert (Clause.objects.count(), DeclarationLine.objects.count(), Participant.objects.count()) == counts
