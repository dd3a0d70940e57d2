"""Large plan files go through the task worker: preview then commit, with a status the page polls."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from levier.organisations.roles import Role
from levier.plans.importing_tasks import start_commit, start_preview
from levier.plans.models import ImportStatus, PlanImport, PlannedPurchase
from tests.ingest.plan_factory import xlsx_bytes

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def city(make_org, member, settings):
    settings.TASKS = IMMEDIATE
    org = make_org("ville-taches", "Ville des Tâches")
    buyer = get_user_model().objects.create(email="acheteur@exemple.invalid")
    member(buyer, org, Role.BUYER)
    return org, buyer


def test_preview_then_commit_by_the_worker(city, django_capture_on_commit_callbacks):
    org, buyer = city
    rows = [["Réf.", "Objet", "Montant total HT"]] + [
        [f"T-{n}", f"Achat numéro {n}", "1 000 €"] for n in range(250)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        queued = start_preview(buyer, org, xlsx_bytes(rows), "gros.xlsx", 2027)
    assert queued.status == ImportStatus.QUEUED
    previewed = PlanImport.objects.get(pk=queued.pk)
    assert previewed.status == ImportStatus.PREVIEWED and previewed.created == 250
    assert previewed.progress == previewed.total == 250
    assert not PlannedPurchase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        start_commit(buyer, previewed)
    done = PlanImport.objects.get(pk=queued.pk)
    assert done.status == ImportStatus.COMMITTED and done.failure == "" and done.progress == 250
    assert PlannedPurchase.objects.count() == 250


def test_a_refused_commit_goes_back_to_preview_with_its_reason(city, django_capture_on_commit_callbacks):
    org, buyer = city
    rows = [["Réf.", "Objet", "Montant total HT"], ["A", "Nettoyage", "10 €"], ["B", None, "20 €"]]
    with django_capture_on_commit_callbacks(execute=True):
        queued = start_preview(buyer, org, xlsx_bytes(rows), "plan.xlsx", 2027)
    previewed = PlanImport.objects.get(pk=queued.pk)
    assert previewed.errors == 1
    with django_capture_on_commit_callbacks(execute=True):
        start_commit(buyer, previewed)
    after = PlanImport.objects.get(pk=queued.pk)
    assert after.status == ImportStatus.PREVIEWED and "1 erreur" in after.failure
    assert not PlannedPurchase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        start_commit(buyer, after, skip_errors=True)
    assert PlanImport.objects.get(pk=queued.pk).status == ImportStatus.COMMITTED
    assert list(PlannedPurchase.objects.values_list("reference", flat=True)) == ["A"]
