"""Imports of structure lists started from the web page: preview, then the import, both by the task worker.

The page keeps track through an `ImportRun` in the "preview" status whose `report` holds the state:

    {"state": "queued" | "previewing" | "previewed" | "importing" | "done" | "failed",
     "stored_file": "...", "mapping": {...} | None, "progress": "lecture 1 200 / 5 000",
     "preview": <ImportReport.to_dict()>, "lines": [...], "result": {...}, "result_run": 12, "failure": "..."}

The import itself goes through `levier.directory.importing.run_import` (atomic, idempotent), which
records its own finished `ImportRun`; the pending run then points at it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_tasks import task

from levier.core import audit
from levier.organisations.roles import Role
from levier.sourcing.services import has_role_in

from .importing import preview_import, run_import
from .models import ImportRun

IMPORT_ROLES = (Role.FACILITATOR, Role.ADMIN)
BUSY_STATES = ("queued", "previewing", "importing")
PROGRESS_EVERY = 500
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def import_dir() -> Path:
    target = Path(settings.DATA_DIR) / "imports" / "structures"
    target.mkdir(parents=True, exist_ok=True)
    return target


def require_importer(user, organisation) -> None:
    if not has_role_in(user, organisation, IMPORT_ROLES):
        raise PermissionDenied(
            "Seuls les facilitateurs et administrateurs importent des listes de structures."
        )


def _update(run_id: int, **changes) -> None:
    run = ImportRun.objects.get(pk=run_id)
    run.report = {**run.report, **changes}
    run.save(update_fields=["report"])


def _progress(run_id: int):
    state = {"calls": 0}

    def report(step: str, done: int, total: int | None) -> None:
        state["calls"] += 1
        if state["calls"] % PROGRESS_EVERY == 0 or (total and done == total):
            _update(run_id, progress=f"{step} : {done}" + (f" / {total}" if total else ""))

    return report


@transaction.atomic
def start_preview(
    user, organisation, source: str, file_name: str, content: bytes, *, source_date=None, mapping=None
) -> ImportRun:
    require_importer(user, organisation)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError("Fichier trop gros (50 Mo au plus).")
    if not content:
        raise ValidationError("Le fichier est vide.")
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(file_name).name)[-120:] or "liste"
    stored = import_dir() / f"{secrets.token_hex(8)}-{safe_name}"
    stored.write_bytes(content)
    run = ImportRun.objects.create(
        source=source,
        file_name=Path(file_name).name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        source_date=source_date or dt.date.today(),
        status=ImportRun.Status.PREVIEW,
        user=user,
        report={
            "state": "queued",
            "stored_file": str(stored),
            "mapping": mapping,
            "organisation": organisation.pk,
        },
    )
    audit.record(user, organisation, "directory.import.upload", run, f"Liste déposée : {run.file_name}")
    transaction.on_commit(lambda: preview_task.enqueue(run.pk))
    return run


@transaction.atomic
def start_import(user, organisation, run: ImportRun) -> ImportRun:
    require_importer(user, organisation)
    if run.report.get("state") != "previewed":
        raise ValidationError("Cet import n'est pas prêt : attendez la fin de l'aperçu.")
    if not run.report.get("preview", {}).get("ok", False):
        raise ValidationError("Le fichier n'a pas pu être lu : rien ne peut être importé.")
    _update(run.pk, state="importing", progress="")
    audit.record(user, organisation, "directory.import.start", run, f"Import lancé : {run.file_name}")
    transaction.on_commit(lambda: import_task.enqueue(run.pk, user.pk))
    run.refresh_from_db()
    return run


@task()
def preview_task(run_id: int) -> str:
    run = ImportRun.objects.get(pk=run_id)
    _update(run_id, state="previewing")
    try:
        report = preview_import(
            run.source,
            run.report["stored_file"],
            mapping=run.report.get("mapping"),
            source_date=run.source_date,
            progress=_progress(run_id),
        )
    except Exception as error:  # a reader bug must still end the page's wait with a message
        _update(run_id, state="failed", failure=f"Lecture du fichier impossible : {error}")
        raise
    _update(run_id, state="previewed", preview=report.to_dict(), lines=report.lines_fr(), progress="")
    return "previewed"


@task()
def import_task(run_id: int, user_id: int | None) -> str:
    run = ImportRun.objects.get(pk=run_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        report = run_import(
            run.source,
            run.report["stored_file"],
            mapping=run.report.get("mapping"),
            source_date=run.source_date,
            user=user,
            progress=_progress(run_id),
        )
    except Exception as error:
        _update(run_id, state="failed", failure=f"Import interrompu, rien n'a été enregistré : {error}")
        raise
    result = {k: v for k, v in report.to_dict().items() if k not in ("warnings", "outcomes")}
    _update(
        run_id, state="done", result=result, result_run=report.run_id, lines=report.lines_fr(), progress=""
    )
    Path(run.report["stored_file"]).unlink(missing_ok=True)
    return "done"


def runs_of(user):
    """The uploads a person started (the status page shows only those)."""
    return ImportRun.objects.filter(user=user, status=ImportRun.Status.PREVIEW).order_by("-started_at")
