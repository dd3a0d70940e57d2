"""Screening a whole plan runs in the task worker; the page polls the `ScreeningRun` for its progress.

run = start_plan_screening(user, plan, reason="Politique modifiée")   # QUEUED, then RUNNING, DONE
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from levier.plans.models import Plan
from levier.plans.services import require_role

from . import services
from .models import RunStatus, ScreeningRun

PROGRESS_EVERY = 25
STUCK_AFTER = dt.timedelta(hours=1)


def start_plan_screening(user, plan: Plan, reason: str = "") -> ScreeningRun:
    """Queue a screening of every purchase of the plan (`user` None: the system, after a change)."""
    if user is not None:
        require_role(user, plan.organisation, services.SCREEN_ROLES, "Cribler le plan")
    run = ScreeningRun.objects.create(
        organisation=plan.organisation,
        plan=plan,
        total=plan.purchases.count(),
        reason=reason[:200],
        actor=user if getattr(user, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: screen_plan_task.enqueue(run.pk))
    return run


def start_all(organisation, reason: str) -> list[ScreeningRun]:
    """Screen again every plan of the organisation (the policy or the directory changed).

    A plan with a run still waiting in the queue keeps that run: it reads the directory and the policy
    when it starts, so it already sees this change. A run left waiting longer than `STUCK_AFTER` (worker
    down) no longer counts, so that a change is never lost behind it."""
    waiting = dict(
        ScreeningRun.objects.filter(
            organisation=organisation,
            status=RunStatus.QUEUED,
            created_at__gte=timezone.now() - STUCK_AFTER,
        )
        .order_by("plan_id", "-created_at")
        .values_list("plan_id", "pk")
    )
    runs = []
    for plan in Plan.objects.filter(organisation=organisation):
        if plan.pk in waiting:
            runs.append(ScreeningRun.objects.get(pk=waiting[plan.pk]))
        else:
            runs.append(start_plan_screening(None, plan, reason))
    return runs


@task()
def screen_plan_task(run_id: int) -> str:
    run = ScreeningRun.objects.select_related("plan__organisation").get(pk=run_id)
    ScreeningRun.objects.filter(pk=run_id).update(status=RunStatus.RUNNING, progress=0)

    def progress(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            ScreeningRun.objects.filter(pk=run_id).update(progress=done, total=total)

    try:
        services.screen_plan(run.plan, progress)
    except Exception as exc:
        ScreeningRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, failure=f"Criblage interrompu : {exc}", finished_at=timezone.now()
        )
        raise
    ScreeningRun.objects.filter(pk=run_id).update(status=RunStatus.DONE, finished_at=timezone.now())
    return RunStatus.DONE
