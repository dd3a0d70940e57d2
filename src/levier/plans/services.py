"""Writes on plans, purchases and lots. Each checks the actor's roles, runs in a transaction, records the
changed fields (`FieldChange`) and leaves an `AuditEvent`.

Who may do what:
- create and edit plans, purchases and lots, assign a facilitator: buyer, steward, admin (`EDIT_ROLES`);
- the social choices (reservation, insertion clause, social criterion) also the facilitator;
- workflow steps: as `workflow.STEPS` says;
- mark for publication: buyer, steward (`PUBLISH_ROLES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from levier.core import audit
from levier.ingest.french_values import format_amount_fr
from levier.ingest.plans.keys import lot_key, purchase_key
from levier.organisations.models import Membership, Organisation, Service
from levier.organisations.roles import Role
from levier.rules import cpv as cpv_rules
from levier.rules.geography import resolve_place
from levier.rules.siret import STATUS_EMPTY, normalize_siret

from . import workflow
from .models import (
    ChangeSource,
    FieldChange,
    Lot,
    PlaceLevel,
    Plan,
    PlannedPurchase,
    Transition,
    cents,
)
from .procedure import derive_procedure

EDIT_ROLES = (Role.BUYER, Role.STEWARD, Role.ADMIN)
SOCIAL_ROLES = (*EDIT_ROLES, Role.FACILITATOR)
PUBLISH_ROLES = (Role.BUYER, Role.STEWARD)
# The plan reader's limit too: beyond it a figure is a typing slip, and totals over long durations must fit.
AMOUNT_LIMIT = Decimal(10) ** 12

# Fields shared by purchases and lots that people and imports may set.
COMMON_FIELDS = (
    "nature",
    "cpv",
    "cpv_inferred",
    "estimated_amount",
    "amount_basis",
    "duration_months",
    "launch_date",
    "launch_precision",
    "notification_date",
    "notification_precision",
    "place",
    "procedure",
    "procedure_overridden",
    "procedure_text",
    "current_holder_name",
    "current_holder_siret",
    "current_contract_end",
    "recurring",
)
SOCIAL_FIELDS = ("reservation", "insertion_clause", "social_criterion")
PURCHASE_FIELDS = (
    "reference",
    "object",
    "service",
    "service_label",
    "buyer",
    "buyer_label",
    "amount_includes_tax",
    *COMMON_FIELDS,
    *SOCIAL_FIELDS,
)
LOT_FIELDS = ("number", "title", "reservation", *COMMON_FIELDS)
# Derived fields whose change is worth showing in the history too.
DERIVED_FIELDS = ("annual_amount", "total_amount", "procedure_derived", "place_level", "place_code")


# --- Who is acting --------------------------------------------------------------------------------------


def membership_of(user, organisation: Organisation) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(user=user, organisation=organisation, is_active=True)
        .select_related("service")
        .first()
    )


def require_role(user, organisation: Organisation, roles, what_fr: str) -> Membership:
    membership = membership_of(user, organisation)
    if membership is None or not membership.has_role(*roles):
        labels = ", ".join(Role(role).label for role in roles)
        raise PermissionDenied(f"{what_fr} : réservé aux rôles {labels}.")
    return membership


# --- Values shown in the history ------------------------------------------------------------------------


def display_value(instance: models.Model, name: str) -> str:
    """A field's value as a person reads it (French amounts and dates, choice labels, names)."""
    return display(type(instance), name, getattr(instance, name))


@cache
def _choice_labels(model: type[models.Model], name: str) -> dict | None:
    field = model._meta.get_field(name)
    return {value: str(label) for value, label in field.flatchoices} if field.choices else None


