"""API of the clauses: /api/v1/orgs/{org}/clauses, awards and declarations (list, detail, create).

As in plans/api.py, writes name their parent in the body (`purchase_id`, `clause_id`) so that the path holds
only `{org}`, resolved by authentication before anything runs. Reads go through `selectors`; participant rows
(the `lines` of a declaration) only through `personal_data`, which lets facilitators (and admins when the
organisation turned it on) through and logs the read; other roles get the totals without them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Router, Schema, Status

from levier.api.auth import tenant_for
from levier.organisations.roles import Role
from levier.plans import selectors as plan_selectors

from . import awards, declarations, forecast, personal_data, selectors, services
from .models import Declaration

router = Router(tags=["Clauses sociales"])
EDIT_ROLES = (Role.BUYER, Role.FACILITATOR, Role.ADMIN)


class MissingPeriodOut(Schema):
    start: dt.date
    end: dt.date


class ProgressOut(Schema):
    required: int
    achieved: Decimal
    expected_to_date: Decimal
    projected_at_end: Decimal | None
    behind: bool
    late: bool
    next_due: dt.date | None
    alert: str
    missing: list[MissingPeriodOut] = []


class ClauseOut(Schema):
    id: int
    purchase_id: int
    lot_id: int | None
    kind: str
    article: str
    status: str
    facilitator_id: int | None
    amount_ht: Decimal | None
    labour_share: Decimal | None
    insertion_rate: Decimal | None
    hourly_cost: Decimal | None
    taken_over_share: Decimal
    hours_computed: int | None
    hours_explanation: str
    hours_required: int | None
    hours_override_reason: str
    eligible_publics: list[str]
    accepted_ways: list[str]
    reporting_frequency: str
    penalty_per_hour: Decimal | None
    penalty_late_report: Decimal | None
    criterion_weight: Decimal | None
    start_date: dt.date | None
    end_date: dt.date | None
    achieved: Decimal
    progress: ProgressOut | None
    final_report: dict


class ClauseIn(Schema):
    purchase_id: int
    lot_id: int | None = None
    kind: str
    article: str = ""
    facilitator_id: int | None = None
    amount_ht: Decimal | None = None
    labour_share: Decimal | None = None
    insertion_rate: Decimal | None = None
    hourly_cost: Decimal | None = None
    taken_over_share: Decimal | None = None
    hours_required: int | None = None
    hours_override_reason: str = ""
    eligible_publics: list[str] | None = None
    accepted_ways: list[str] | None = None
    reporting_frequency: str | None = None
    penalty_per_hour: Decimal | None = None
    penalty_late_report: Decimal | None = None
    criterion_weight: Decimal | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class HolderSchema(Schema):
    name: str
    siret: str = ""
    role: str = "holder"
    amount_ht: Decimal | None = None


class HolderOut(HolderSchema):
    inclusive: bool
    kinds: list[str]
    structure_id: int | None


class AwardOut(Schema):
    id: int
    clause_id: int
    amount_ht: Decimal | None
    awarded_on: dt.date | None
    bids: int | None
    inclusive_bids: int | None
    holders: list[HolderOut]


class AwardIn(Schema):
    clause_id: int
    amount_ht: Decimal | None = None
    awarded_on: dt.date | None = None
    bids: int | None = None
    inclusive_bids: int | None = None
    holders: list[HolderSchema]


class LineOut(Schema):
    participant_code: str | None
    way: str
    hours: Decimal
    age_band: str | None
    sex: str | None
    eligibility: str | None
    qualification: str | None
    qpv: bool | None
    contract_type: str | None
    contract_months: int | None
    referring_body: str | None


class DeclarationOut(Schema):
    id: int
    clause_id: int
    period_start: dt.date
    period_end: dt.date
    source: str
    hours: Decimal
    participants: int
    comment: str
    lines: list[LineOut] | None = None


class LineIn(Schema):
    code: str
    way: str
    hours: Decimal
    structure_name: str = ""
    structure_siret: str = ""
    age_band: str | None = None
    sex: str | None = None
    eligibility: str | None = None
    qualification: str | None = None
    qpv: bool | None = None
    contract_type: str | None = None
    contract_months: int | None = None
    referring_body: str | None = None


class DeclarationIn(Schema):
    clause_id: int
    period_start: dt.date
    period_end: dt.date
    comment: str = ""
    lines: list[LineIn]


# --- Helpers --------------------------------------------------------------------------------------------


def _require_role(tenant, *roles) -> None:
    if not tenant.has_role(*roles):
        raise PermissionDenied("Votre rôle dans cette organisation ne permet pas cette action.")


def _clause(organisation, clause_id: int):
    found = selectors.clause_in(organisation, clause_id)
    if found is None:
        raise Http404("Clause introuvable.")
    return found


def _clause_out(clause, progress) -> dict:
    data = {name: getattr(clause, name) for name in ClauseOut.model_fields if hasattr(clause, name)}
    data["progress"] = progress.to_dict() if progress is not None else None
    return data


def _refused(error) -> ValidationError:
    """A service's French refusal (ClauseError, AwardError, DeclarationError...) as a 422."""
    message = getattr(error, "message", str(error))
    field = getattr(error, "field", None)
    return ValidationError({field: message} if field else message)


