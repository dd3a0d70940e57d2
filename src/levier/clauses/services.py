"""Writes on clauses: create, edit, compute hours, activate, close; the organisation's clause settings.

Hours come from the rules core (`rules.hours.insertion_hours`): the amount is the clause's own when given,
else the lot's or the purchase's total amount HT; the labour share is the clause's own when given, else
the share of the purchase's sector found from its CPV (`rules.sectors`); the insertion rate and hourly cost
are the clause's own when given, else the organisation's (its screening policy, recommendations app), else
the rules core's dated defaults. `hours_required` follows the computed
figure unless a person set another one, which needs a reason (`hours_override_reason`); both are audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from levier.core import audit
from levier.organisations.roles import Role
from levier.plans.services import require_role
from levier.rules import hours as rules_hours
from levier.rules.sectors import load_taxonomy

from .models import (
    Clause,
    ClauseKind,
    ClauseSettings,
    ClauseStatus,
    Eligibility,
    Frequency,
    ReservedArticle,
    Way,
)


class ClauseError(ValueError):
    """A refused write; `message` is French and names the field when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# Who writes clauses and awards; the organisation's settings are its admins' decision.
EDIT_ROLES = (Role.BUYER, Role.FACILITATOR, Role.ADMIN)
SETTINGS_ROLES = (Role.ADMIN,)

EDITABLE_FIELDS = (
    "kind",
    "article",
    "facilitator",
    "amount_ht",
    "labour_share",
    "insertion_rate",
    "hourly_cost",
    "taken_over_share",
    "eligible_publics",
    "accepted_ways",
    "reporting_frequency",
    "penalty_per_hour",
    "penalty_late_report",
    "criterion_weight",
    "start_date",
    "end_date",
)
# Changing one of these recomputes the hours.
HOURS_INPUTS = ("amount_ht", "labour_share", "insertion_rate", "hourly_cost", "taken_over_share", "lot")
SETTINGS_FIELDS = ("names_allowed", "admins_see_participants", "retention_months", "alert_threshold")


def settings_for(organisation) -> ClauseSettings:
    found, _created = ClauseSettings.objects.get_or_create(organisation=organisation)
    return found


@transaction.atomic
def update_settings(user, organisation, **fields) -> ClauseSettings:
    require_role(user, organisation, SETTINGS_ROLES, "Réglages des clauses")
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ClauseError(f"Réglage inconnu : {', '.join(sorted(unknown))}.")
    current = settings_for(organisation)
    threshold = fields.get("alert_threshold")
    if threshold is not None and not Decimal(0) <= Decimal(str(threshold)) < 1:
        raise ClauseError(
            "Seuil d'alerte : une part entre 0 et 1 (0,1 pour 10 %) est attendue.", "alert_threshold"
        )
    months = fields.get("retention_months")
    if months is not None and int(months) < 1:
        raise ClauseError("Durée de conservation : au moins un mois.", "retention_months")
    changes = {}
    for name, value in fields.items():
        before = getattr(current, name)
        if before != value:
            changes[name] = [str(before), str(value)]
            setattr(current, name, value)
    current.save()
    audit.record(
        user, organisation, "clauses.settings.update", current, "Réglages des clauses", changes=changes
    )
    return current


# --- Hours ----------------------------------------------------------------------------------------------


def _base_amount(clause: Clause) -> Decimal | None:
    if clause.amount_ht is not None:
        return clause.amount_ht
    if clause.lot_id and clause.lot.total_amount is not None:
        return clause.lot.total_amount
    purchase = clause.purchase
    return purchase.total_amount if purchase.total_amount is not None else purchase.estimated_amount


def _sector_share(clause: Clause) -> tuple[str | None, float | None, str | None]:
    """The sector of the clause's CPV and its labour share: the organisation's own when it set one (with
    where it comes from), else the sectors table's."""
    from levier.recommendations.selectors import labour_shares_of

    cpv = (clause.lot.cpv if clause.lot_id and clause.lot.cpv else "") or clause.purchase.cpv
    if not cpv:
        return None, None, None
    matches = load_taxonomy().sectors_for_cpv(cpv)
    if not matches:
        return None, None, None
    sector = matches[0].sector
    own = labour_shares_of(clause.organisation).get(sector.code)
    if own is not None:
        return sector.code, own, f"part propre à l'organisation pour le secteur {sector.code}"
    return sector.code, sector.labour_share, None


def _organisation_hours_defaults(organisation) -> tuple[Decimal | None, Decimal | None]:
    """The organisation's own insertion rate and hourly cost (its screening policy); None where it kept
    the rules core's dated defaults."""
    from levier.recommendations.models import ScreeningPolicy

    found = (
        ScreeningPolicy.objects.filter(organisation=organisation)
        .values_list("insertion_rate", "hourly_cost")
        .first()
    )
    return found if found is not None else (None, None)


