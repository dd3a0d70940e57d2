"""Reads of sourcing lists, always scoped to one organisation."""

from django.db.models import Count, QuerySet

from .models import SourcingEntry, SourcingList


def lists_of(organisation) -> QuerySet[SourcingList]:
    return (
        SourcingList.objects.filter(organisation=organisation)
        .select_related("purchase", "created_by")
        .annotate(entry_count=Count("entries"))
        .order_by("-updated_at", "pk")
    )


def list_of(organisation, list_id) -> SourcingList | None:
    try:
        return lists_of(organisation).filter(pk=int(list_id)).first()
    except (TypeError, ValueError):
        return None


def entries_of(sourcing_list: SourcingList) -> QuerySet[SourcingEntry]:
    return (
        sourcing_list.entries.select_related("structure")
        .prefetch_related("structure__kinds", "structure__sectors")
        .order_by("added_at", "pk")
    )


def entry_of(organisation, entry_id) -> SourcingEntry | None:
    try:
        pk = int(entry_id)
    except (TypeError, ValueError):
        return None
    return (
        SourcingEntry.objects.filter(sourcing_list__organisation=organisation, pk=pk)
        .select_related("sourcing_list", "structure")
        .first()
    )


def lists_holding(organisation, structure) -> QuerySet[SourcingList]:
    """The organisation's lists that already hold this structure (shown on the structure's page)."""
    return lists_of(organisation).filter(entries__structure=structure)


def purchases_for_choice(organisation):
    """The organisation's planned purchases a list may be tied to."""
    from levier.plans.models import PlannedPurchase

    return (
        PlannedPurchase.objects.filter(plan__organisation=organisation)
        .select_related("plan")
        .order_by("-plan__year", "reference", "object")
    )


def structure_ids_in(sourcing_list: SourcingList) -> set[int]:
    return set(sourcing_list.entries.values_list("structure_id", flat=True))
