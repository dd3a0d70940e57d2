"""Writes of the screening: compute and keep the engine's answer, turn an option into a proposal, set a
recommendation aside, apply a lot split, turn candidates into a sourcing list, change the policy.

Who may do what:
- screen a purchase or a plan again: any member but readers and prescribers (`SCREEN_ROLES`);
- propose an option, set a recommendation aside: facilitator (`FACILITATOR_ROLES`), as the workflow says;
- apply a lot split: who may create lots (`levier.plans.services.EDIT_ROLES`);
- candidates to a sourcing list: who may edit lists (`levier.sourcing.services.EDIT_ROLES`);
- change the policy, including the organisation's own labour shares by sector: admin, steward
  (`POLICY_ROLES`).
Computing a screening is derived data (no audit event); every decision a person takes leaves one.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from levier.core import audit
from levier.directory.models import Structure
from levier.organisations.roles import Role
from levier.plans import services as plan_services
from levier.plans.models import Plan, PlannedPurchase, Reservation
from levier.plans.workflow import Status
from levier.rules.sectors import load_taxonomy
from levier.screening import model as engine
from levier.screening import screen
from levier.sourcing import services as sourcing_services

from . import engine as adapters
from . import selectors
from .models import LabourShare, PurchaseScreening, ScreeningOverride, ScreeningPolicy

SCREEN_ROLES = (Role.BUYER, Role.FACILITATOR, Role.STEWARD, Role.ADMIN)
FACILITATOR_ROLES = (Role.FACILITATOR,)
POLICY_ROLES = (Role.ADMIN, Role.STEWARD)
POLICY_FIELDS = (
    "min_candidates_to_reserve",
    "max_turnover_share",
    "insertion_rate",
    "hourly_cost",
    "radius_on_site_km",
    "radius_delivered_km",
    "reserved_meets_obligation",
    "central_government",
)

RESERVATION_OF_OPTION = {
    engine.RESERVE_DISABILITY: Reservation.DISABILITY,
    engine.RESERVE_INSERTION: Reservation.INSERTION,
    engine.RESERVE_BOTH: Reservation.BOTH,
    engine.RESERVE_ESS: Reservation.ESS,
}


# --- Policy ---------------------------------------------------------------------------------------------


def policy_of(organisation) -> ScreeningPolicy:
    """The organisation's policy; the engine's defaults until someone changes it (created on first read)."""
    policy, _created = ScreeningPolicy.objects.get_or_create(organisation=organisation)
    return policy


@transaction.atomic
def update_policy(user, organisation, **values) -> ScreeningPolicy:
    plan_services.require_role(user, organisation, POLICY_ROLES, "Modifier la politique de criblage")
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(f"Champs non modifiables : {', '.join(sorted(unknown))}.")
    errors = {}
    for name in ("max_turnover_share", "insertion_rate"):
        value = values.get(name)
        if value is not None and not Decimal(0) < Decimal(value) <= Decimal(1):
            errors[name] = "Indiquez une part entre 0 et 1 (0,30 pour 30 %)."
    if values.get("min_candidates_to_reserve") is not None and values["min_candidates_to_reserve"] < 1:
        errors["min_candidates_to_reserve"] = "Il faut au moins une structure capable pour réserver."
    if errors:
        raise ValidationError(errors)
    policy = ScreeningPolicy.objects.select_for_update().get(pk=policy_of(organisation).pk)
    changed = {
        name: [str(getattr(policy, name)), str(v)] for name, v in values.items() if getattr(policy, name) != v
    }
    if not changed:
        return policy
    for name, value in values.items():
        setattr(policy, name, value)
    policy.version += 1
    policy.updated_by = user
    policy.full_clean()
    policy.save()
    audit.record(
        user,
        organisation,
        "screening.policy.update",
        policy,
        "Politique de criblage modifiée",
        changes=changed,
    )
    return policy


def _bump_version(user, organisation) -> ScreeningPolicy:
    """Stored screenings computed before this change become stale (their policy version is older)."""
    policy = ScreeningPolicy.objects.select_for_update().get(pk=policy_of(organisation).pk)
    policy.version += 1
    policy.updated_by = user
    policy.save(update_fields=["version", "updated_by", "updated_at"])
    return policy


@transaction.atomic
def set_labour_share(user, organisation, sector: str, share, reason: str) -> LabourShare:
    """The organisation's own labour share for a sector, used instead of the sectors table's in the hours
    of its screenings and clauses. A justification is required: it is what a later reader checks."""
    plan_services.require_role(user, organisation, POLICY_ROLES, "Modifier les parts de main-d'œuvre")
    found = load_taxonomy().get(sector or "")
    errors = {}
    if found is None:
        errors["sector"] = f"Secteur « {sector} » inconnu : choisissez un secteur de la liste."
    try:
        value = Decimal(str(share))
    except (ArithmeticError, ValueError):
        value = None
    if value is None or not Decimal(0) < value <= Decimal(1):
        errors["share"] = "Indiquez une part entre 0 et 1 (0,60 pour 60 %)."
    if not (reason or "").strip():
        errors["reason"] = "Indiquez pourquoi la part de l'organisation diffère de la valeur de référence."
    if errors:
        raise ValidationError(errors)
    current = LabourShare.objects.filter(organisation=organisation, sector=found.code).first()
    before = str(current.share) if current else str(found.labour_share)
    row, _created = LabourShare.objects.update_or_create(
        organisation=organisation,
        sector=found.code,
        defaults={"share": value, "reason": reason.strip(), "updated_by": user},
    )
    _bump_version(user, organisation)
    audit.record(
        user,
        organisation,
        "screening.labour_share.set",
        row,
        f"Part de main-d'œuvre propre : {found.label}",
        changes={"share": [before, str(value)]},
    )
    return row


@transaction.atomic
def remove_labour_share(user, organisation, sector: str) -> None:
    """Back to the sectors table's reference share for this sector."""
    plan_services.require_role(user, organisation, POLICY_ROLES, "Modifier les parts de main-d'œuvre")
    row = LabourShare.objects.filter(organisation=organisation, sector=sector).first()
    if row is None:
        raise ValidationError("Cette part de main-d'œuvre propre n'existe pas (déjà retirée ?).")
    found = load_taxonomy().get(sector)
    reference = str(found.labour_share) if found else ""
    audit.record(
        user,
        organisation,
        "screening.labour_share.remove",
        row,
        f"Part de main-d'œuvre propre retirée : {found.label if found else sector}",
        changes={"share": [str(row.share), reference]},
    )
    row.delete()
    _bump_version(user, organisation)


