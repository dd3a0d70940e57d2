"""When the directory changes, the plans already screened are screened again by the task worker.

Two events change the directory: an import that finishes (`signals.rescreen_after_import`) and a person's
edit of a structure's card (`directory.editing.edit_structure` calls `directory_changed` once the edit is
committed). Any structure may become, or stop being, a candidate anywhere its area reaches, so every
organisation holding stored screenings is screened again; organisations never screened screen on first
view. A plan whose screening is still waiting in the queue is not queued twice: that run reads the
directory when it starts, after the change.
"""

from __future__ import annotations

from django.db import transaction

from .models import PurchaseScreening, ScreeningRun


def screened_organisations():
    from levier.organisations.models import Organisation

    return Organisation.objects.filter(pk__in=PurchaseScreening.objects.values("organisation_id").distinct())


def rescreen_screened(reason: str) -> list[ScreeningRun]:
    """Queue a screening of every plan of every organisation that has stored screenings."""
    from .tasks import start_all

    runs: list[ScreeningRun] = []
    for organisation in screened_organisations():
        runs.extend(start_all(organisation, reason))
    return runs


def directory_changed(structure) -> None:
    """Called once a manual edit of `structure` is committed."""
    with transaction.atomic():
        rescreen_screened(f"Fiche modifiée dans l'annuaire : {structure.name}"[:200])
