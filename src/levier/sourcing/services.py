"""Writes on sourcing lists. Each checks the actor's role in the organisation, runs in a transaction and
leaves an audit event."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from levier.core import audit
from levier.organisations.roles import Role
from levier.organisations.selectors import active_membership

from .models import Interest, SourcingEntry, SourcingList

EDIT_ROLES = (Role.BUYER, Role.FACILITATOR, Role.ADMIN)
ENTRY_FIELDS = ("contacted", "contacted_on", "interest", "answered_on", "capacity_confirmed", "comment")


def can_edit(actor, organisation) -> bool:
    return has_role_in(actor, organisation, EDIT_ROLES)


def has_role_in(actor, organisation, roles) -> bool:
    """Whether the actor is an active member of the organisation with one of `roles`."""
    membership = active_membership(actor, organisation.slug)
    return membership is not None and membership.has_role(*roles)


def _require_editor(actor, organisation) -> None:
    if not can_edit(actor, organisation):
        raise PermissionDenied(
            "Seuls les acheteurs, facilitateurs et administrateurs de l'organisation gèrent les listes."
        )


def _check_purchase(organisation, purchase) -> None:
    if purchase is not None and purchase.plan.organisation_id != organisation.pk:
        raise ValidationError("Cet achat prévu n'appartient pas à votre organisation.")


def _clean_title(title: str) -> str:
    cleaned = (title or "").strip()
    if not cleaned:
        raise ValidationError("Donnez un intitulé à la liste.")
    return cleaned[:200]


@transaction.atomic
def create_list(actor, organisation, title: str, *, purchase=None, description: str = "") -> SourcingList:
    _require_editor(actor, organisation)
    _check_purchase(organisation, purchase)
    sourcing_list = SourcingList.objects.create(
        organisation=organisation,
        title=_clean_title(title),
        purchase=purchase,
        description=(description or "").strip(),
        created_by=actor,
    )
    audit.record(actor, organisation, "sourcing.list.create", sourcing_list, f"Liste créée : {sourcing_list}")
    return sourcing_list


@transaction.atomic
def update_list(actor, sourcing_list: SourcingList, *, title: str, purchase=None, description: str = ""):
    organisation = sourcing_list.organisation
    _require_editor(actor, organisation)
    _check_purchase(organisation, purchase)
    sourcing_list.title = _clean_title(title)
    sourcing_list.purchase = purchase
    sourcing_list.description = (description or "").strip()
    sourcing_list.save()
    audit.record(
        actor, organisation, "sourcing.list.update", sourcing_list, f"Liste modifiée : {sourcing_list}"
    )
    return sourcing_list


@transaction.atomic
def delete_list(actor, sourcing_list: SourcingList) -> None:
    organisation = sourcing_list.organisation
    _require_editor(actor, organisation)
    audit.record(
        actor,
        organisation,
        "sourcing.list.delete",
        sourcing_list,
        f"Liste supprimée : {sourcing_list}",
        entries=sourcing_list.entries.count(),
    )
    sourcing_list.delete()


@transaction.atomic
def add_structure(actor, sourcing_list: SourcingList, structure) -> tuple[SourcingEntry, bool]:
    """Add a candidate; adding it twice keeps the first entry and its annotations (returns created=False)."""
    organisation = sourcing_list.organisation
    _require_editor(actor, organisation)
    entry, created = SourcingEntry.objects.get_or_create(
        sourcing_list=sourcing_list, structure=structure, defaults={"added_by": actor}
    )
    if created:
        sourcing_list.save(update_fields=["updated_at"])
        audit.record(
            actor,
            organisation,
            "sourcing.entry.add",
            entry,
            f"{structure} ajoutée à la liste « {sourcing_list} »",
            structure=structure.pk,
        )
    return entry, created


@transaction.atomic
def update_entry(actor, entry: SourcingEntry, **fields) -> SourcingEntry:
    """Annotate a candidate: contacted (and when), interest (and when it answered), capacity, comment."""
    organisation = entry.sourcing_list.organisation
    _require_editor(actor, organisation)
    unknown = sorted(set(fields) - set(ENTRY_FIELDS))
    if unknown:
        raise ValidationError(f"Champs inconnus : {', '.join(unknown)}.")
    if "interest" in fields and fields["interest"] not in Interest.values:
        raise ValidationError(f"Intérêt inconnu : « {fields['interest']} ».")
    for name in ("contacted_on", "answered_on"):
        value = fields.get(name)
        label = str(SourcingEntry._meta.get_field(name).verbose_name).capitalize()
        if value is not None and not isinstance(value, dt.date):
            raise ValidationError(f"{label} : date attendue.")
        if value is not None and value > dt.date.today():
            raise ValidationError(f"{label} : la date est dans le futur.")
    changes = {}
    for name, value in fields.items():
        if name == "comment":
            value = (value or "").strip()
        if getattr(entry, name) != value:
            changes[name] = [_plain(getattr(entry, name)), _plain(value)]
            setattr(entry, name, value)
    if entry.contacted_on and not entry.contacted:
        entry.contacted = True
        changes.setdefault("contacted", [False, True])
    if not changes:
        return entry
    entry.save()
    entry.sourcing_list.save(update_fields=["updated_at"])
    audit.record(
        actor,
        organisation,
        "sourcing.entry.update",
        entry,
        f"Suivi de {entry.structure} mis à jour (liste « {entry.sourcing_list} »)",
        changes=changes,
    )
    return entry


@transaction.atomic
def remove_entry(actor, entry: SourcingEntry) -> None:
    organisation = entry.sourcing_list.organisation
    _require_editor(actor, organisation)
    audit.record(
        actor,
        organisation,
        "sourcing.entry.remove",
        entry,
        f"{entry.structure} retirée de la liste « {entry.sourcing_list} »",
        structure=entry.structure_id,
    )
    entry.delete()


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value
