"""API of the purchase plan: /api/v1/orgs/{org}/plans, purchases, lots and workflow steps.

Writes that create something name their parent in the body (`year`, `purchase_id`), not in the path: the
path then holds only `{org}`, which authentication resolves before the body is read, so that another
organisation's member gets 404 whatever they send.

Authentication binds `{org}` to the caller's memberships before anything runs (api/auth.py); reads go through
`selectors`, writes through `services`, which check the roles (PermissionDenied: 403, ValidationError: 422).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status

from levier.api.auth import tenant_for
from levier.organisations.models import Service

from . import selectors, services
from .workflow import STEPS_BY_CODE

router = Router(tags=["Plans des achats"])
MAX_PAGE_SIZE = 500


class PlanOut(Schema):
    id: int
    year: int
    version: int
    title: str
    purchase_count: int


class PlanIn(Schema):
    year: int = Field(..., ge=2000, le=2100)


class StepOut(Schema):
    code: str
    label: str
    requires_reason: bool


class PurchaseOut(Schema):
    id: int
    plan_id: int
    year: int
    reference: str
    object: str
    service_id: int | None
    service: str
    buyer_id: int | None
    facilitator_id: int | None
    nature: str
    cpv: str
    cpv_inferred: bool
    estimated_amount: Decimal | None
    amount_basis: str
    annual_amount: Decimal | None
    total_amount: Decimal | None
    duration_months: int | None
    launch_date: dt.date | None
    launch_precision: str
    notification_date: dt.date | None
    place: str
    procedure: str
    procedure_derived: str
    procedure_overridden: bool
    current_holder_name: str
    current_holder_siret: str
    current_contract_end: dt.date | None
    recurring: bool | None
    reservation: str
    insertion_clause: bool
    social_criterion: bool
    status: str
    status_changed_at: dt.datetime
    published_at: dt.datetime | None
    lot_count: int


class PurchaseDetailOut(PurchaseOut):
    available_steps: list[StepOut]


class PurchasePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[PurchaseOut]


class _SharedValues(Schema):
    """What a purchase and its lots both carry (an empty lot value means "as the purchase")."""

    reservation: str | None = None
    nature: str | None = None
    cpv: str | None = None
    estimated_amount: Decimal | None = None
    amount_basis: str | None = None
    duration_months: int | None = Field(None, ge=0)
    launch_date: dt.date | None = None
    place: str | None = None


class _PurchaseValues(_SharedValues):
    reference: str | None = None
    service_id: int | None = None
    buyer_id: int | None = None
    amount_includes_tax: bool | None = None
    notification_date: dt.date | None = None
    procedure: str | None = None
    current_holder_name: str | None = None
    current_holder_siret: str | None = None
    current_contract_end: dt.date | None = None
    recurring: bool | None = None
    insertion_clause: bool | None = None
    social_criterion: bool | None = None


class PurchaseIn(_PurchaseValues):
    year: int = Field(..., ge=2000, le=2100, description="Année du plan (créé s'il n'existe pas).")
    object: str


class PurchasePatch(_PurchaseValues):
    object: str | None = None


class LotOut(Schema):
    id: int
    purchase_id: int
    number: str
    title: str
    reservation: str
    nature: str
    cpv: str
    estimated_amount: Decimal | None
    amount_basis: str
    annual_amount: Decimal | None
    total_amount: Decimal | None
    duration_months: int | None
    launch_date: dt.date | None
    place: str


class _LotValues(_SharedValues):
    title: str | None = None


class LotIn(_LotValues):
    purchase_id: int
    number: str


class LotPatch(_LotValues):
    number: str | None = None


class TransitionOut(Schema):
    id: int
    step: str
    label: str
    from_status: str
    to_status: str
    actor: str
    at: dt.datetime
    comment: str
    reason: str


class TransitionIn(Schema):
    purchase_id: int
    step: str
    comment: str = ""
    reason: str = ""


# --- Helpers --------------------------------------------------------------------------------------------


def _purchase(organisation, purchase_id: int):
    found = selectors.purchase_in(organisation, purchase_id)
    if found is None:
        raise Http404("Achat introuvable.")
    return found


def _purchase_out(purchase) -> dict:
    data = {name: getattr(purchase, name) for name in PurchaseOut.model_fields if hasattr(purchase, name)}
    data.update(
        year=purchase.plan.year,
        service=purchase.service.name if purchase.service else purchase.service_label,
        lot_count=getattr(purchase, "lot_count", None) or purchase.lots.count(),
    )
    return data


def _values(organisation, payload: Schema, *, partial: bool) -> dict:
    """The payload as service keyword arguments: ids of services and people become objects of the org."""
    raw = payload.dict(exclude_unset=partial)
    if not partial:
        raw = {name: value for name, value in raw.items() if value is not None}
    values = {}
    for name, value in raw.items():
        if name == "service_id":
            service = None
            if value is not None:
                service = Service.objects.filter(organisation=organisation, pk=value).first()
                if service is None:
                    raise ValidationError({"service_id": "Service inconnu dans cette organisation."})
            values["service"] = service
        elif name == "buyer_id":
            buyer = None
            if value is not None:
                member = organisation.memberships.filter(user_id=value, is_active=True).first()
                if member is None:
                    raise ValidationError({"buyer_id": "Cette personne n'est pas membre de l'organisation."})
                buyer = member.user
            values["buyer"] = buyer
        elif value is None and name in {"reference", "nature", "cpv", "place", "procedure", "reservation"}:
            values[name] = ""
        elif value is None and name in {"amount_includes_tax", "insertion_clause", "social_criterion"}:
            values[name] = False
        else:
            values[name] = value
    return values


def _transition_out(step) -> dict:
    known = STEPS_BY_CODE.get(step.step)
    return {
        "id": step.pk,
        "step": step.step,
        "label": known.label_fr if known else step.step,
        "from_status": step.from_status,
        "to_status": step.to_status,
        "actor": step.actor.display_name if step.actor else "",
        "at": step.at,
        "comment": step.comment,
        "reason": step.reason,
    }


# --- Plans ----------------------------------------------------------------------------------------------


@router.get("/orgs/{org}/plans", response=list[PlanOut], summary="Plans des achats de l'organisation")
def plan_list(request, org: str):
    return selectors.plans_of(tenant_for(request, org).organisation).order_by("-year")


@router.post("/orgs/{org}/plans", response={201: PlanOut}, summary="Créer le plan d'une année")
def plan_create(request, org: str, payload: PlanIn):
    organisation = tenant_for(request, org).organisation
    plan = services.get_or_create_plan(request.user, organisation, payload.year)
    return Status(201, selectors.plan_in(organisation, plan.pk))


@router.get("/orgs/{org}/plans/{plan}", response=PlanOut, summary="Un plan des achats")
def plan_detail(request, org: str, plan: int):
    found = selectors.plan_in(tenant_for(request, org).organisation, plan)
    if found is None:
        raise Http404("Plan introuvable.")
    return found


# --- Purchases ------------------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/purchases",
    response=PurchasePage,
    summary="Achats prévus (filtres : year, service, status, nature, band, q, published)",
)
def purchase_list(request, org: str, page: int = 1, page_size: int = 100):
    organisation = tenant_for(request, org).organisation
    filters = selectors.PurchaseFilters.from_query(request.GET, organisation)
    if filters.errors:
        raise ValidationError(filters.errors)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    queryset = selectors.filter_purchases(organisation, filters)
    count = queryset.count()
    rows = queryset[(page - 1) * page_size : page * page_size]
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": [_purchase_out(p) for p in rows],
    }


@router.post("/orgs/{org}/purchases", response={201: PurchaseDetailOut}, summary="Ajouter un achat au plan")
def purchase_create(request, org: str, payload: PurchaseIn):
    organisation = tenant_for(request, org).organisation
    # The plan of the year is created with its first purchase, as on the page.
    plan = services.get_or_create_plan(request.user, organisation, payload.year)
    values = _values(organisation, payload, partial=False)
    values.pop("year")
    created = services.create_purchase(request.user, plan, **values)
    return Status(201, _detail(request, organisation, created.pk))


def _detail(request, organisation, purchase_id: int) -> dict:
    purchase = _purchase(organisation, purchase_id)
    steps = services.available_steps(request.user, purchase)
    return {
        **_purchase_out(purchase),
        "available_steps": [
            {"code": s.code, "label": s.label_fr, "requires_reason": s.requires_reason} for s in steps
        ],
    }


@router.get("/orgs/{org}/purchases/{purchase}", response=PurchaseDetailOut, summary="Un achat prévu")
def purchase_detail(request, org: str, purchase: int):
    return _detail(request, tenant_for(request, org).organisation, purchase)


@router.patch("/orgs/{org}/purchases/{purchase}", response=PurchaseDetailOut, summary="Modifier un achat")
def purchase_update(request, org: str, purchase: int, payload: PurchasePatch):
    organisation = tenant_for(request, org).organisation
    found = _purchase(organisation, purchase)
    values = _values(organisation, payload, partial=True)
    if values:
        services.update_purchase(request.user, found, **values)
    return _detail(request, organisation, found.pk)


# --- Lots -----------------------------------------------------------------------------------------------


@router.get("/orgs/{org}/purchases/{purchase}/lots", response=list[LotOut], summary="Lots d'un achat")
def lot_list(request, org: str, purchase: int):
    return selectors.lots_of(_purchase(tenant_for(request, org).organisation, purchase))


@router.post("/orgs/{org}/lots", response={201: LotOut}, summary="Ajouter un lot à un achat")
def lot_create(request, org: str, payload: LotIn):
    organisation = tenant_for(request, org).organisation
    found = _purchase(organisation, payload.purchase_id)
    values = _values(organisation, payload, partial=False)
    values.pop("purchase_id")
    return Status(201, services.create_lot(request.user, found, **values))


def _lot(organisation, lot_id: int):
    found = selectors.lot_in(organisation, lot_id)
    if found is None:
        raise Http404("Lot introuvable.")
    return found


@router.get("/orgs/{org}/lots/{lot}", response=LotOut, summary="Un lot")
def lot_detail(request, org: str, lot: int):
    return _lot(tenant_for(request, org).organisation, lot)


@router.patch("/orgs/{org}/lots/{lot}", response=LotOut, summary="Modifier un lot")
def lot_update(request, org: str, lot: int, payload: LotPatch):
    organisation = tenant_for(request, org).organisation
    found = _lot(organisation, lot)
    values = _values(organisation, payload, partial=True)
    if values:
        services.update_lot(request.user, found, **values)
    return _lot(organisation, lot)


# --- Workflow -------------------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/purchases/{purchase}/transitions",
    response=list[TransitionOut],
    summary="Étapes du circuit de validation d'un achat",
)
def transition_list(request, org: str, purchase: int):
    found = _purchase(tenant_for(request, org).organisation, purchase)
    return [_transition_out(step) for step in selectors.transitions_of(found)]


@router.post(
    "/orgs/{org}/transitions",
    response={201: TransitionOut},
    summary="Franchir une étape (propose, validate, refuse avec motif, review, launch…)",
)
def transition_create(request, org: str, payload: TransitionIn):
    found = _purchase(tenant_for(request, org).organisation, payload.purchase_id)
    done = services.transition(request.user, found, payload.step, payload.comment, payload.reason)
    return Status(201, _transition_out(done))
