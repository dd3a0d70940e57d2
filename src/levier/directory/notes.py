"""Writes of an organisation's sourcing notes on a structure (capacity confirmed, price level, incidents,
good examples). A note belongs to the organisation that wrote it: other organisations never see it."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from levier.core import audit
from levier.organisations.roles import Role
from levier.sourcing.services import has_role_in

from .models import SourcingNote

NOTE_ROLES = (Role.BUYER, Role.FACILITATOR, Role.STEWARD, Role.ADMIN)
NOTE_FIELDS = ("topic", "text", "occurred_on", "capacity_confirmed", "confirmed_amount", "price_level")


def can_write_notes(actor, organisation) -> bool:
    return has_role_in(actor, organisation, NOTE_ROLES)


def _check(fields) -> None:
    unknown = sorted(set(fields) - set(NOTE_FIELDS))
    if unknown:
        raise ValidationError(f"Champs inconnus : {', '.join(unknown)}.")
    topic = fields.get("topic")
    if topic not in SourcingNote.Topic.values:
        raise ValidationError({"topic": f"Sujet inconnu : « {topic} »."})
    occurred = fields.get("occurred_on")
    if occurred is not None and occurred > dt.date.today():
        raise ValidationError({"occurred_on": "Date des faits : la date est dans le futur."})
    if topic == SourcingNote.Topic.INCIDENT and occurred is None:
        raise ValidationError({"occurred_on": "Un incident se date : indiquez la date des faits."})
    if topic == SourcingNote.Topic.PRICE and not fields.get("price_level"):
        raise ValidationError({"price_level": "Indiquez le niveau de prix constaté."})
    if topic == SourcingNote.Topic.CAPACITY and fields.get("capacity_confirmed") is None:
        raise ValidationError({"capacity_confirmed": "Dites si la capacité est confirmée ou non."})
    level = fields.get("price_level") or ""
    if level and level not in SourcingNote.PriceLevel.values:
        raise ValidationError({"price_level": f"Niveau de prix inconnu : « {level} »."})
    needs_text = (SourcingNote.Topic.INCIDENT, SourcingNote.Topic.GOOD_EXAMPLE, SourcingNote.Topic.OTHER)
    if topic in needs_text and not (fields.get("text") or "").strip():
        raise ValidationError({"text": "Décrivez les faits dans la note."})


@transaction.atomic
def save_note(actor, organisation, structure, note: SourcingNote | None = None, **fields) -> SourcingNote:
    """Create a note (note=None) or change one of the organisation's notes."""
    if not can_write_notes(actor, organisation):
        raise PermissionDenied("Votre rôle ne permet pas d'écrire des notes de sourcing.")
    if note is not None and (note.organisation_id != organisation.pk or note.structure_id != structure.pk):
        raise PermissionDenied("Cette note n'appartient pas à votre organisation.")
    _check(fields)
    fields = {
        **fields,
        "text": (fields.get("text") or "").strip(),
        "price_level": fields.get("price_level") or "",
    }
    if fields["topic"] != SourcingNote.Topic.CAPACITY:
        fields.update(capacity_confirmed=None, confirmed_amount=None)
    if fields["topic"] != SourcingNote.Topic.PRICE:
        fields["price_level"] = ""
    created = note is None
    if created:
        note = SourcingNote(organisation=organisation, structure=structure, author=actor)
    before = {name: getattr(note, name) for name in NOTE_FIELDS} if not created else {}
    for name, value in fields.items():
        setattr(note, name, value)
    note.full_clean()
    note.save()
    changed = [name for name in NOTE_FIELDS if not created and before.get(name) != getattr(note, name)]
    audit.record(
        actor,
        organisation,
        "directory.note.create" if created else "directory.note.update",
        note,
        f"Note « {note.get_topic_display()} » sur {structure}",
        structure=structure.pk,
        changed=changed,
    )
    return note


@transaction.atomic
def delete_note(actor, organisation, note: SourcingNote) -> None:
    if not can_write_notes(actor, organisation) or note.organisation_id != organisation.pk:
        raise PermissionDenied("Votre rôle ne permet pas de supprimer cette note.")
    audit.record(
        actor,
        organisation,
        "directory.note.delete",
        note,
        f"Note « {note.get_topic_display()} » supprimée sur {note.structure}",
        structure=note.structure_id,
    )
    note.delete()