def compute_hours(clause: Clause) -> rules_hours.HoursResult:
    """The rules core's hours for the clause as it stands; `ClauseError` when an input is missing."""
    amount = _base_amount(clause)
    if amount is None:
        raise ClauseError("Montant HT : indiquez le montant du marché pour calculer les heures.", "amount_ht")
    labour_share, sector, share_source = clause.labour_share, None, None
    if labour_share is None:
        sector, labour_share, share_source = _sector_share(clause)
    if labour_share is None:
        raise ClauseError(
            "Part de main-d'œuvre : le code CPV de l'achat ne donne pas de secteur, indiquez-la.",
            "labour_share",
        )
    rate, cost = clause.insertion_rate, clause.hourly_cost
    if rate is None or cost is None:
        own_rate, own_cost = _organisation_hours_defaults(clause.organisation)
        rate = own_rate if rate is None else rate
        cost = own_cost if cost is None else cost
    try:
        result = rules_hours.insertion_hours(
            amount,
            labour_share,
            rate,
            cost,
            taken_over_share=clause.taken_over_share or 0,
            sector=sector,
            on=clause.start_date,
        )
    except rules_hours.HoursError as exc:
        raise ClauseError(str(exc)) from exc
    if share_source:
        return dataclasses.replace(result, sources={**result.sources, "labour_share": share_source})
    return result


def _apply_hours(clause: Clause, hours_required, reason: str) -> None:
    """Computed figure from the rules core; a different required figure needs a reason."""
    if clause.is_insertion:
        result = compute_hours(clause)
        clause.hours_computed = result.hours
        clause.hours_explanation = result.explanation
    else:
        clause.hours_computed, clause.hours_explanation = None, ""
    if hours_required is None or (
        clause.hours_computed is not None and int(hours_required) == clause.hours_computed
    ):
        clause.hours_required = clause.hours_computed
        clause.hours_override_reason = ""
        return
    if int(hours_required) < 0:
        raise ClauseError("Heures exigées : un nombre positif est attendu.", "hours_required")
    if not reason.strip():
        raise ClauseError(
            "Motif : indiquez pourquoi les heures exigées diffèrent du calcul "
            f"({clause.hours_computed if clause.hours_computed is not None else 'sans calcul'} h).",
            "hours_override_reason",
        )
    clause.hours_required = int(hours_required)
    clause.hours_override_reason = reason.strip()


# --- Validation -----------------------------------------------------------------------------------------


def _check(clause: Clause) -> None:
    if clause.kind not in ClauseKind.values:
        raise ClauseError("Nature : choisissez une nature de clause.", "kind")
    if clause.kind == ClauseKind.RESERVED:
        if clause.article not in ReservedArticle.values or not clause.article:
            raise ClauseError(
                "Article : choisissez l'article de la réservation (L2113-12 à L2113-15).", "article"
            )
    elif clause.article:
        raise ClauseError("Article : seule une réservation cite un article de réservation.", "article")
    if clause.lot_id and clause.lot.purchase_id != clause.purchase_id:
        raise ClauseError("Lot : ce lot n'appartient pas à l'achat.", "lot")
    if clause.purchase.plan.organisation_id != clause.organisation_id:
        raise ClauseError("Achat : cet achat n'appartient pas à l'organisation.", "purchase")
    for name, choices, label in (
        ("eligible_publics", Eligibility, "Publics éligibles"),
        ("accepted_ways", Way, "Modalités acceptées"),
    ):
        unknown = [value for value in getattr(clause, name) if value not in choices.values]
        if unknown:
            raise ClauseError(f"{label} : valeur(s) inconnue(s) {', '.join(map(str, unknown))}.", name)
    if clause.reporting_frequency not in Frequency.values:
        raise ClauseError("Fréquence : choisissez une fréquence de déclaration.", "reporting_frequency")
    if clause.start_date and clause.end_date and clause.end_date <= clause.start_date:
        raise ClauseError("Fin d'exécution : elle doit suivre le début.", "end_date")
    if clause.criterion_weight is not None and not 0 < Decimal(clause.criterion_weight) <= 100:
        raise ClauseError("Pondération : un pourcentage entre 0 et 100 est attendu.", "criterion_weight")


def _snapshot(clause: Clause) -> dict[str, str]:
    names = (*EDITABLE_FIELDS, "lot", "hours_computed", "hours_required", "hours_override_reason", "status")
    return {
        name: str(getattr(clause, f"{name}_id" if name in ("facilitator", "lot") else name)) for name in names
    }


