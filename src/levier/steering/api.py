"""API of the steering: /api/v1/orgs/{org}/steering/… targets (list, create, update, delete), indicators,
progress to the targets and buyer objectives of a year.

Same permissions as the pages: targets are set by the steward, read by every member; the organisation's
figures are read by stewards, readers and admins, other members get those of their own purchases (as
buyer); buyer objectives list every buyer for those who steer, only oneself for a buyer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from ninja import Router, Schema, Status

from levier.api.auth import tenant_for
from levier.organisations.roles import Role

from . import selectors, services
from .indicators import indicators
from .models import Indicator
from .progress import buyer_objectives_status, progress
from .views import EDIT_ROLES, ORG_READ_ROLES

router = Router(tags=["Pilotage"])


class TargetOut(Schema):
    id: int
    year: int
    indicator: str
    indicator_label: str
    service_id: int | None
    buyer_id: int | None
    value: Decimal
    baseline_year: int | None
    baseline_value: Decimal | None
    note: str
    updated_at: dt.datetime


class TargetIn(Schema):
    year: int
    indicator: str
    value: Decimal
    service_id: int | None = None
    buyer_id: int | None = None
    baseline_year: int | None = None
    baseline_value: Decimal | None = None
    note: str = ""


class TargetPatch(Schema):
    value: Decimal | None = None
    baseline_year: int | None = None
    baseline_value: Decimal | None = None
    note: str | None = None


class MonthOut(Schema):
    month: int
    label: str
    spend_esat_ea: Decimal
    spend_siae: Decimal
    reserved: int
    hours: Decimal


class GroupOut(Schema):
    id: int | None
    label: str
    contracts: int
    social_contracts: int
    social_share: Decimal | None
    reserved: int
    hours: Decimal
    spend_esat_ea: Decimal
    spend_siae: Decimal


class IndicatorsOut(Schema):
    year: int
    service_id: int | None
    buyer_id: int | None
    values: dict[str, Decimal | None]
    contracts: int
    passed: int
    social_contracts: int
    eu_contracts: int
    eu_social_contracts: int
    hours_required: int
    spend_total: Decimal | None
    spend_inclusive: Decimal | None
    by_month: list[MonthOut]
    by_service: list[GroupOut]
    by_buyer: list[GroupOut]


class PointOut(Schema):
    year: int
    target: Decimal | None
    actual: Decimal | None
    baseline: bool


class ProgressOut(Schema):
    target_id: int
    indicator: str
    label: str
    value: Decimal
    actual: Decimal | None
    ratio: Decimal | None
    expected: Decimal
    on_track: bool
    baseline_year: int | None
    baseline_value: Decimal | None
    trajectory: list[PointOut]


class ObjectiveOut(Schema):
    id: int
    year: int
    indicator: str
    minimum: Decimal
    service_id: int | None
    label: str


class ObjectiveStatusOut(Schema):
    objective_id: int
    actual: Decimal
    minimum: Decimal
    met: bool


class BuyerStatusOut(Schema):
    buyer_id: int
    name: str
    service: str
    all_met: bool
    objectives: list[ObjectiveStatusOut]


class BuyerObjectivesOut(Schema):
    year: int
    objectives: list[ObjectiveOut]
    buyers: list[BuyerStatusOut]


def _require(tenant, *roles) -> None:
    if not tenant.has_role(*roles):
        raise PermissionDenied("Votre rôle dans cette organisation ne permet pas cette action.")


def _target(organisation, target_id: int):
    found = selectors.target_in(organisation, target_id)
    if found is None:
        raise Http404("Cible introuvable.")
    return found


def _target_out(target) -> dict:
    return {
        "id": target.pk,
        "year": target.year,
        "indicator": target.indicator,
        "indicator_label": Indicator(target.indicator).label,
        "service_id": target.service_id,
        "buyer_id": target.buyer_id,
        "value": target.value,
        "baseline_year": target.baseline_year,
        "baseline_value": target.baseline_value,
        "note": target.note,
        "updated_at": target.updated_at,
    }


def _scope(organisation, service_id, buyer_id):
    service = selectors.service_in(organisation, service_id) if service_id else None
    if service_id and service is None:
        raise ValidationError({"service_id": "Ce service n'existe pas dans l'organisation."})
    buyer = selectors.buyer_in(organisation, buyer_id) if buyer_id else None
    if buyer_id and buyer is None:
        raise ValidationError({"buyer_id": "Cet acheteur n'est pas membre de l'organisation."})
    return service, buyer


def _year(year: int | None) -> int:
    return year if year is not None else dt.date.today().year


# --- Targets --------------------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/steering/targets",
    response=list[TargetOut],
    summary="Cibles de l'organisation (filtres : year, indicator)",
)
def target_list(request, org: str, year: int | None = None, indicator: str | None = None):
    found = selectors.targets_of(tenant_for(request, org).organisation, year=year)
    if indicator:
        found = found.filter(indicator=indicator)
    return [_target_out(t) for t in found]


@router.post("/orgs/{org}/steering/targets", response={201: TargetOut}, summary="Fixer une cible")
def target_create(request, org: str, payload: TargetIn):
    tenant = tenant_for(request, org)
    _require(tenant, *EDIT_ROLES)
    service, buyer = _scope(tenant.organisation, payload.service_id, payload.buyer_id)
    target = services.set_target(
        request.user,
        tenant.organisation,
        year=payload.year,
        indicator=payload.indicator,
        value=payload.value,
        service=service,
        buyer=buyer,
        baseline_year=payload.baseline_year,
        baseline_value=payload.baseline_value,
        note=payload.note,
    )
    return Status(201, _target_out(selectors.target_in(tenant.organisation, target.pk)))


@router.get("/orgs/{org}/steering/targets/{target}", response=TargetOut, summary="Une cible")
def target_detail(request, org: str, target: int):
    return _target_out(_target(tenant_for(request, org).organisation, target))


@router.patch(
    "/orgs/{org}/steering/targets/{target}",
    response=TargetOut,
    summary="Modifier une cible (valeur, référence, commentaire)",
)
def target_update(request, org: str, target: int, payload: TargetPatch):
    tenant = tenant_for(request, org)
    found = _target(tenant.organisation, target)
    _require(tenant, *EDIT_ROLES)
    given = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        services.set_target(
            request.user,
            tenant.organisation,
            year=found.year,
            indicator=found.indicator,
            value=given.get("value", found.value),
            service=found.service,
            buyer=found.buyer,
            baseline_year=given.get("baseline_year", found.baseline_year),
            baseline_value=given.get("baseline_value", found.baseline_value),
            note=given.get("note", found.note) or "",
        )
    return _target_out(_target(tenant.organisation, target))


@router.delete("/orgs/{org}/steering/targets/{target}", response={204: None}, summary="Supprimer une cible")
def target_delete(request, org: str, target: int):
    tenant = tenant_for(request, org)
    found = _target(tenant.organisation, target)
    _require(tenant, *EDIT_ROLES)
    services.delete_target(request.user, found)
    return Status(204, None)


# --- Indicators and progress ----------------------------------------------------------------------------


def _reading_scope(request, tenant, service_id, buyer_id):
    service, buyer = _scope(tenant.organisation, service_id, buyer_id)
    if not tenant.has_role(*ORG_READ_ROLES):
        # As on the dashboard: members who do not steer read the figures of their own purchases.
        if buyer_id and buyer_id != request.user.pk:
            raise PermissionDenied("Vous ne pouvez lire que les indicateurs de vos propres achats.")
        buyer = request.user
    return service, buyer


def _group_out(row) -> dict:
    return {
        "id": row.key if isinstance(row.key, int) else None,
        "label": row.label,
        "contracts": row.contracts,
        "social_contracts": row.social_contracts,
        "social_share": row.social_share,
        "reserved": row.reserved,
        "hours": row.hours,
        "spend_esat_ea": row.spend_esat_ea,
        "spend_siae": row.spend_siae,
    }


@router.get(
    "/orgs/{org}/steering/indicators",
    response=IndicatorsOut,
    summary="Indicateurs réalisés d'une année (filtres : year, service, buyer)",
)
def indicator_values(
    request, org: str, year: int | None = None, service: int | None = None, buyer: int | None = None
):
    tenant = tenant_for(request, org)
    scope_service, scope_buyer = _reading_scope(request, tenant, service, buyer)
    ind = indicators(tenant.organisation, _year(year), scope_service, scope_buyer)
    return {
        "year": ind.year,
        "service_id": scope_service.pk if scope_service else None,
        "buyer_id": scope_buyer.pk if scope_buyer else None,
        "values": {key: ind.values.get(key) for key in Indicator.values},
        "contracts": ind.contracts,
        "passed": ind.passed,
        "social_contracts": ind.social_contracts,
        "eu_contracts": ind.eu_contracts,
        "eu_social_contracts": ind.eu_social_contracts,
        "hours_required": ind.hours_required,
        "spend_total": ind.spend_total,
        "spend_inclusive": ind.spend_inclusive,
        "by_month": [vars(m) for m in ind.by_month],
        "by_service": [_group_out(r) for r in ind.by_service],
        "by_buyer": [_group_out(r) for r in ind.by_buyer],
    }


@router.get(
    "/orgs/{org}/steering/progress",
    response=list[ProgressOut],
    summary="Avancement vers les cibles d'une année (filtres : year, service, buyer)",
)
def target_progress(
    request, org: str, year: int | None = None, service: int | None = None, buyer: int | None = None
):
    tenant = tenant_for(request, org)
    scope_service, scope_buyer = _reading_scope(request, tenant, service, buyer)
    return [
        {
            "target_id": item.target.pk,
            "indicator": item.indicator,
            "label": item.label,
            "value": item.value,
            "actual": item.actual,
            "ratio": item.ratio,
            "expected": item.expected,
            "on_track": item.on_track,
            "baseline_year": item.baseline_year,
            "baseline_value": item.baseline_value,
            "trajectory": [vars(p) for p in item.trajectory],
        }
        for item in progress(tenant.organisation, _year(year), scope_service, scope_buyer)
    ]


@router.get(
    "/orgs/{org}/steering/buyer-objectives",
    response=BuyerObjectivesOut,
    summary="Objectifs par acheteur d'une année et où en est chaque acheteur",
)
def buyer_objectives(request, org: str, year: int | None = None):
    tenant = tenant_for(request, org)
    whole = tenant.has_role(*ORG_READ_ROLES)
    if not whole and not tenant.has_role(Role.BUYER):
        raise PermissionDenied("Votre rôle dans cette organisation ne permet pas cette action.")
    year = _year(year)
    statuses = buyer_objectives_status(tenant.organisation, year, buyer=None if whole else request.user)
    return {
        "year": year,
        "objectives": [
            {
                "id": o.pk,
                "year": o.year,
                "indicator": o.indicator,
                "minimum": o.minimum,
                "service_id": o.service_id,
                "label": o.label,
            }
            for o in selectors.objectives_of(tenant.organisation, year)
        ],
        "buyers": [
            {
                "buyer_id": s.buyer_id,
                "name": s.name,
                "service": s.service,
                "all_met": s.all_met,
                "objectives": [
                    {"objective_id": x.objective.pk, "actual": x.actual, "minimum": x.minimum, "met": x.met}
                    for x in s.objectives
                ],
            }
            for s in statuses
        ],
    }
