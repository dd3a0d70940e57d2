"""API of sourcing lists: read and build an organisation's lists of candidate structures, annotate them."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Router, Schema, Status

from levier.api.auth import tenant_for
from levier.directory import selectors as directory_selectors
from levier.directory.api import StructureSummaryOut, summary

from . import selectors, services

router = Router(tags=["Listes de sourçage"])


class ListOut(Schema):
    id: int
    title: str
    description: str
    purchase_id: int | None
    entry_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ListIn(Schema):
    title: str
    description: str = ""
    purchase_id: int | None = None


class EntryOut(Schema):
    id: int
    structure: StructureSummaryOut
    contacted: bool
    contacted_on: dt.date | None
    interest: str
    answered_on: dt.date | None
    capacity_confirmed: bool
    comment: str
    added_at: dt.datetime


class ListDetailOut(ListOut):
    entries: list[EntryOut]


class EntryIn(Schema):
    sourcing_list_id: int
    structure_id: int


class EntryPatch(Schema):
    contacted: bool | None = None
    contacted_on: dt.date | None = None
    interest: str | None = None
    answered_on: dt.date | None = None
    capacity_confirmed: bool | None = None
    comment: str | None = None


def _list_or_404(organisation, pk):
    found = selectors.list_of(organisation, pk)
    if found is None:
        raise Http404("Liste introuvable.")
    return found


def _purchase(organisation, purchase_id):
    if purchase_id is None:
        return None
    found = selectors.purchases_for_choice(organisation).filter(pk=purchase_id).first()
    if found is None:
        raise Http404("Achat prévu introuvable.")
    return found


def _entry(entry) -> dict:
    return {
        "id": entry.pk,
        "structure": summary(entry.structure, None),
        "contacted": entry.contacted,
        "contacted_on": entry.contacted_on,
        "interest": entry.interest,
        "answered_on": entry.answered_on,
        "capacity_confirmed": entry.capacity_confirmed,
        "comment": entry.comment,
        "added_at": entry.added_at,
    }


def _detail(sourcing_list) -> dict:
    entries = list(selectors.entries_of(sourcing_list))
    return {
        "id": sourcing_list.pk,
        "title": sourcing_list.title,
        "description": sourcing_list.description,
        "purchase_id": sourcing_list.purchase_id,
        "entry_count": len(entries),
        "created_at": sourcing_list.created_at,
        "updated_at": sourcing_list.updated_at,
        "entries": [_entry(e) for e in entries],
    }


@router.get("/orgs/{org}/sourcing-lists", response=list[ListOut], summary="Listes de sourçage")
def list_index(request, org: str):
    return list(selectors.lists_of(tenant_for(request, org).organisation))


@router.post("/orgs/{org}/sourcing-lists", response={201: ListDetailOut}, summary="Créer une liste")
def list_create(request, org: str, payload: ListIn):
    organisation = tenant_for(request, org).organisation
    created = services.create_list(
        request.user,
        organisation,
        payload.title,
        purchase=_purchase(organisation, payload.purchase_id),
        description=payload.description,
    )
    return Status(201, _detail(created))


@router.get(
    "/orgs/{org}/sourcing-lists/{sourcing_list}", response=ListDetailOut, summary="Une liste et ses candidats"
)
def list_detail(request, org: str, sourcing_list: int):
    return _detail(_list_or_404(tenant_for(request, org).organisation, sourcing_list))


@router.post(
    "/orgs/{org}/sourcing-entries",
    response={201: EntryOut, 200: EntryOut},
    summary="Ajouter une structure à une liste (200 si elle y est déjà)",
)
def entry_add(request, org: str, payload: EntryIn):
    organisation = tenant_for(request, org).organisation
    found = _list_or_404(organisation, payload.sourcing_list_id)
    structure = directory_selectors.structure_detail(payload.structure_id)
    if structure is None:
        raise Http404("Structure introuvable.")
    entry, created = services.add_structure(request.user, found, structure)
    return Status(201 if created else 200, _entry(selectors.entry_of(organisation, entry.pk)))


def _entry_or_404(organisation, entry: int):
    found = selectors.entry_of(organisation, entry)
    if found is None:
        raise Http404("Candidat introuvable.")
    return found


@router.get("/orgs/{org}/sourcing-entries/{entry}", response=EntryOut, summary="Un candidat et son suivi")
def entry_detail(request, org: str, entry: int):
    return _entry(_entry_or_404(tenant_for(request, org).organisation, entry))


@router.patch("/orgs/{org}/sourcing-entries/{entry}", response=EntryOut, summary="Annoter un candidat")
def entry_update(request, org: str, entry: int, payload: EntryPatch):
    organisation = tenant_for(request, org).organisation
    found = _entry_or_404(organisation, entry)
    changes = payload.dict(exclude_unset=True)
    for name in ("contacted", "interest", "capacity_confirmed", "comment"):
        if name in changes and changes[name] is None:
            del changes[name]  # only the dates can be cleared
    services.update_entry(request.user, found, **changes)
    return _entry(selectors.entry_of(organisation, entry))