@transaction.atomic
def create_clause(
    user,
    purchase,
    *,
    kind: str,
    lot=None,
    hours_required=None,
    hours_override_reason: str = "",
    **fields,
) -> Clause:
    require_role(user, purchase.plan.organisation, EDIT_ROLES, "Créer une clause")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ClauseError(f"Champ inconnu : {', '.join(sorted(unknown))}.")
    clause = Clause(organisation=purchase.plan.organisation, purchase=purchase, lot=lot, kind=kind, **fields)
    if clause.facilitator_id is None and purchase.facilitator_id:
        clause.facilitator_id = purchase.facilitator_id
    if not clause.accepted_ways and clause.is_insertion:
        clause.accepted_ways = list(Way.values)
    if not clause.eligible_publics and clause.is_insertion:
        clause.eligible_publics = list(Eligibility.values)
    _check(clause)
    _apply_hours(clause, hours_required, hours_override_reason)
    clause.save()
    audit.record(
        user,
        clause.organisation,
        "clauses.clause.create",
        clause,
        f"Clause créée : {clause}",
        hours_computed=clause.hours_computed,
        hours_required=clause.hours_required,
        hours_override_reason=clause.hours_override_reason,
    )
    return clause


@transaction.atomic
def update_clause(
    user, clause: Clause, *, hours_required=None, hours_override_reason: str = "", **fields
) -> Clause:
    """Edit a clause. Leaving `hours_required` out keeps an earlier override (and its reason) when the
    inputs of the calculation did not change, and follows the new computed figure when they did."""
    require_role(user, clause.organisation, EDIT_ROLES, "Modifier une clause")
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"lot"}
    if unknown:
        raise ClauseError(f"Champ inconnu : {', '.join(sorted(unknown))}.")
    if clause.status == ClauseStatus.CLOSED:
        raise ClauseError("Clause clôturée : elle ne se modifie plus.")
    before = _snapshot(clause)
    inputs_changed = any(name in fields and fields[name] != getattr(clause, name) for name in HOURS_INPUTS)
    for name, value in fields.items():
        setattr(clause, name, value)
    _check(clause)
    if hours_required is None and clause.hours_overridden and not inputs_changed:
        hours_required, hours_override_reason = (
            clause.hours_required,
            hours_override_reason or clause.hours_override_reason,
        )
    _apply_hours(clause, hours_required, hours_override_reason)
    clause.save()
    after = _snapshot(clause)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    audit.record(
        user,
        clause.organisation,
        "clauses.clause.update",
        clause,
        f"Clause modifiée : {clause}",
        changes=changes,
    )
    return clause


@transaction.atomic
def activate_clause(user, clause: Clause) -> Clause:
    require_role(user, clause.organisation, EDIT_ROLES, "Passer une clause en exécution")
    if clause.status != ClauseStatus.DRAFT:
        raise ClauseError("Seule une clause en préparation passe en exécution.")
    if clause.is_insertion and not (clause.start_date and clause.end_date):
        raise ClauseError(
            "Dates d'exécution : indiquez le début et la fin avant de suivre la clause.", "start_date"
        )
    clause.status = ClauseStatus.ACTIVE
    clause.save(update_fields=["status", "updated_at"])
    audit.record(
        user, clause.organisation, "clauses.clause.activate", clause, f"Clause en exécution : {clause}"
    )
    return clause


@transaction.atomic
def close_clause(user, clause: Clause, *, on: dt.date | None = None) -> Clause:
    """Close the clause and keep its final report (figures only, no participant row)."""
    from .forecast import final_report

    require_role(user, clause.organisation, EDIT_ROLES, "Clôturer une clause")
    if clause.status == ClauseStatus.CLOSED:
        raise ClauseError("Clause déjà clôturée.")
    clause.final_report = final_report(clause, on=on)
    clause.status = ClauseStatus.CLOSED
    clause.closed_at = timezone.now()
    clause.save(update_fields=["final_report", "status", "closed_at", "updated_at"])
    audit.record(
        user,
        clause.organisation,
        "clauses.clause.close",
        clause,
        f"Clause clôturée : {clause}",
        achieved=clause.final_report.get("achieved"),
        required=clause.final_report.get("required"),
    )
    return clause


@transaction.atomic
def delete_clause(user, clause: Clause) -> None:
    require_role(user, clause.organisation, EDIT_ROLES, "Supprimer une clause")
    if clause.declarations.exists():
        raise ClauseError("Clause avec des déclarations : clôturez-la plutôt que de la supprimer.")
    audit.record(user, clause.organisation, "clauses.clause.delete", clause, f"Clause supprimée : {clause}")
    clause.delete()
