"""Reads of organisations, always scoped to what the user may see."""

from django.db.models import QuerySet

from .models import Invitation, Membership, Organisation, OrganisationGroup, Service


def memberships_of(user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation", "service")
        .order_by("organisation__name")
    )


def active_membership(user, org_slug: str) -> Membership | None:
    return memberships_of(user).filter(organisation__slug=org_slug).first()


def organisations_of(user) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(memberships__user=user, memberships__is_active=True).distinct()
        if user.is_authenticated
        else Organisation.objects.none()
    )


def services_of(organisation: Organisation) -> QuerySet[Service]:
    return organisation.services.select_related("parent").order_by("name")


def service_tree(organisation: Organisation) -> list[tuple[int, Service]]:
    """The services as (depth, service) in depth-first order, read in one query."""
    services = list(services_of(organisation))
    children: dict[int | None, list[Service]] = {}
    for service in services:
        children.setdefault(service.parent_id, []).append(service)
    rows: list[tuple[int, Service]] = []

    def walk(parent_id, depth):
        for service in children.get(parent_id, []):
            rows.append((depth, service))
            walk(service.pk, depth + 1)

    walk(None, 0)
    return rows


def service_of(organisation: Organisation, service_id: int) -> Service | None:
    return services_of(organisation).filter(pk=service_id).first()


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user", "service").order_by("user__email")


def membership_in(organisation: Organisation, membership_id: int) -> Membership | None:
    return members_of(organisation).filter(pk=membership_id).first()


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    return organisation.invitations.filter(accepted_at__isnull=True).order_by("-created_at")


def groups_of(organisation: Organisation) -> QuerySet[OrganisationGroup]:
    return organisation.organisation_groups.prefetch_related("members").select_related("coordinator")
