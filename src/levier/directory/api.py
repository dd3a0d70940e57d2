"""API of the directory: the same search as the pages, a structure, and the organisation's sourcing notes."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Query, Router, Schema, Status

from levier.api.auth import tenant_for
from levier.rules.sectors import load_taxonomy

from . import notes as note_services
from . import selectors
from .search import DEFAULT_PER_PAGE, SORT_RELEVANCE, StructureQuery

router = Router(tags=["Structures inclusives"])


class SearchParams(Schema):
    text: str = ""
    sector: list[str] = []
    group: str = ""
    family: str = ""
    kind: list[str] = []
    near: str = ""
    radius: float | None = None
    departement: str = ""
    min_amount: int | None = None
    sort: str = SORT_RELEVANCE
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


class SectorOut(Schema):
    code: str
    label: str
    group: str
    inferred: bool


class PlaceOut(Schema):
    precision: str
    code: str
    label: str
    lat: float | None
    lon: float | None


class StructureSummaryOut(Schema):
    id: int
    name: str
    brand: str
    siret: str
    kinds: list[str]
    sectors: list[SectorOut]
    city: str
    postcode: str
    departement: str
    lat: float | None
    lon: float | None
    distance_km: float | None
    max_contract_amount: int | None


class SearchOut(Schema):
    total: int
    page: int
    pages: int
    per_page: int
    place: PlaceOut | None
    place_message: str
    items: list[StructureSummaryOut]


class CapacityOut(Schema):
    value: int
    basis: str


class NoteOut(Schema):
    id: int
    topic: str
    text: str
    occurred_on: dt.date | None
    capacity_confirmed: bool | None
    confirmed_amount: int | None
    price_level: str
    created_at: dt.datetime
    updated_at: dt.datetime


class NoteIn(Schema):
    topic: str
    text: str = ""
    occurred_on: dt.date | None = None
    capacity_confirmed: bool | None = None
    confirmed_amount: int | None = None
    price_level: str = ""


class StructureOut(StructureSummaryOut):
    legal_form: str
    naf: str
    finess: str | None
    is_active: bool
    description: str
    address: str
    area_kind: str
    area_radius_km: int | None
    area_departements: list[str]
    capacity: dict[str, CapacityOut]
    labels: list
    networks: list
    email: str
    phone: str
    website: str
    contact_role: str
    provenance: dict
    references: list[dict]
    notes: list[NoteOut]


def _sectors(structure) -> list[dict]:
    taxonomy = load_taxonomy()
    return [
        {
            "code": s.sector,
            "label": taxonomy.get(s.sector).label if taxonomy.get(s.sector) else s.sector,
            "group": s.group,
            "inferred": s.inferred,
        }
        for s in structure.sectors.all()
    ]


def summary(structure, distance_km: float | None) -> dict:
    return {
        "id": structure.pk,
        "name": structure.name,
        "brand": structure.brand,
        "siret": structure.siret,
        "kinds": [k.kind for k in structure.kinds.all()],
        "sectors": _sectors(structure),
        "city": structure.city,
        "postcode": structure.postcode,
        "departement": structure.departement,
        "lat": structure.lat,
        "lon": structure.lon,
        "distance_km": round(distance_km, 2) if distance_km is not None else None,
        "max_contract_amount": structure.max_contract_amount,
    }


def search_payload(page) -> dict:
    place = page.place
    return {
        "total": page.total,
        "page": page.query.page,
        "pages": page.pages,
        "per_page": page.query.per_page,
        "place": {
            "precision": place.precision,
            "code": place.code,
            "label": place.label_fr,
            "lat": place.lat,
            "lon": place.lon,
        }
        if place
        else None,
        "place_message": page.place_message,
        "items": [summary(hit.structure, hit.distance_km) for hit in page.hits],
    }


@router.get("/orgs/{org}/structures", response=SearchOut, summary="Rechercher des structures inclusives")
def search(request, org: str, params: Query[SearchParams]):
    """Mêmes filtres que la page de recherche ; `sector` et `kind` peuvent être répétés."""
    tenant_for(request, org)
    query = StructureQuery.from_params(params.dict())
    page = selectors.search_structures(query)
    if page.place_error:
        from django.core.exceptions import ValidationError

        raise ValidationError({"near": [page.place_error]})
    return search_payload(page)


def _structure_or_404(structure: int):
    found = selectors.structure_detail(structure)
    if found is None:
        raise Http404("Structure introuvable.")
    return found


@router.get("/orgs/{org}/structures/{structure}", response=StructureOut, summary="Une structure")
def detail(request, org: str, structure: int):
    organisation = tenant_for(request, org).organisation
    found = _structure_or_404(structure)
    capacity = {}
    for name in ("headcount", "esat_capacity", "turnover", "max_contract_amount"):
        value = getattr(found, name)
        if value is not None:
            capacity[name] = {"value": value, "basis": getattr(found, f"{name}_basis")}
    return {
        **summary(found, None),
        "legal_form": found.legal_form,
        "naf": found.naf,
        "finess": found.finess,
        "is_active": found.is_active,
        "description": found.description,
        "address": found.address,
        "area_kind": found.area_kind,
        "area_radius_km": found.area_radius_km,
        "area_departements": [d.departement for d in found.area_departements.all()],
        "capacity": capacity,
        "labels": found.labels,
        "networks": found.networks,
        "email": found.email,
        "phone": found.phone,
        "website": found.website,
        "contact_role": found.contact_role,
        "provenance": found.provenance,
        "references": [
            {"buyer": r.buyer, "title": r.title, "year": r.year, "amount": r.amount, "cpv": r.cpv}
            for r in found.references.all()
        ],
        "notes": list(selectors.notes_of(organisation, found)),
    }


@router.get(
    "/orgs/{org}/structures/{structure}/notes",
    response=list[NoteOut],
    summary="Notes de sourcing de l'organisation sur une structure",
)
def note_list(request, org: str, structure: int):
    organisation = tenant_for(request, org).organisation
    return list(selectors.notes_of(organisation, _structure_or_404(structure)))


@router.post(
    "/orgs/{org}/structures/{structure}/notes",
    response={201: NoteOut},
    summary="Ajouter une note de sourcing",
)
def note_create(request, org: str, structure: int, payload: NoteIn):
    organisation = tenant_for(request, org).organisation
    found = _structure_or_404(structure)
    if not note_services.can_write_notes(request.user, organisation):
        raise PermissionDenied("Votre rôle ne permet pas d'écrire des notes de sourcing.")
    return Status(201, note_services.save_note(request.user, organisation, found, **payload.dict()))
