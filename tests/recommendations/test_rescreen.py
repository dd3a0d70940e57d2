"""The plan is screened again, by the task worker, when the directory is imported again."""

import datetime as dt

import pytest

from levier.directory.models import ImportRun
from levier.recommendations import services
from levier.recommendations.models import PurchaseScreening, RunStatus, ScreeningRun

from .world import add_structure

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_finished_directory_import_rescreens_screened_plans(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    services.screen_plan(world.plan)
    studies = PurchaseScreening.objects.get(purchase=world.purchases["studies"])
    before = PurchaseScreening.objects.get(purchase=world.purchases["parks"])
    assert len(before.candidate_ids) == 3
    with django_capture_on_commit_callbacks(execute=True):
        run = ImportRun.objects.create(
            source="siae",
            file_name="siae.csv",
            source_date=dt.date(2026, 11, 1),
            status=ImportRun.Status.PREVIEW,
        )
        assert not ScreeningRun.objects.exists()  # a preview changes nothing
        added = add_structure("ACI Jardins nouveaux", "ACI", "espaces-verts-entretien")
        run.status = ImportRun.Status.DONE
        run.save()
    screening_run = ScreeningRun.objects.get()
    assert screening_run.status == RunStatus.DONE and screening_run.progress == 3
    assert "Annuaire mis à jour" in screening_run.reason
    after = PurchaseScreening.objects.get(purchase=world.purchases["parks"])
    assert added.pk in after.candidate_ids and after.computed_at > before.computed_at
    assert (
        PurchaseScreening.objects.get(purchase=world.purchases["studies"]).computed_at > studies.computed_at
    )


def test_an_organisation_never_screened_is_left_alone(world, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        ImportRun.objects.create(
            source="siae",
            file_name="siae.csv",
            source_date=dt.date(2026, 11, 1),
            status=ImportRun.Status.DONE,
        )
    assert not ScreeningRun.objects.exists()


def test_a_manual_edit_of_a_structure_rescreens_screened_plans(
    world, settings, django_capture_on_commit_callbacks
):
    from levier.directory.editing import edit_structure
    from levier.organisations.roles import Role

    settings.TASKS = IMMEDIATE
    services.screen_plan(world.plan)
    parks = world.purchases["parks"]
    gone = world.structures["parks"][0]
    assert gone.pk in PurchaseScreening.objects.get(purchase=parks).candidate_ids
    with django_capture_on_commit_callbacks(execute=True):
        edit_structure(
            world.user(Role.BUYER), gone, {"sectors": ["nettoyage-locaux"]}, organisation=world.org
        )
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.DONE and run.progress == 3
    assert "Fiche modifiée dans l'annuaire" in run.reason and gone.name in run.reason
    assert gone.pk not in PurchaseScreening.objects.get(purchase=parks).candidate_ids


def test_an_edit_that_changes_nothing_queues_nothing(world, settings, django_capture_on_commit_callbacks):
    from levier.directory.editing import edit_structure
    from levier.organisations.roles import Role

    settings.TASKS = IMMEDIATE
    services.screen_plan(world.plan)
    structure = world.structures["parks"][0]
    with django_capture_on_commit_callbacks(execute=True):
        edit_structure(world.user(Role.BUYER), structure, {"name": structure.name}, organisation=world.org)
    assert not ScreeningRun.objects.exists()


def test_changes_while_a_run_waits_in_the_queue_do_not_queue_it_twice(
    world, django_capture_on_commit_callbacks
):
    from levier.directory.editing import edit_structure
    from levier.organisations.roles import Role
    from levier.recommendations.tasks import screen_plan_task

    services.screen_plan(world.plan)
    buyer = world.user(Role.BUYER)
    first, second = world.structures["parks"][:2]
    # The queue is not worked (database backend, no worker): each edit finds the run still waiting.
    with django_capture_on_commit_callbacks(execute=True):
        edit_structure(buyer, first, {"headcount": 12}, organisation=world.org)
    with django_capture_on_commit_callbacks(execute=True):
        edit_structure(buyer, second, {"headcount": 14}, organisation=world.org)
    with django_capture_on_commit_callbacks(execute=True):
        ImportRun.objects.create(
            source="siae",
            file_name="siae.csv",
            source_date=dt.date(2026, 11, 1),
            status=ImportRun.Status.DONE,
        )
    waiting = ScreeningRun.objects.get()
    assert waiting.status == RunStatus.QUEUED
    screen_plan_task.call(waiting.pk)
    with django_capture_on_commit_callbacks(execute=True):
        edit_structure(buyer, first, {"headcount": 20}, organisation=world.org)
    assert ScreeningRun.objects.count() == 2  # the first one ran: a new change needs a new run


def test_a_run_stuck_in_the_queue_does_not_hold_back_a_change(world, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from levier.recommendations.rescreen import rescreen_screened
    from levier.recommendations.tasks import STUCK_AFTER

    services.screen_plan(world.plan)
    with django_capture_on_commit_callbacks(execute=False):
        rescreen_screened("premier")
    ScreeningRun.objects.update(created_at=timezone.now() - STUCK_AFTER - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=False):
        rescreen_screened("second")
    assert ScreeningRun.objects.filter(status=RunStatus.QUEUED).count() == 2
