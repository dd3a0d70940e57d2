"""The demo plans: every workflow status with its history, publications, contracts ending soon; idempotent."""

import datetime as dt

import pytest

from levier.core.demo import load_demo
from levier.plans.models import Lot, PlannedPurchase, Transition
from levier.plans.workflow import Status


@pytest.mark.django_db
def test_demo_plans_cover_the_workflow_and_load_once(monkeypatch):
    # Only this app's step: the others are tested by their own apps.
    monkeypatch.setattr("levier.core.demo.DEMO_STEPS", ["levier.plans.demo.seed"])
    first = load_demo()
    assert first["achats prévus créés"] == PlannedPurchase.objects.count() >= 45
    valmont = PlannedPurchase.objects.filter(plan__organisation__slug="ville-de-valmont", plan__year=2027)
    assert 38 <= valmont.count() <= 42
    assert set(valmont.values_list("status", flat=True)) == set(Status.values)
    refused = valmont.get(status=Status.REFUSED)
    assert refused.transitions.last().reason
    for purchase in valmont.exclude(status=Status.TO_SCREEN):
        assert purchase.transitions.last().to_status == purchase.status
    assert (
        PlannedPurchase.objects.published().filter(plan__organisation__slug="ville-de-valmont").count() >= 5
    )
    soon = dt.date.today() + dt.timedelta(days=190)
    assert valmont.filter(current_contract_end__lte=soon).count() >= 5
    assert Lot.objects.filter(purchase__in=valmont).count() >= 8
    assert valmont.exclude(procedure="").count() == valmont.count()
    counts = (PlannedPurchase.objects.count(), Transition.objects.count(), Lot.objects.count())
    second = load_demo()
    assert second["achats prévus créés"] == 0
    assert (PlannedPurchase.objects.count(), Transition.objects.count(), Lot.objects.count()) == counts
