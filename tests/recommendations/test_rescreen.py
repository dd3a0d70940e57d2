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