def _award_out(award) -> dict:
    return {
        "id": award.pk,
        "clause_id": award.clause_id,
        "amount_ht": award.amount_ht,
        "awarded_on": award.awarded_on,
        "bids": award.bids,
        "inclusive_bids": award.inclusive_bids,
        "holders": [
            {
                "name": h.name,
                "siret": h.siret,
                "role": h.role,
                "amount_ht": h.amount_ht,
                "inclusive": h.inclusive,
                "kinds": h.kinds,
                "structure_id": h.structure_id,
            }
            for h in award.holders.all()
        ],
    }


def _line_out(line) -> dict:
    person = line.participant
    return {
        "participant_code": person.code if person else None,
        "way": line.way,
        "hours": line.hours,
        **{name: getattr(person, name) if person else None for name in personal_data.PROFILE_FIELDS},
    }


def _declarations_out(request, tenant, clause, only: int | None = None) -> list[dict]:
    """Totals for every member; the lines too for those allowed to see participants (the read is logged)."""
    lines_by_declaration: dict[int, list] | None = None
    if personal_data.may_see_participants(tenant, tenant.organisation):
        lines_by_declaration = {}
        for line in personal_data.participant_lines(request.user, tenant, clause):
            lines_by_declaration.setdefault(line.declaration_id, []).append(_line_out(line))
    result = []
    for total in selectors.declarations_of(clause):
        declaration = total.declaration
        if only is not None and declaration.pk != only:
            continue
        result.append(
            {
                "id": declaration.pk,
                "clause_id": clause.pk,
                "period_start": declaration.period_start,
                "period_end": declaration.period_end,
                "source": declaration.source,
                "hours": total.hours,
                "participants": total.participants,
                "comment": declaration.comment,
                "lines": None
                if lines_by_declaration is None
                else lines_by_declaration.get(declaration.pk, []),
            }
        )
    return result


# --- Clauses --------------------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/clauses",
    response=list[ClauseOut],
    summary="Clauses de l'organisation (filtres : status, pace)",
)
def clause_list(request, org: str):
    organisation = tenant_for(request, org).organisation
    filters = selectors.ClauseFilters.from_query(request.GET)
    if filters.errors:
        raise ValidationError(filters.errors)
    clauses = selectors.filter_clauses(organisation, filters, forecast.progress_many)
    progress = forecast.progress_many(clauses)
    return [_clause_out(c, progress[c.pk]) for c in clauses]


@router.get("/orgs/{org}/clauses/{clause}", response=ClauseOut, summary="Une clause, avec son suivi")
def clause_detail(request, org: str, clause: int):
    found = _clause(tenant_for(request, org).organisation, clause)
    return _clause_out(found, forecast.progress(found))


