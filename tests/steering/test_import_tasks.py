"""The web commit runs as a task and records its status."""

import pytest

from levier.steering import importing, importing_tasks
from levier.steering.models import SpendImport, SpendImportStatus, SpendLine

from .conftest import base_rows, xlsx_bytes

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.django_db(transaction=True)
def test_commit_task_commits_and_a_refused_commit_goes_back_to_preview(world, settings):
    settings.TASKS = IMMEDIATE
    spend_import = importing.preview(world["steward"], world["org"], xlsx_bytes(base_rows()), "m.xlsx", 2026)
    importing_tasks.start_commit(world["steward"], spend_import)
    spend_import = SpendImport.objects.get(pk=spend_import.pk)
    assert spend_import.status == SpendImportStatus.COMMITTED and spend_import.progress == 6
    assert SpendLine.objects.count() == 6
    rows = [*base_rows(), ("M-X", "2026-13-01", "X", "", "611", "", 1)]
    broken = importing.preview(world["steward"], world["org"], xlsx_bytes(rows), "m2.xlsx", 2026)
    importing_tasks.start_commit(world["steward"], broken)
    broken = SpendImport.objects.get(pk=broken.pk)
    assert broken.status == SpendImportStatus.PREVIEWED and "rien n'a été enregistré" in broken.failure
    assert SpendLine.objects.count() == 6
