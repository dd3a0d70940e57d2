"""The web import of a spend export: the preview of a small file runs in the request, a larger one (above
`core.background.BACKGROUND_BYTES`, the plans' threshold) in the task worker; the commit runs in the
worker; the page polls what the worker does.

    spend_import = read_upload(user, org, content, "mandats.xlsx", 2026)   # PREVIEWED, or QUEUED (large)
    spend_import = start_preview(user, org, content, "mandats.xlsx", 2026) # QUEUED, READING, PREVIEWED
    start_commit(user, spend_import)                                       # RUNNING, then COMMITTED
    restart_preview(user, spend_import)   # after the mapping screen: read the same file again

`SpendImport.progress` counts the lines read (during the preview) or written (during the commit), saved
every `PROGRESS_EVERY` lines, against `total` when it is known; a commit refused because of row errors goes
back to PREVIEWED with the reason in `failure`; an unexpected failure sets FAILED with the reason.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tasks import task

from levier.core.background import in_background
from levier.plans.services import require_role

from .importing import IMPORT_ROLES, ImportRejected, commit, new_import, preview, run_preview
from .models import SpendImport, SpendImportStatus

PROGRESS_EVERY = 200
BUSY = (SpendImportStatus.QUEUED, SpendImportStatus.READING, SpendImportStatus.RUNNING)


def _progress_saver(spend_import_id: int):
    state = {"done": 0}

    def advance(lines: int) -> None:
        before = state["done"]
        state["done"] += lines
        if state["done"] // PROGRESS_EVERY != before // PROGRESS_EVERY:
            SpendImport.objects.filter(pk=spend_import_id).update(progress=state["done"])

    return advance


def _user_id(user) -> int | None:
    return user.pk if getattr(user, "is_authenticated", False) else None


def start_preview(
    user, organisation, content: bytes, file_name: str, year: int, *, mapping: dict[str, str] | None = None
) -> SpendImport:
    """Record the file and hand its reading to the worker; nothing but the SpendImport is written."""
    spend_import = new_import(
        user, organisation, content, file_name, year, mapping=mapping, status=SpendImportStatus.QUEUED
    )
    transaction.on_commit(lambda: preview_task.enqueue(spend_import.pk))
    return spend_import


def read_upload(
    user, organisation, content: bytes, file_name: str, year: int, *, mapping: dict[str, str] | None = None
) -> SpendImport:
    """The preview of an uploaded file: read at once when it is small, else handed to the worker."""
    if in_background(content):
        return start_preview(user, organisation, content, file_name, year, mapping=mapping)
    return preview(user, organisation, content, file_name, year, mapping=mapping)


def restart_preview(user, spend_import: SpendImport) -> SpendImport:
    """Read the stored file again (the organisation's column answers changed): at once when it is small,
    else queued for the worker."""
    require_role(user, spend_import.organisation, IMPORT_ROLES, "Importer des dépenses")
    if spend_import.status != SpendImportStatus.PREVIEWED or spend_import.content is None:
        raise ImportRejected("Cet import est déjà traité : chargez le fichier à nouveau.", spend_import)
    # The columns of the last reading are forgotten: the remembered answers decide them again.
    if not in_background(spend_import.content):
        spend_import.mapping, spend_import.progress, spend_import.failure = {}, 0, ""
        return run_preview(spend_import)
    SpendImport.objects.filter(pk=spend_import.pk).update(
        status=SpendImportStatus.QUEUED, mapping={}, progress=0, failure=""
    )
    spend_import.refresh_from_db()
    transaction.on_commit(lambda: preview_task.enqueue(spend_import.pk))
    return spend_import


def start_commit(user, spend_import: SpendImport, *, skip_errors: bool = False) -> SpendImport:
    require_role(user, spend_import.organisation, IMPORT_ROLES, "Importer des dépenses")
    if spend_import.status != SpendImportStatus.PREVIEWED:
        raise ImportRejected("Cet import n'est pas prêt à être enregistré.", spend_import)
    SpendImport.objects.filter(pk=spend_import.pk).update(
        status=SpendImportStatus.RUNNING, progress=0, failure=""
    )
    spend_import.status = SpendImportStatus.RUNNING
    user_id = _user_id(user)
    transaction.on_commit(lambda: commit_task.enqueue(spend_import.pk, user_id, skip_errors))
    return spend_import


@task()
def preview_task(spend_import_id: int) -> str:
    SpendImport.objects.filter(pk=spend_import_id).update(status=SpendImportStatus.READING, progress=0)
    spend_import = SpendImport.objects.select_related("organisation").get(pk=spend_import_id)
    try:
        run_preview(spend_import, _progress_saver(spend_import_id))
    except Exception as exc:
        SpendImport.objects.filter(pk=spend_import_id).update(
            status=SpendImportStatus.FAILED, failure=f"Lecture du fichier impossible : {exc}"
        )
        raise
    return SpendImportStatus.PREVIEWED


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