@router.post(
    "/orgs/{org}/clauses", response={201: ClauseOut}, summary="Rédiger une clause sur un achat ou un lot"
)
def clause_create(request, org: str, payload: ClauseIn):
    tenant = tenant_for(request, org)
    _require_role(tenant, *EDIT_ROLES)
    organisation = tenant.organisation
    purchase = plan_selectors.purchase_in(organisation, payload.purchase_id)
    if purchase is None:
        raise Http404("Achat introuvable.")
    values = payload.dict(exclude_none=True)
    values.pop("purchase_id")
    lot = None
    if "lot_id" in values:
        lot = plan_selectors.lots_of(purchase).filter(pk=values.pop("lot_id")).first()
        if lot is None:
            raise ValidationError({"lot_id": "Lot inconnu pour cet achat."})
    if "facilitator_id" in values:
        wanted = values.pop("facilitator_id")
        values["facilitator"] = next(
            (u for u in selectors.clause_facilitators(organisation) if u.pk == wanted), None
        )
        if values["facilitator"] is None:
            raise ValidationError(
                {"facilitator_id": "Cette personne n'est pas facilitatrice de l'organisation."}
            )
    try:
        created = services.create_clause(request.user, purchase, lot=lot, **values)
    except services.ClauseError as error:
        raise _refused(error) from error
    found = _clause(organisation, created.pk)
    return Status(201, _clause_out(found, forecast.progress(found)))


# --- Awards ---------------------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/awards", response=list[AwardOut], summary="Attributions des clauses de l'organisation"
)
def award_list(request, org: str):
    organisation = tenant_for(request, org).organisation
    return [_award_out(a) for a in selectors.awards_of(organisation)]


@router.get("/orgs/{org}/awards/{award}", response=AwardOut, summary="Une attribution et ses titulaires")
def award_detail(request, org: str, award: int):
    found = selectors.award_in(tenant_for(request, org).organisation, award)
    if found is None:
        raise Http404("Attribution introuvable.")
    return _award_out(found)


@router.post(
    "/orgs/{org}/awards",
    response={201: AwardOut},
    summary="Enregistrer (ou remplacer) l'attribution d'une clause",
)
def award_create(request, org: str, payload: AwardIn):
    tenant = tenant_for(request, org)
    _require_role(tenant, *EDIT_ROLES)
    found = _clause(tenant.organisation, payload.clause_id)
    values = payload.dict()
    values.pop("clause_id")
    try:
        award = awards.record_award(request.user, found, **values)
    except awards.AwardError as error:
        raise _refused(error) from error
    return Status(201, _award_out(selectors.award_in(tenant.organisation, award.pk)))


# --- Declarations ---------------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/clauses/{clause}/declarations",
    response=list[DeclarationOut],
    summary="Déclarations d'une clause (lignes des participants pour les facilitateurs seulement)",
)
def declaration_list(request, org: str, clause: int):
    tenant = tenant_for(request, org)
    return _declarations_out(request, tenant, _clause(tenant.organisation, clause))


@router.get("/orgs/{org}/declarations/{declaration}", response=DeclarationOut, summary="Une déclaration")
def declaration_detail(request, org: str, declaration: int):
    tenant = tenant_for(request, org)
    found = selectors.declaration_in(tenant.organisation, declaration)
    if found is None:
        raise Http404("Déclaration introuvable.")
    return _declarations_out(request, tenant, found.clause, only=found.pk)[0]


@router.post(
    "/orgs/{org}/declarations",
    response={201: DeclarationOut},
    summary="Déclarer les heures d'une période (facilitateurs)",
)
def declaration_create(request, org: str, payload: DeclarationIn):
    tenant = tenant_for(request, org)
    found = _clause(tenant.organisation, payload.clause_id)
    lines = [line.dict(exclude_none=True) for line in payload.lines]
    try:
        created: Declaration = declarations.record_declaration(
            request.user,
            tenant,
            found,
            period_start=payload.period_start,
            period_end=payload.period_end,
            lines=lines,
            comment=payload.comment,
        )
    except declarations.DeclarationError as error:
        raise _refused(error) from error
    return Status(201, _declarations_out(request, tenant, found, only=created.pk)[0])
