"""Edits of a structure's card by a person: checked, marked "manual" field by field, audited.

A field edited here keeps its value through every later import (importing.py never overwrites a
"manual" field); `release_fields` hands fields back to the imports. Kinds, sectors and intervention
départements are edited as whole sets: once edited, imports no longer touch that set.

Who may edit: the directory is shared, so anyone who works on purchases somewhere (buyer, facilitator,
steward or administrator of an organisation) may correct it; every edit names its author in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from levier.core import audit
from levier.organisations.models import Membership
from levier.organisations.roles import Role
from levier.rules.geography import shipped_departements
from levier.rules.sectors import load_taxonomy, normalize_naf
from levier.rules.siret import normalize_siret

from .models import (
    AreaDepartement,
    AreaKind,
    Basis,
    Kind,
    PositionPrecision,
    ProvisionKind,
    Source,
    Structure,
    StructureKind,
    StructureSector,
)

EDITOR_ROLES = (Role.BUYER, Role.FACILITATOR, Role.STEWARD, Role.ADMIN)

EDITABLE_FIELDS = (
    "name",
    "brand",
    "siret",
    "legal_form",
    "naf",
    "description",
    "is_active",
    "provision_kinds",
    "address",
    "address_complement",
    "postcode",
    "city",
    "insee_code",
    "departement",
    "lat",
    "lon",
    "area_kind",
    "area_radius_km",
    "headcount",
    "headcount_basis",
    "esat_capacity",
    "esat_capacity_basis",
    "turnover",
    "turnover_basis",
    "max_contract_amount",
    "max_contract_amount_basis",
    "labels",
    "networks",
    "email",
    "phone",
    "website",
    "contact_role",
)
EDIT_REFUSED = "Seuls les acheteurs, facilitateurs, référents et administrateurs modifient l'annuaire."
SET_FIELDS = ("kinds", "sectors", "area_departements")
# A capacity figure and the field saying how it is known.
BASES = {
    "headcount": "headcount_basis",
    "esat_capacity": "esat_capacity_basis",
    "turnover": "turnover_basis",
    "max_contract_amount": "max_contract_amount_basis",
}


# Fields holding a list of codes: where the known codes come from, and how to name unknown ones.
CODE_LISTS = {
    "kinds": (lambda: Kind.values, "Type(s) inconnu(s)"),
    "sectors": (load_taxonomy, "Secteur(s) inconnu(s)"),
    "area_departements": (shipped_departements, "Département(s) inconnu(s)"),
    "provision_kinds": (lambda: ProvisionKind.values, "Mode(s) d'intervention inconnu(s)"),
}


def can_edit(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(
        membership.has_role(*EDITOR_ROLES)
        for membership in Membership.objects.filter(user=user, is_active=True)
    )


def _label(name: str) -> str:
    if name in SET_FIELDS:
        return {"kinds": "types", "sectors": "secteurs", "area_departements": "départements d'intervention"}[
            name
        ]
    return str(Structure._meta.get_field(name).verbose_name)


def _codes(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError({name: "Une liste de codes est attendue."})
    return list(dict.fromkeys(str(code).strip() for code in value if str(code).strip()))


def _clean(structure: Structure, changes: Mapping[str, object]) -> dict[str, object]:
    """Changes turned into stored values; every problem reported at once, in French, per field."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS) - set(SET_FIELDS))
    if unknown:
        raise ValidationError(f"Champs non modifiables : {', '.join(unknown)}.")
    cleaned: dict[str, object] = {}
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name, value in changes.items():
        try:
            if name in CODE_LISTS:
                codes = _codes(value, name)
                known, what = CODE_LISTS[name]
                bad = [code for code in codes if code not in known()]
                if bad:
                    fail(name, f"{what} : {', '.join(bad)}.")
                cleaned[name] = codes
            elif name in ("labels", "networks"):
                cleaned[name] = _codes(value, name)
            else:
                field = Structure._meta.get_field(name)
                if value is None and not field.null:
                    value = ""
                cleaned[name] = field.clean(value, structure)
        except ValidationError as error:
            for message in error.messages:
                fail(name, message)

    if cleaned.get("siret"):
        check = normalize_siret(cleaned["siret"])
        if check.value is None:
            fail("siret", check.message_fr)
        else:
            cleaned["siret"] = check.value
    if cleaned.get("naf"):
        naf = normalize_naf(str(cleaned["naf"]))
        if naf is None or len(naf) != 5:
            fail("naf", f"Code NAF « {cleaned['naf']} » invalide (forme 8130Z attendue).")
        else:
            cleaned["naf"] = naf
    if cleaned.get("departement") and cleaned["departement"] not in shipped_departements():
        fail("departement", f"Département « {cleaned['departement']} » inconnu.")
    if ("lat" in cleaned) != ("lon" in cleaned):
        fail("lat", "La latitude et la longitude se modifient ensemble.")
    if cleaned.get("lat") is not None and not -90 <= cleaned["lat"] <= 90:
        fail("lat", "La latitude doit être comprise entre -90 et 90.")
    if cleaned.get("lon") is not None and not -180 <= cleaned["lon"] <= 180:
        fail("lon", "La longitude doit être comprise entre -180 et 180.")
    area_kind = cleaned.get("area_kind", structure.area_kind)
    radius = cleaned.get("area_radius_km", structure.area_radius_km)
    if area_kind == AreaKind.RADIUS and not radius:
        fail("area_radius_km", "Indiquez le rayon d'intervention en kilomètres.")
    if errors:
        raise ValidationError(errors)
    # A figure typed without saying how it is known was entered by the person editing.
    for figure, basis in BASES.items():
        if cleaned.get(figure) is not None and basis not in cleaned and not getattr(structure, basis):
            cleaned[basis] = Basis.ENTERED
    if cleaned.get("area_departements") and "area_kind" not in cleaned:
        cleaned["area_kind"] = AreaKind.DEPARTEMENTS
    return cleaned