# --- Screening ------------------------------------------------------------------------------------------


class Context:
    """What screening many purchases of one organisation shares: index, policy, national rates."""

    def __init__(self, organisation):
        self.organisation = organisation
        self.index, self.directory_version = adapters.directory_index()
        self.policy = policy_of(organisation)
        self.engine_policy = adapters.engine_policy(
            self.policy, organisation, selectors.labour_shares_of(organisation)
        )
        self.national_rate = adapters.national_rates()


def _stored(result: engine.Screening) -> dict:
    data = result.to_dict()
    # Only the cuts that bring more capable structures are worth a button: a département's sectors
    # all reached by the same structures would propose lots that change nothing.
    data["splits"] = [
        split for split in data.get("splits", []) if split["candidates_after"] > split["candidates_before"]
    ]
    return data


def compute(purchase: PlannedPurchase, lots, context: Context) -> PurchaseScreening:
    """Screen one purchase and keep the answer (replacing the previous one)."""
    result = screen(
        adapters.purchase_input(purchase, lots),
        context.index,
        context.engine_policy,
        national_rate=context.national_rate,
    )
    best = result.recommendation
    values = {
        "organisation": context.organisation,
        "option": best.code,
        "option_label": best.label_fr,
        "score": float(best.score),
        "compulsory": bool(result.compulsory),
        "candidate_ids": [candidate.id for candidate in best.candidates],
        "hours": result.hours if best.hours is None else best.hours,
        "lot_options": [
            {
                "key": lot.key,
                "title": lot.title,
                "option": lot.recommendation.code,
                "option_label": lot.recommendation.label_fr,
                "risky": lot.recommendation.risky,
            }
            for lot in result.lots
        ],
        "result": _stored(result),
        "computed_at": timezone.now(),
        "directory_version": context.directory_version,
        "policy_version": context.policy.version,
    }
    found, _created = PurchaseScreening.objects.update_or_create(purchase=purchase, defaults=values)
    return found


def screen_purchase(purchase: PlannedPurchase, context: Context | None = None) -> PurchaseScreening:
    context = context or Context(purchase.plan.organisation)
    return compute(purchase, list(purchase.lots.all()), context)


def is_stale(screening: PurchaseScreening | None, context_versions: tuple[str, int]) -> bool:
    if screening is None:
        return True
    return (screening.directory_version, screening.policy_version) != context_versions


def current_screening(purchase: PlannedPurchase) -> PurchaseScreening:
    """The stored answer when it was computed against today's directory and policy, else a fresh one."""
    found = PurchaseScreening.objects.filter(purchase=purchase).first()
    versions = (adapters.directory_version(), policy_of(purchase.plan.organisation).version)
    if found is not None and not is_stale(found, versions) and found.computed_at >= purchase.updated_at:
        return found
    return screen_purchase(purchase)


def screen_plan(plan: Plan, progress=None) -> int:
    """Screen every purchase of the plan; `progress(done, total)` is called as it goes. Returns the count."""
    context = Context(plan.organisation)
    purchases = list(plan.purchases.select_related("plan__organisation").prefetch_related("lots"))
    total = len(purchases)
    for done, purchase in enumerate(purchases, start=1):
        compute(purchase, list(purchase.lots.all()), context)
        if progress is not None:
            progress(done, total)
    return total


# --- Decisions ------------------------------------------------------------------------------------------


def _option(screening: PurchaseScreening, code: str) -> dict:
    found = next((o for o in screening.result.get("options", []) if o["code"] == code), None)
    if found is None:
        raise ValidationError(f"Option inconnue pour cet achat : « {code} ».")
    return found


