"""Reads of stored screenings, scoped to the organisation."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from .engine import directory_version
from .models import LabourShare, PurchaseScreening, ScreeningOverride, ScreeningPolicy, ScreeningRun


def badges_for(purchases: Iterable) -> dict[int, PurchaseScreening]:
    """The stored screening of each purchase of a page, in one query, with `overridden` set, and `stale`
    when the directory or the policy changed since (two small queries for the whole page)."""
    purchases = list(purchases)
    ids = [purchase.pk for purchase in purchases]
    if not ids:
        return {}
    found = (
        PurchaseScreening.objects.filter(purchase_id__in=ids)
        .only(
            "purchase_id",
            "option",
            "option_label",
            "score",
            "compulsory",
            "hours",
            "candidate_ids",
            "lot_options",
            "directory_version",
            "policy_version",
        )
        .annotate(
            overridden=Exists(
                ScreeningOverride.objects.filter(
                    purchase_id=OuterRef("purchase_id"), option=OuterRef("option")
                )
            )
        )
    )
    found = {screening.purchase_id: screening for screening in found}
    if found:
        organisation_id = purchases[0].plan.organisation_id
        policy = ScreeningPolicy.objects.filter(organisation_id=organisation_id).values_list(
            "version", flat=True
        )
        current = (directory_version(), policy.first() or 1)
        for screening in found.values():
            screening.stale = (screening.directory_version, screening.policy_version) != current
    return found


def overrides_of(purchase) -> list[ScreeningOverride]:
    return list(purchase.screening_overrides.select_related("actor"))


def run_in(organisation, run_id: int) -> ScreeningRun | None:
    return ScreeningRun.objects.filter(organisation=organisation, pk=run_id).select_related("plan").first()


def last_run(organisation, plan) -> ScreeningRun | None:
    return ScreeningRun.objects.filter(organisation=organisation, plan=plan).first()


def labour_shares_of(organisation) -> dict[str, float]:
    """The organisation's own labour share by sector code (empty: the sectors table's shares apply)."""
    rows = LabourShare.objects.filter(organisation=organisation).values_list("sector", "share")
    return {sector: float(share) for sector, share in rows}


def labour_share_rows(organisation) -> list[LabourShare]:
    return list(LabourShare.objects.filter(organisation=organisation).select_related("updated_by"))