def display(model: type[models.Model], name: str, value) -> str:
    if value is None or value == "":
        return ""
    labels = _choice_labels(model, name)
    if labels is not None:
        return labels.get(value, str(value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return format_amount_fr(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, models.Model):
        return getattr(value, "display_name", None) or str(value)
    return str(value)


def raw_values(instance: models.Model, names: Iterable[str]) -> dict[str, object]:
    return {name: getattr(instance, name) for name in names}


def changed_fields(instance: models.Model, before: dict[str, object]) -> list[tuple[str, str, str]]:
    """(field, old, new) as people read them, for the fields of `before` whose value changed.

    Raw values are compared first: formatting every field of every line of a 10,000-line re-import
    would cost more than the import itself.
    """
    model = type(instance)
    found = []
    for name, old in before.items():
        new = getattr(instance, name)
        if old == new:
            continue
        old_text, new_text = display(model, name, old), display(model, name, new)
        if old_text != new_text:
            found.append((name, old_text, new_text))
    return found


def field_label(model: type[models.Model], name: str) -> str:
    label = str(model._meta.get_field(name).verbose_name)
    return label[0].upper() + label[1:]


def snapshot(instance: models.Model, names: Iterable[str]) -> dict[str, str]:
    return {name: display_value(instance, name) for name in names}


def diff(before: dict[str, str], after: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(name, before[name], after[name]) for name in after if before.get(name) != after[name]]


def change_rows(
    purchase: PlannedPurchase,
    lot: Lot | None,
    changes: list[tuple[str, str, str]],
    actor,
    source: str,
    plan_import=None,
) -> list[FieldChange]:
    model = Lot if lot is not None else PlannedPurchase
    now = timezone.now()
    return [
        FieldChange(
            purchase=purchase,
            lot=lot,
            field=name,
            label=field_label(model, name),
            old_value=old,
            new_value=new,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            at=now,
            source=source,
            plan_import=plan_import,
        )
        for name, old, new in changes
    ]


# --- Derived values -------------------------------------------------------------------------------------


def service_lineage(service: Service | None) -> list[int]:
    ids: list[int] = []
    while service is not None:
        ids.append(service.pk)
        service = service.parent
    return ids


def place_fields(text: str, cache: dict[str, tuple[str, str, str]] | None = None) -> tuple[str, str, str]:
    """(level, code, département) of a place of execution, when the geography reference resolves it."""
    if not text:
        return PlaceLevel.NONE, "", ""
    if cache is not None and text in cache:
        return cache[text]
    resolution = resolve_place(text)
    found = ("", "", "")
    if resolution.found and resolution.best is not None:
        best = resolution.best
        level = PlaceLevel.COMMUNE if best.precision == "commune" else PlaceLevel.DEPARTEMENT
        found = (level, best.code[:5], (best.departement or "")[:3])
    if cache is not None:
        cache[text] = found
    return found


def refresh_derived(purchase: PlannedPurchase, *, place_cache=None) -> None:
    """Amounts per year and in total, the procedure the thresholds give, the resolved place."""
    purchase.compute_amounts()
    plan = purchase.plan
    purchase.procedure_derived = derive_procedure(
        buyer_kind=plan.organisation.kind,
        nature=purchase.nature,
        cpv=purchase.cpv,
        amount=purchase.total_amount if purchase.total_amount is not None else purchase.estimated_amount,
        launch_date=purchase.launch_date,
        plan_year=plan.year,
    )
    if not purchase.procedure_overridden:
        purchase.procedure = purchase.procedure_derived
    purchase.place_level, purchase.place_code, purchase.place_departement = place_fields(
        purchase.place, place_cache
    )


def refresh_lot(lot: Lot, purchase: PlannedPurchase, *, place_cache=None) -> None:
    """A lot's amounts use its purchase's duration and basis when it has none; its procedure is the
    purchase's (thresholds are judged on all the lots together)."""
    if lot.amount_basis == "unknown":
        lot.amount_basis = purchase.amount_basis
    lot.compute_amounts(purchase.duration_months)
    lot.procedure_derived = purchase.procedure_derived
    if not lot.procedure_overridden:
        lot.procedure = purchase.procedure
    lot.place_level, lot.place_code, lot.place_departement = place_fields(lot.place, place_cache)


# --- Cleaning what people type --------------------------------------------------------------------------


def _clean_values(organisation: Organisation, values: dict, allowed: Iterable[str]) -> dict:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(f"Champs non modifiables : {', '.join(sorted(unknown))}.")
    cleaned = dict(values)
    errors: dict[str, str] = {}
    if "cpv" in cleaned:
        raw = cleaned["cpv"] or ""
        check = cpv_rules.normalize_cpv(raw)
        if check.status == cpv_rules.STATUS_EMPTY:
            cleaned["cpv"] = ""
        elif check.is_usable:
            cleaned["cpv"] = check.code
        else:
            errors["cpv"] = check.message_fr
        cleaned.setdefault("cpv_inferred", False)
    if "current_holder_siret" in cleaned:
        check = normalize_siret(cleaned["current_holder_siret"] or "")
        if check.status == STATUS_EMPTY:
            cleaned["current_holder_siret"] = ""
        elif check.is_valid:
            cleaned["current_holder_siret"] = check.value
        else:
            errors["current_holder_siret"] = check.message_fr
    if cleaned.get("estimated_amount") not in (None, ""):
        try:
            amount = Decimal(str(cleaned["estimated_amount"]))
        except InvalidOperation:
            errors["estimated_amount"] = "Montant illisible."
        else:
            if amount < 0:
                errors["estimated_amount"] = "Le montant estimé HT doit être positif ou nul."
            elif amount >= AMOUNT_LIMIT:
                errors["estimated_amount"] = "Montant invraisemblable (mille milliards d'euros ou plus)."
            cleaned["estimated_amount"] = cents(amount)
    elif "estimated_amount" in cleaned:
        cleaned["estimated_amount"] = None
    for name in ("service",):
        service = cleaned.get(name)
        if service is not None and service.organisation_id != organisation.pk:
            errors[name] = "Ce service n'appartient pas à l'organisation."
    for name in ("buyer", "facilitator"):
        user = cleaned.get(name)
        if (
            user is not None
            and not Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists()
        ):
            errors[name] = "Cette personne n'est pas membre de l'organisation."
    if "procedure" in cleaned and "procedure_overridden" not in cleaned:
        # Choosing a procedure is overriding the thresholds; clearing it goes back to them.
        cleaned["procedure_overridden"] = bool(cleaned["procedure"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _full_clean(instance: models.Model, exclude: Iterable[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


# --- Plans, purchases and lots --------------------------------------------------------------------------


@transaction.atomic
def get_or_create_plan(user, organisation: Organisation, year: int) -> Plan:
    plan = Plan.objects.filter(organisation=organisation, year=year).first()
    if plan is not None:
        return plan
    require_role(user, organisation, EDIT_ROLES, "Créer un plan des achats")
    plan = Plan.objects.create(organisation=organisation, year=year, title=f"Plan des achats {year}")
    audit.record(user, organisation, "plan.create", plan, f"Plan des achats {year} créé")
    return plan


def _new_key(plan: Plan, reference: str, object_text: str, service: Service | None) -> str:
    key = purchase_key(reference or None, object_text, service.name if service else None, plan.year)
    if reference and plan.purchases.filter(stable_key=key).exists():
        raise ValidationError({"reference": f"La référence « {reference} » existe déjà dans ce plan."})
    base, occurrence = key, 2
    while plan.purchases.filter(stable_key=key).exists():
        key, occurrence = f"{base}~{occurrence}", occurrence + 1
    return key


@transaction.atomic
def create_purchase(user, plan: Plan, **values) -> PlannedPurchase:
    organisation = plan.organisation
    require_role(user, organisation, EDIT_ROLES, "Créer un achat")
    values = _clean_values(organisation, values, PURCHASE_FIELDS)
    if not str(values.get("object") or "").strip():
        raise ValidationError({"object": "Indiquez l'objet de l'achat."})
    purchase = PlannedPurchase(plan=plan, **values)
    purchase.stable_key = _new_key(plan, purchase.reference, purchase.object, purchase.service)
    refresh_derived(purchase)
    _full_clean(purchase)
    purchase.save()
    audit.record(user, organisation, "plan.purchase.create", purchase, f"Achat créé : {purchase}")
    return purchase


@transaction.atomic
def update_purchase(user, purchase: PlannedPurchase, **values) -> list[FieldChange]:
    organisation = purchase.plan.organisation
    roles = SOCIAL_ROLES if set(values) <= set(SOCIAL_FIELDS) else EDIT_ROLES
    require_role(user, organisation, roles, "Modifier un achat")
    values = _clean_values(organisation, values, PURCHASE_FIELDS)
    purchase = (
        PlannedPurchase.objects.select_for_update(of=("self",))
        .select_related("plan__organisation")
        .get(pk=purchase.pk)
    )
    watched = (*PURCHASE_FIELDS, *DERIVED_FIELDS)
    before = snapshot(purchase, watched)
    for name, value in values.items():
        setattr(purchase, name, value)
    if "object" in values and not str(purchase.object).strip():
        raise ValidationError({"object": "Indiquez l'objet de l'achat."})
    refresh_derived(purchase)
    _full_clean(purchase)
    changes = diff(before, snapshot(purchase, watched))
    if not changes:
        return []
    purchase.save()
    lots = list(purchase.lots.all())
    for lot in lots:
        refresh_lot(lot, purchase)
    Lot.objects.bulk_update(
        lots, ["amount_basis", "annual_amount", "total_amount", "procedure", "procedure_derived"]
    )
    rows = FieldChange.objects.bulk_create(change_rows(purchase, None, changes, user, ChangeSource.MANUAL))
    audit.record(
        user,
        organisation,
        "plan.purchase.update",
        purchase,
        f"Achat modifié : {purchase}",
        fields=[name for name, _old, _new in changes],
    )
    return rows


@transaction.atomic
def create_lot(user, purchase: PlannedPurchase, **values) -> Lot:
    organisation = purchase.plan.organisation
    require_role(user, organisation, EDIT_ROLES, "Créer un lot")
    values = _clean_values(organisation, values, LOT_FIELDS)
    number = str(values.get("number") or "").strip()
    if not number:
        raise ValidationError({"number": "Indiquez le numéro du lot."})
    lot = Lot(purchase=purchase, **values)
    lot.number = number
    lot.stable_key = lot_key(purchase.stable_key, number)
    if purchase.lots.filter(stable_key=lot.stable_key).exists():
        raise ValidationError({"number": f"Le lot {number} existe déjà pour cet achat."})
    refresh_lot(lot, purchase)
    _full_clean(lot)
    lot.save()
    audit.record(user, organisation, "plan.lot.create", lot, f"Lot créé : {purchase} / {lot}")
    return lot


@transaction.atomic
def update_lot(user, lot: Lot, **values) -> list[FieldChange]:
    purchase = lot.purchase
    organisation = purchase.plan.organisation
    roles = SOCIAL_ROLES if set(values) <= set(SOCIAL_FIELDS) else EDIT_ROLES
    require_role(user, organisation, roles, "Modifier un lot")
    values = _clean_values(organisation, values, LOT_FIELDS)
    lot = Lot.objects.select_for_update(of=("self",)).get(pk=lot.pk)
    watched = (*LOT_FIELDS, *DERIVED_FIELDS)
    before = snapshot(lot, watched)
    for name, value in values.items():
        setattr(lot, name, value)
    refresh_lot(lot, purchase)
    _full_clean(lot)
    changes = diff(before, snapshot(lot, watched))
    if not changes:
        return []
    lot.save()
    rows = FieldChange.objects.bulk_create(change_rows(purchase, lot, changes, user, ChangeSource.MANUAL))
    audit.record(
        user,
        organisation,
        "plan.lot.update",
        lot,
        f"Lot modifié : {purchase} / {lot}",
        fields=[name for name, _old, _new in changes],
    )
    return rows


# --- Workflow -------------------------------------------------------------------------------------------


def _service_ok(step: workflow.Step, membership: Membership, purchase: PlannedPurchase) -> bool:
    return workflow.service_allows(
        step, membership.roles, membership.service_id, service_lineage(purchase.service)
    )


def available_steps(user, purchase: PlannedPurchase) -> list[workflow.Step]:
    """The steps this user may take now on this purchase (the buttons to show)."""
    membership = membership_of(user, purchase.plan.organisation)
    if membership is None:
        return []
    return [
        step
        for step in workflow.steps_from(purchase.status)
        if membership.has_role(*step.roles) and _service_ok(step, membership, purchase)
    ]


@transaction.atomic
def transition(
    user, purchase: PlannedPurchase, step_code: str, comment: str = "", reason: str = ""
) -> Transition:
    """Take one workflow step; PermissionDenied or ValidationError (French) when it is not allowed."""
    purchase = (
        PlannedPurchase.objects.select_for_update(of=("self",))
        .select_related("plan__organisation", "service__parent")
        .get(pk=purchase.pk)
    )
    organisation = purchase.plan.organisation
    membership = membership_of(user, organisation)
    roles = membership.roles if membership else []
    step = workflow.STEPS_BY_CODE.get(step_code)
    service_ok = step is None or membership is None or _service_ok(step, membership, purchase)
    try:
        step = workflow.check_step(step_code, purchase.status, roles, reason=reason, service_ok=service_ok)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except workflow.WorkflowError as exc:
        raise ValidationError(str(exc)) from exc
    now = timezone.now()
    done = Transition.objects.create(
        purchase=purchase,
        step=step.code,
        from_status=purchase.status,
        to_status=step.target,
        actor=user,
        at=now,
        comment=comment.strip(),
        reason=reason.strip(),
    )
    purchase.status = step.target
    purchase.status_changed_at = now
    purchase.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit.record(
        user,
        organisation,
        f"plan.purchase.{step.code}",
        purchase,
        f"{step.label_fr} : {purchase}",
        from_status=done.from_status,
        to_status=done.to_status,
        reason=done.reason,
    )
    return done


def _bulk(user, purchases: Iterable[PlannedPurchase], action) -> tuple[list, list]:
    done, skipped = [], []
    for purchase in purchases:
        try:
            with transaction.atomic():
                done.append(action(purchase))
        except (PermissionDenied, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            skipped.append((purchase, message))
    return done, skipped


def send_for_validation(user, purchases: Iterable[PlannedPurchase], comment: str = "") -> tuple[list, list]:
    """Propose every purchase to its prescriber (again, when it was refused).

    Returns (transitions done, [(purchase, French reason it was skipped)]).
    """

    def propose(purchase: PlannedPurchase) -> Transition:
        code = "propose_again" if purchase.status == workflow.Status.REFUSED else "propose"
        return transition(user, purchase, code, comment=comment)

    return _bulk(user, purchases, propose)


def assign_facilitator(user, purchases: Iterable[PlannedPurchase], facilitator) -> tuple[list, list]:
    """Name the facilitator (or nobody, with None) of several purchases; returns (done, skipped)."""

    def assign(purchase: PlannedPurchase) -> PlannedPurchase:
        organisation = purchase.plan.organisation
        require_role(user, organisation, EDIT_ROLES, "Désigner un facilitateur")
        if facilitator is not None:
            member = membership_of(facilitator, organisation)
            if member is None or not member.has_role(Role.FACILITATOR):
                raise ValidationError(
                    f"{facilitator.display_name} n'a pas le rôle de facilitateur dans {organisation.name}."
                )
        before = snapshot(purchase, ["facilitator"])
        purchase.facilitator = facilitator
        changes = diff(before, snapshot(purchase, ["facilitator"]))
        if changes:
            purchase.save(update_fields=["facilitator", "updated_at"])
            FieldChange.objects.bulk_create(change_rows(purchase, None, changes, user, ChangeSource.BULK))
            audit.record(
                user,
                organisation,
                "plan.purchase.assign_facilitator",
                purchase,
                f"Facilitateur de « {purchase} » : {changes[0][2] or 'aucun'}",
            )
        return purchase

    return _bulk(user, purchases, assign)


@transaction.atomic
def set_published(user, purchase: PlannedPurchase, published: bool) -> PlannedPurchase:
    """Mark (or unmark) a purchase for the public feed; it shows there while in a publishable status."""
    organisation = purchase.plan.organisation
    require_role(user, organisation, PUBLISH_ROLES, "Publier un achat")
    if published == purchase.is_published:
        return purchase
    before = snapshot(purchase, ["published_at"])
    purchase.published_at = timezone.now() if published else None
    purchase.save(update_fields=["published_at", "updated_at"])
    changes = diff(before, snapshot(purchase, ["published_at"]))
    FieldChange.objects.bulk_create(change_rows(purchase, None, changes, user, ChangeSource.MANUAL))
    audit.record(
        user,
        organisation,
        "plan.purchase.publish" if published else "plan.purchase.unpublish",
        purchase,
        f"{'Publié' if published else 'Retiré de la publication'} : {purchase}",
    )
    return purchase
