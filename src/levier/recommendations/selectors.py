"""Reads of stored screenings, scoped to the organisation."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from .models import PurchaseScreening, ScreeningOverride, ScreeningRun


def badges_for(purchases: Iterable) -> dict[int, PurchaseScreening]:
    """The stored screening of each purchase of a page, in one query, with `overridden` set."""
    ids = [purchase.pk for purchase in purchases]
    if not ids:
        return {}
    found = (
        PurchaseScreening.objects.filter(purchase_id__in=ids)
        .only("purchase_id", "option", "option_label", "score", "compulsory", "hours", "candidate_ids")
        .annotate(
            overridden=Exists(
                ScreeningOverride.objects.filter(
                    purchase_id=OuterRef("purchase_id"), option=OuterRef("option")
                )
            )
        )
    )
    return {screening.purchase_id: screening for screening in found}


def overrides_of(purchase) -> list[ScreeningOverride]:
    return list(purchase.screening_overrides.select_related("actor"))


def run_in(organisation, run_id: int) -> ScreeningRun | None:
    return ScreeningRun.objects.filter(organisation=organisation, pk=run_id).select_related("plan").first()


def last_run(organisation, plan) -> ScreeningRun | None:
    return ScreeningRun.objects.filter(organisation=organisation, plan=plan).first()
