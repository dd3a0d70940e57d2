"""Tenant-scoped reads for the steering pages and API: every object is fetched through its organisation,
so an id of another organisation finds nothing (404)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from levier.organisations.models import Membership, Service
from levier.organisations.roles import Role

from .models import BuyerObjective, MatchStatus, SpendImport, SpendLine, SupplierMatch, Target


def target_in(organisation, pk) -> Target | None:
    return (
        Target.objects.filter(organisation=organisation, pk=pk)
        .select_related("service", "buyer", "updated_by")
        .first()
    )


def targets_of(organisation, *, year: int | None = None):
    found = Target.objects.filter(organisation=organisation).select_related("service", "buyer", "updated_by")
    if year is not None:
        found = found.filter(year=year)
    return found.order_by("service__name", "buyer__last_name", "indicator", "year", "pk")


def objective_in(organisation, pk) -> BuyerObjective | None:
    return BuyerObjective.objects.filter(organisation=organisation, pk=pk).select_related("service").first()


def objectives_of(organisation, year: int):
    return (
        BuyerObjective.objects.filter(organisation=organisation, year=year)
        .select_related("service", "updated_by")
        .order_by("indicator", "pk")
    )


def import_in(organisation, pk) -> SpendImport | None:
    return SpendImport.objects.filter(organisation=organisation, pk=pk).select_related("actor").first()


def imports_of(organisation):
    return SpendImport.objects.filter(organisation=organisation).select_related("actor").defer("content")


def match_in(organisation, pk) -> SupplierMatch | None:
    return SupplierMatch.objects.filter(organisation=organisation, pk=pk).select_related("structure").first()


def matches_of(organisation, status: str | None = None):
    found = SupplierMatch.objects.filter(organisation=organisation, structure__isnull=False).select_related(
        "structure", "decided_by"
    )
    if status:
        found = found.filter(status=status)
    return found.order_by("supplier_name", "pk")


def proposed_count(organisation) -> int:
    return SupplierMatch.objects.filter(
        organisation=organisation, status=MatchStatus.PROPOSED, structure__isnull=False
    ).count()


def services_of(organisation):
    return Service.objects.filter(organisation=organisation).order_by("name")


def service_in(organisation, pk) -> Service | None:
    return Service.objects.filter(organisation=organisation, pk=pk).first() if pk else None


def buyers_of(organisation) -> list:
    """The active members holding the buyer role, sorted by name."""
    memberships = Membership.objects.filter(organisation=organisation, is_active=True).select_related("user")
    users = [m.user for m in memberships if m.has_role(Role.BUYER)]
    return sorted(users, key=lambda u: (u.last_name, u.first_name, u.email))


def buyer_in(organisation, pk):
    if not pk:
        return None
    user = get_user_model().objects.filter(pk=pk).first()
    if user is None or not any(u.pk == user.pk for u in buyers_of(organisation)):
        return None
    return user


def years_of(organisation) -> list[int]:
    """Years with a plan, a target or spend, most recent first; at least the current year."""
    from levier.plans.models import Plan

    years = set(Plan.objects.filter(organisation=organisation).values_list("year", flat=True))
    years |= set(Target.objects.filter(organisation=organisation).values_list("year", flat=True))
    years |= set(
        SpendLine.objects.filter(organisation=organisation).values_list("year", flat=True).distinct()
    )
    years.add(dt.date.today().year)
    return sorted(years, reverse=True)


def default_year(organisation) -> int:
    """The current year when it has targets or data, else the latest year that has some."""
    today = dt.date.today().year
    years = years_of(organisation)
    with_data = set(Target.objects.filter(organisation=organisation).values_list("year", flat=True))
    if today in with_data:
        return today
    past = [y for y in sorted(with_data, reverse=True) if y <= today]
    return past[0] if past else (min(with_data) if with_data else years[0])
