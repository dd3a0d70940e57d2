"""Spend exports are committed by the task worker; the page polls the SpendImport for its progress.

    spend_import = importing.preview(user, org, content, "mandats.xlsx", 2026)   # PREVIEWED
    start_commit(user, spend_import)                                           # RUNNING, then COMMITTED

`SpendImport.progress` counts the lines done against `total`; a commit refused because of row errors goes
back to PREVIEWED with the reason in `failure`; an unexpected failure sets FAILED with the reason.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tasks import task

from levier.plans.services import require_role

from .importing import IMPORT_ROLES, ImportRejected, commit
from .models import SpendImport, SpendImportStatus

PROGRESS_EVERY = 200


def _progress_saver(spend_import_id: int):
    state = {"done": 0}

    def advance(lines: int) -> None:
        before = state["done"]
        state["done"] += lines
        if state["done"] // PROGRESS_EVERY != before // PROGRESS_EVERY:
            SpendImport.objects.filter(pk=spend_import_id).update(progress=state["done"])

    return advance


def start_commit(user, spend_import: SpendImport, *, skip_errors: bool = False) -> SpendImport:
    require_role(user, spend_import.organisation, IMPORT_ROLES, "Importer des dépenses")
    if spend_import.status != SpendImportStatus.PREVIEWED:
        raise ImportRejected("Cet import n'est pas prêt à être enregistré.", spend_import)
    SpendImport.objects.filter(pk=spend_import.pk).update(
        status=SpendImportStatus.RUNNING, progress=0, failure=""
    )
    spend_import.status = SpendImportStatus.RUNNING
    user_id = user.pk if user is not None else None
    transaction.on_commit(lambda: commit_task.enqueue(spend_import.pk, user_id, skip_errors))
    return spend_import


@task()
def commit_task(spend_import_id: int, user_id: int | None, skip_errors: bool = False) -> str:
    spend_import = SpendImport.objects.select_related("organisation").get(pk=spend_import_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        commit(user, spend_import, skip_errors=skip_errors, progress=_progress_saver(spend_import_id))
    except ImportRejected:
        return SpendImportStatus.PREVIEWED
    except Exception as exc:
        SpendImport.objects.filter(pk=spend_import_id).update(
            status=SpendImportStatus.FAILED, failure=f"Import interrompu : {exc}"
        )
        raise
    return SpendImportStatus.COMMITTED
