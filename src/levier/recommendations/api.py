"""API of the screening: a purchase's screening (read, or computed again) and the organisation's policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Router, Schema

from levier.api.auth import tenant_for
from levier.plans import selectors as plan_selectors

from . import selectors, services, tasks

router = Router(tags=["Criblage"])


class ScreeningOut(Schema):
    purchase_id: int
    option: str
    option_label: str
    score: float
    compulsory: bool
    hours: int | None
    candidate_ids: list[int]
    computed_at: dt.datetime
    directory_version: str
    policy_version: int
    result: dict


class PolicyOut(Schema):
    min_candidates_to_reserve: int
    max_turnover_share: Decimal
    insertion_rate: Decimal | None
    hourly_cost: Decimal | None
    radius_on_site_km: int
    radius_delivered_km: int
    reserved_meets_obligation: bool
    central_government: bool | None
    version: int
    labour_shares: dict[str, float] = {}
    """The organisation's own labour share by sector code (read only here: set on the policy page)."""

    @staticmethod
    def resolve_labour_shares(policy) -> dict[str, float]:
        return selectors.labour_shares_of(policy.organisation)


class PolicyIn(Schema):
    min_candidates_to_reserve: int | None = None
    max_turnover_share: Decimal | None = None
    insertion_rate: Decimal | None = None
    hourly_cost: Decimal | None = None
    radius_on_site_km: int | None = None
    radius_delivered_km: int | None = None
    reserved_meets_obligation: bool | None = None
    central_government: bool | None = None


def _purchase(organisation, purchase: int):
    found = plan_selectors.purchase_in(organisation, purchase)
    if found is None:
        raise Http404("Achat introuvable.")
    return found


@router.get(
    "/orgs/{org}/purchases/{purchase}/screening", response=ScreeningOut, summary="Le criblage d'un achat"
)
def screening_detail(request, org: str, purchase: int):
    return services.current_screening(_purchase(tenant_for(request, org).organisation, purchase))


@router.get("/orgs/{org}/screening-policy", response=PolicyOut, summary="La politique de criblage")
def policy_detail(request, org: str):
    return services.policy_of(tenant_for(request, org).organisation)


@router.patch("/orgs/{org}/screening-policy", response=PolicyOut, summary="Modifier la politique de criblage")
def policy_update(request, org: str, payload: PolicyIn):
    organisation = tenant_for(request, org).organisation
    values = payload.dict(exclude_unset=True)
    before = services.policy_of(organisation).version
    updated = services.update_policy(request.user, organisation, **values)
    if updated.version != before:
        tasks.start_all(organisation, f"Politique de criblage modifiée (version {updated.version})")
    return updated