def _shown(value: object) -> object:
    return value if isinstance(value, str | int | float | bool | list | type(None)) else str(value)


@transaction.atomic
def edit_structure(
    user, structure: Structure, changes: Mapping[str, object], *, organisation=None
) -> Structure:
    """Apply `changes` ({field: value}, sets as lists of codes) and mark each field as edited by hand."""
    if not can_edit(user):
        raise PermissionDenied(EDIT_REFUSED)
    structure = Structure.objects.select_for_update().get(pk=structure.pk)
    cleaned = _clean(structure, changes)
    marker = {"source": Source.MANUAL.value, "user": user.pk, "at": timezone.now().isoformat()}
    diff: dict[str, list[object]] = {}
    for name, value in cleaned.items():
        if name in SET_FIELDS:
            before = _current_set(structure, name)
            if before != value:
                _replace_set(structure, name, value)
                diff[name] = [before, value]
        else:
            before = getattr(structure, name)
            if before != value:
                setattr(structure, name, value)
                diff[name] = [_shown(before), _shown(value)]
        structure.provenance[name] = marker
    if "lat" in cleaned:
        structure.position_precision = PositionPrecision.MANUAL
        structure.provenance["position_precision"] = marker
    if "departement" in cleaned:
        dep = shipped_departements().get(structure.departement)
        structure.region = dep.region_code if dep else ""
        structure.provenance["region"] = marker
    structure.refresh_search_text()
    structure.save()
    if diff:
        # Stored screenings may now list a structure that no longer fits, or miss one that does.
        from levier.recommendations.rescreen import directory_changed

        transaction.on_commit(lambda: directory_changed(structure))
    labels = ", ".join(_label(name) for name in diff) or "aucun changement"
    audit.record(
        user,
        organisation,
        "structure.edit",
        structure,
        f"Fiche de {structure} modifiée à la main : {labels}.",
        changes=diff,
    )
    return structure


@transaction.atomic
def release_fields(user, structure: Structure, fields: Iterable[str], *, organisation=None) -> Structure:
    """Hand fields back to the imports: the next import of a source may set them again."""
    if not can_edit(user):
        raise PermissionDenied(EDIT_REFUSED)
    structure = Structure.objects.select_for_update().get(pk=structure.pk)
    released = [name for name in fields if structure.is_manual(name)]
    for name in released:
        del structure.provenance[name]
    structure.save(update_fields=["provenance", "updated_at"])
    audit.record(
        user,
        organisation,
        "structure.release",
        structure,
        f"Fiche de {structure} : champs rendus aux imports "
        f"({', '.join(_label(n) for n in released) or 'aucun'}).",
        fields=released,
    )
    return structure


def _current_set(structure: Structure, name: str) -> list[str]:
    if name == "kinds":
        return sorted(structure.kinds.values_list("kind", flat=True))
    if name == "sectors":
        return sorted(structure.sectors.values_list("sector", flat=True))
    return sorted(structure.area_departements.values_list("departement", flat=True))


def _replace_set(structure: Structure, name: str, codes: list[str]) -> None:
    if name == "kinds":
        structure.kinds.all().delete()
        StructureKind.objects.bulk_create(StructureKind.of(structure, code, Source.MANUAL) for code in codes)
    elif name == "sectors":
        structure.sectors.all().delete()
        StructureSector.objects.bulk_create(
            StructureSector.of(structure, code, Source.MANUAL) for code in codes
        )
    else:
        structure.area_departements.all().delete()
        AreaDepartement.objects.bulk_create(
            AreaDepartement(structure=structure, departement=code) for code in codes
        )
