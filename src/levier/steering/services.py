"""Writes of the steering app, each in a transaction leaving an AuditEvent.

Targets, buyer objectives and settings: steward or admin. Supplier matches: steward or admin. The columns
of the organisation's accounting exports (the mapping screen's answers): whoever imports spend.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from levier.core import audit
from levier.core.column_mapping import save_answers
from levier.ingest.spend.reader import FIELD_CHOICES
from levier.organisations.roles import Role
from levier.plans.services import require_role

from .models import (
    BuyerObjective,
    Indicator,
    MatchStatus,
    ObjectiveIndicator,
    SpendColumnMapping,
    SteeringSettings,
    SupplierMatch,
    Target,
)

STEER_ROLES = (Role.STEWARD, Role.ADMIN)
PERCENT_INDICATORS = (Indicator.SOCIAL_SHARE_COUNT, Indicator.SOCIAL_SHARE_AMOUNT, Indicator.EU_SOCIAL_SHARE)
YEARS = (2000, 2100)


def _decimal(value, label: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label} : « {value} » n'est pas un nombre.") from None
    if not number.is_finite() or number < 0:
        raise ValidationError(f"{label} : un nombre positif ou nul est attendu.")
    return number.quantize(Decimal("0.01"))


def _check_year(year: int, label: str = "Année") -> None:
    if not YEARS[0] <= int(year) <= YEARS[1]:
        raise ValidationError(f"{label} invraisemblable : {year}.")


def _check_scope(organisation, service, buyer) -> None:
    if service is not None and service.organisation_id != organisation.pk:
        raise ValidationError("Ce service n'appartient pas à l'organisation.")
    if buyer is not None and not buyer.memberships.filter(organisation=organisation).exists():
        raise ValidationError("Cet acheteur n'est pas membre de l'organisation.")


@transaction.atomic
def set_target(
    user,
    organisation,
    *,
    year: int,
    indicator: str,
    value,
    service=None,
    buyer=None,
    baseline_year: int | None = None,
    baseline_value=None,
    note: str = "",
) -> Target:
    """Create or replace the target of (year, indicator, service, buyer)."""
    require_role(user, organisation, STEER_ROLES, "Fixer une cible")
    if indicator not in Indicator.values:
        raise ValidationError(f"Indicateur inconnu : « {indicator} ».")
    _check_year(year)
    _check_scope(organisation, service, buyer)
    number = _decimal(value, "Cible")
    if indicator in PERCENT_INDICATORS and number > 100:
        raise ValidationError("Cible : un pourcentage entre 0 et 100 est attendu.")
    if (baseline_year is None) != (baseline_value in (None, "")):
        raise ValidationError("Référence : indiquez l'année et la valeur, ou aucune des deux.")
    if baseline_year is not None:
        _check_year(baseline_year, "Année de référence")
        if int(baseline_year) >= int(year):
            raise ValidationError("L'année de référence doit précéder l'année de la cible.")
    target, created = Target.objects.update_or_create(
        organisation=organisation,
        year=year,
        indicator=indicator,
        service=service,
        buyer=buyer,
        defaults={
            "value": number,
            "baseline_year": baseline_year,
            "baseline_value": None if baseline_year is None else _decimal(baseline_value, "Référence"),
            "note": note,
            "updated_by": user,
        },
    )
    audit.record(
        user,
        organisation,
        "steering.target_set",
        target,
        f"Cible {year} « {Indicator(indicator).label} » : {number}",
        created=created,
        year=year,
        indicator=indicator,
        value=str(number),
        service=service.pk if service else None,
        buyer=buyer.pk if buyer else None,
    )
    return target


@transaction.atomic
def delete_target(user, target: Target) -> None:
    require_role(user, target.organisation, STEER_ROLES, "Supprimer une cible")
    audit.record(
        user,
        target.organisation,
        "steering.target_deleted",
        target,
        f"Cible {target.year} « {target.get_indicator_display()} » supprimée",
        value=str(target.value),
    )
    target.delete()


@transaction.atomic
def set_buyer_objective(
    user,
    organisation,
    *,
    year: int,
    indicator: str,
    minimum,
    label: str,
    service=None,
    objective: BuyerObjective | None = None,
) -> BuyerObjective:
    """Create a buyer objective, or update `objective`."""
    require_role(user, organisation, STEER_ROLES, "Fixer un objectif par acheteur")
    if indicator not in ObjectiveIndicator.values:
        raise ValidationError(f"Indicateur inconnu : « {indicator} ».")
    _check_year(year)
    _check_scope(organisation, service, None)
    if not label.strip():
        raise ValidationError("Indiquez la phrase de l'objectif affichée aux acheteurs.")
    if objective is not None and objective.organisation_id != organisation.pk:
        raise ValidationError("Cet objectif n'appartient pas à l'organisation.")
    objective = objective or BuyerObjective(organisation=organisation)
    created = objective.pk is None
    objective.year = year
    objective.indicator = indicator
    objective.minimum = _decimal(minimum, "Minimum")
    objective.service = service
    objective.label = label.strip()[:300]
    objective.updated_by = user
    objective.save()
    audit.record(
        user,
        organisation,
        "steering.buyer_objective_set",
        objective,
        f"Objectif par acheteur {year} : {objective.label}",
        created=created,
        minimum=str(objective.minimum),
    )
    return objective


@transaction.atomic
def delete_buyer_objective(user, objective: BuyerObjective) -> None:
    require_role(user, objective.organisation, STEER_ROLES, "Supprimer un objectif par acheteur")
    audit.record(user, objective.organisation, "steering.buyer_objective_deleted", objective, objective.label)
    objective.delete()


def _decide(user, match: SupplierMatch, status: str, action: str, verb: str) -> SupplierMatch:
    require_role(user, match.organisation, STEER_ROLES, f"{verb} un rapprochement")
    if match.structure_id is None:
        raise ValidationError("Ce fournisseur n'a pas de structure proposée.")
    match.status = status
    match.decided_by = user
    match.decided_at = timezone.now()
    match.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        user,
        match.organisation,
        action,
        match,
        f"{match.supplier_name} → {match.structure.name} : {match.get_status_display().lower()}",
        supplier_key=match.supplier_key,
        structure=match.structure_id,
    )
    return match


@transaction.atomic
def confirm_match(user, match: SupplierMatch) -> SupplierMatch:
    return _decide(user, match, MatchStatus.CONFIRMED, "steering.match_confirmed", "Confirmer")


@transaction.atomic
def reject_match(user, match: SupplierMatch) -> SupplierMatch:
    return _decide(user, match, MatchStatus.REJECTED, "steering.match_rejected", "Rejeter")


def settings_of(organisation) -> SteeringSettings:
    found = SteeringSettings.objects.filter(organisation=organisation).first()
    return found or SteeringSettings(organisation=organisation)


@transaction.atomic
def update_settings(user, organisation, *, departements: list[str], radius_km: int) -> SteeringSettings:
    require_role(user, organisation, STEER_ROLES, "Modifier les réglages du pilotage")
    cleaned = []
    for code in departements:
        code = str(code).strip().upper()
        if not code:
            continue
        if len(code) == 1 and code.isdigit():
            code = "0" + code
        if not (2 <= len(code) <= 3 and (code.isdigit() or code in ("2A", "2B"))):
            raise ValidationError(f"Département invalide : « {code} ».")
        cleaned.append(code)
    if not 1 <= int(radius_km) <= 500:
        raise ValidationError("Rayon : entre 1 et 500 km.")
    settings, _created = SteeringSettings.objects.update_or_create(
        organisation=organisation,
        defaults={"departements": sorted(set(cleaned)), "radius_km": int(radius_km)},
    )
    audit.record(
        user,
        organisation,
        "steering.settings_updated",
        settings,
        "Réglages du pilotage modifiés",
        departements=settings.departements,
        radius_km=settings.radius_km,
    )
    return settings


@transaction.atomic
def save_spend_mapping(user, organisation, mapping: dict[str, str], ignored=()) -> list[SpendColumnMapping]:
    """Remember which column of the organisation's exports feeds which field ({field: header}) and which
    columns are not used: the next export with these headers is read without asking."""
    from .importing import IMPORT_ROLES

    if user is not None:
        require_role(user, organisation, IMPORT_ROLES, "Enregistrer la correspondance des colonnes")
    unknown = sorted(set(mapping) - set(FIELD_CHOICES))
    if unknown:
        raise ValidationError(f"Champ inconnu : {', '.join(unknown)}.")
    headers = [header for header in mapping.values() if header]
    if len(set(headers)) != len(headers):
        raise ValidationError("Une colonne ne peut donner qu'un seul champ.")
    ignored = [header for header in ignored if header and header not in headers]
    saved = save_answers(SpendColumnMapping, organisation, user, mapping, ignored)
    audit.record(
        user,
        organisation,
        "steering.spend_mapping.save",
        None,
        f"Correspondance des colonnes des dépenses enregistrée ({len(saved)} colonne(s))",
        mapping=mapping,
        ignored=ignored,
    )
    return saved
