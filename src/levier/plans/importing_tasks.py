"""Large plan files are previewed and committed by the task worker; the page polls the PlanImport.

    plan_import = start_preview(user, org, content, "paa.xlsx", 2027)   # QUEUED, then RUNNING, PREVIEWED
    start_commit(user, plan_import)                                     # RUNNING, then COMMITTED or FAILED

`PlanImport.progress` counts the lines done (saved every `PROGRESS_EVERY` lines; `total` is set once the
file is read), `phase` says the step (reading, comparing with the plan, writing) and `failure` holds the
French reason of a failure. Both are saved outside the commit's transaction (the commit compares before it
opens it), so the page sees them move while the worker runs. A commit refused because the file has
errors goes back to PREVIEWED with that reason in `failure`, so the buyer can still choose to import
without the rejected lines.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tasks import task

from .importing import ImportRejected, commit_import, new_import, run_preview
from .models import ImportPhase, ImportStatus, PlanImport
from .services import EDIT_ROLES, require_role

PROGRESS_EVERY = 100


class ProgressSaver:
    """Saves a task's progress on its PlanImport: every `every` lines, and at each phase (from 0 again)."""

    def __init__(self, plan_import_id: int, every: int = PROGRESS_EVERY) -> None:
        self.plan_import_id, self.every, self.done = plan_import_id, every, 0

    def __call__(self, lines: int) -> None:
        before, self.done = self.done, self.done + lines
        if before // self.every != self.done // self.every:
            PlanImport.objects.filter(pk=self.plan_import_id).update(progress=self.done)

    def phase(self, name: ImportPhase) -> None:
        self.done = 0
        PlanImport.objects.filter(pk=self.plan_import_id).update(phase=name, progress=0)


def _user(user_id: int | None):
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def start_preview(
    user, organisation, content: bytes, file_name: str, year: int, *, sheets=None, mapping=None
):
    plan_import = new_import(
        user,
        organisation,
        content,
        file_name,
        year,
        sheets=sheets,
        mapping=mapping,
        status=ImportStatus.QUEUED,
    )
    user_id = user.pk if user is not None else None
    transaction.on_commit(lambda: preview_task.enqueue(plan_import.pk, user_id))
    return plan_import


def start_commit(
    user, plan_import: PlanImport, *, skip_errors: bool = False, overwrite_manual: bool = False
) -> PlanImport:
    require_role(user, plan_import.organisation, EDIT_ROLES, "Importer un plan des achats")
    if plan_import.status != ImportStatus.PREVIEWED:
        raise ImportRejected("Cet import n'est pas prêt à être enregistré : attendez la fin de l'aperçu.")
    PlanImport.objects.filter(pk=plan_import.pk).update(status=ImportStatus.RUNNING, progress=0, failure="")
    plan_import.status = ImportStatus.RUNNING
    user_id = user.pk if user is not None else None
    transaction.on_commit(lambda: commit_task.enqueue(plan_import.pk, user_id, skip_errors, overwrite_manual))
    return plan_import


@task()
def preview_task(plan_import_id: int, user_id: int | None) -> str:
    plan_import = PlanImport.objects.select_related("organisation").get(pk=plan_import_id)
    saver = ProgressSaver(plan_import_id)
    PlanImport.objects.filter(pk=plan_import_id).update(status=ImportStatus.RUNNING)
    try:
        run_preview(_user(user_id), plan_import, saver, saver.phase)
    except Exception as exc:
        PlanImport.objects.filter(pk=plan_import_id).update(
            status=ImportStatus.FAILED, phase="", failure=f"Lecture du fichier impossible : {exc}"
        )
        raise
    return ImportStatus.PREVIEWED


@task()
def commit_task(
    plan_import_id: int, user_id: int | None, skip_errors: bool = False, overwrite_manual: bool = False
) -> str:
    plan_import = PlanImport.objects.select_related("organisation").get(pk=plan_import_id)
    saver = ProgressSaver(plan_import_id)
    try:
        commit_import(
            _user(user_id),
            plan_import,
            skip_errors=skip_errors,
            overwrite_manual=overwrite_manual,
            progress=saver,
            phase=saver.phase,
        )
    except ImportRejected as exc:
        current = PlanImport.objects.get(pk=plan_import_id)
        if current.status != ImportStatus.FAILED:
            PlanImport.objects.filter(pk=plan_import_id).update(
                status=ImportStatus.PREVIEWED, phase="", failure=str(exc)
            )
        return ImportStatus.FAILED
    return ImportStatus.COMMITTED