def _comment(option: dict) -> str:
    factors = "; ".join(factor["text_fr"] for factor in option.get("factors", [])[:4])
    return f"Option retenue : {option['label_fr']} (score {option['score']:.0f}/100). {factors}".strip()[
        :2000
    ]


@transaction.atomic
def propose(user, purchase: PlannedPurchase, code: str) -> PlannedPurchase:
    """The facilitator turns an option into a proposal: the social choices are set, the purchase goes to
    "proposé" with the option and its reasons as the comment."""
    plan_services.require_role(user, purchase.plan.organisation, FACILITATOR_ROLES, "Proposer une option")
    screening = current_screening(purchase)
    option = _option(screening, code)
    values = {
        "reservation": RESERVATION_OF_OPTION.get(code, Reservation.NONE),
        "insertion_clause": code in (engine.CLAUSE, engine.CLAUSE_AND_CRITERION),
        "social_criterion": code in (engine.CRITERION, engine.CLAUSE_AND_CRITERION),
    }
    plan_services.update_purchase(user, purchase, **values)
    if code == engine.RESERVE_LOTS:
        _reserve_lots(user, purchase, screening, option)
    step = "propose_again" if purchase.status == Status.REFUSED else "propose"
    plan_services.transition(user, purchase, step, comment=_comment(option))
    return PlannedPurchase.objects.get(pk=purchase.pk)


def _reserve_lots(user, purchase, screening, option) -> None:
    """Each lot the option names gets the reservation its own screening recommends."""
    best_by_lot = {
        lot["key"]: lot["options"][0]["code"] for lot in screening.result.get("lots", []) if lot["options"]
    }
    for lot in purchase.lots.filter(
        pk__in=[int(key) for key in option.get("lots", []) if str(key).isdigit()]
    ):
        reservation = RESERVATION_OF_OPTION.get(best_by_lot.get(str(lot.pk), ""))
        if reservation:
            plan_services.update_lot(user, lot, reservation=reservation)


@transaction.atomic
def override(user, purchase: PlannedPurchase, reason: str) -> ScreeningOverride:
    """The facilitator sets the recommendation aside, saying why."""
    organisation = purchase.plan.organisation
    plan_services.require_role(user, organisation, FACILITATOR_ROLES, "Écarter une recommandation")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez pourquoi vous écartez la recommandation."})
    screening = current_screening(purchase)
    found = ScreeningOverride.objects.create(
        purchase=purchase,
        option=screening.option,
        option_label=screening.option_label,
        reason=reason,
        actor=user,
    )
    audit.record(
        user,
        organisation,
        "screening.override",
        purchase,
        f"Recommandation écartée : {screening.option_label} ({purchase})",
        reason=reason,
    )
    return found


@transaction.atomic
def apply_split(user, purchase: PlannedPurchase, number: int) -> list:
    """Cut the purchase into the lots of split `number` (its position in the panel, from 1)."""
    organisation = purchase.plan.organisation
    plan_services.require_role(user, organisation, plan_services.EDIT_ROLES, "Allotir un achat")
    if purchase.lots.exists():
        raise ValidationError("Cet achat a déjà des lots : modifiez-les sur la fiche de l'achat.")
    splits = current_screening(purchase).result.get("splits", [])
    if not 1 <= number <= len(splits):
        raise ValidationError("Ce découpage n'est plus proposé : la recommandation a été recalculée.")
    split = splits[number - 1]
    reservation = RESERVATION_OF_OPTION.get(split["option"], Reservation.NONE)
    lots = []
    for position, lot in enumerate(split["lots"], start=1):
        place = (lot.get("place") or {}).get("label") or ""
        if not place and len(lot.get("departements") or []) == 1:
            place = lot["departements"][0]
        lots.append(
            plan_services.create_lot(
                user,
                purchase,
                number=str(lot.get("number") or position),
                title=(lot.get("title") or lot["label_fr"])[:300],
                estimated_amount=Decimal(str(round(lot["annual_amount"], 2))),
                amount_basis="per_year",
                place=place[:200],
                cpv=lot.get("cpv") or "",
                reservation=reservation,
            )
        )
    audit.record(
        user, organisation, "screening.split.apply", purchase, f"Allotissement appliqué : {split['label_fr']}"
    )
    screen_purchase(PlannedPurchase.objects.select_related("plan__organisation").get(pk=purchase.pk))
    return lots


@transaction.atomic
def candidates_to_list(user, purchase: PlannedPurchase, code: str):
    """A sourcing list of the option's candidates, tied to the purchase, in one click."""
    organisation = purchase.plan.organisation
    option = _option(current_screening(purchase), code)
    ids = [candidate["id"] for candidate in option.get("candidates", [])]
    if not ids:
        raise ValidationError("Cette option n'a aucune structure candidate à mettre dans une liste.")
    title = f"{purchase.object[:140]} — {option['label_fr']}"[:200]
    sourcing_list = sourcing_services.create_list(
        user, organisation, title, purchase=purchase, description=_comment(option)
    )
    structures = Structure.objects.in_bulk(ids)
    for structure_id in ids:
        if structure_id in structures:
            sourcing_services.add_structure(user, sourcing_list, structures[structure_id])
    return sourcing_list
