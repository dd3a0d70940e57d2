"""The award of a clause's purchase or lot: holders, amount, date, bids, and which holders are inclusive.

A holder is matched to the directory by its SIRET (the establishment first, else any establishment of the
same SIREN): a structure of the insertion or disability families (SIAE, GEIQ, EA, ESAT...) makes the holder
inclusive, and its kinds are kept on the holder. An invalid SIRET is refused with the rules core's message.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from levier.core import audit
from levier.directory.models import Family, Structure
from levier.plans.services import require_role
from levier.rules.siret import normalize_siret

from .models import Award, AwardHolder, Clause, HolderRole

INCLUSIVE_FAMILIES = (Family.INSERTION, Family.DISABILITY)


class AwardError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def match_structure(siret: str) -> tuple[Structure | None, list[str]]:
    """The directory's structure for a SIRET and its inclusive kinds (empty when not inclusive)."""
    if not siret:
        return None, []
    structure = Structure.objects.filter(siret=siret).order_by("pk").first()
    if structure is None:
        structure = Structure.objects.filter(siren=siret[:9]).order_by("pk").first()
    if structure is None:
        return None, []
    kinds = sorted(
        structure.kinds.filter(family__in=INCLUSIVE_FAMILIES).values_list("kind", flat=True).distinct()
    )
    return structure, kinds


def _amount(raw, label: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).replace(" ", "").replace(",", "."))
    except InvalidOperation as exc:
        raise AwardError(f"{label} : montant illisible « {raw} ».") from exc
    if value < 0:
        raise AwardError(f"{label} : un montant positif est attendu.")
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def record_award(
    user,
    clause: Clause,
    *,
    amount_ht=None,
    awarded_on=None,
    bids=None,
    inclusive_bids=None,
    holders: list[dict],
) -> Award:
    """Create or replace the award of a clause; `holders` are dicts with name, siret, role, amount_ht."""
    from .services import EDIT_ROLES

    require_role(user, clause.organisation, EDIT_ROLES, "Enregistrer une attribution")
    if not holders:
        raise AwardError("Titulaires : indiquez au moins le titulaire.", "holders")
    if (bids is not None and int(bids) < 0) or (inclusive_bids is not None and int(inclusive_bids) < 0):
        raise AwardError("Offres : un nombre positif est attendu.", "bids")
    if bids is not None and inclusive_bids is not None and int(inclusive_bids) > int(bids):
        raise AwardError(
            "Offres de structures inclusives : elles ne peuvent dépasser le nombre d'offres reçues.",
            "inclusive_bids",
        )
    rows = []
    for index, raw in enumerate(holders, start=1):
        name = str(raw.get("name") or "").strip()
        if not name:
            raise AwardError(f"Titulaire {index} : raison sociale absente.", "holders")
        role = raw.get("role") or HolderRole.HOLDER
        if role not in HolderRole.values:
            raise AwardError(f"Titulaire {index} : rôle « {role} » inconnu.", "holders")
        siret = ""
        if raw.get("siret"):
            check = normalize_siret(raw["siret"])
            if not check.is_valid:
                raise AwardError(f"Titulaire {index} ({name}) : {check.message_fr}", "holders")
            siret = check.value
        structure, kinds = match_structure(siret)
        rows.append(
            AwardHolder(
                role=role,
                name=name,
                siret=siret,
                structure=structure,
                inclusive=bool(kinds),
                kinds=kinds,
                amount_ht=_amount(raw.get("amount_ht"), f"Titulaire {index}"),
            )
        )
    if not any(row.role == HolderRole.HOLDER for row in rows):
        raise AwardError("Titulaires : l'un d'eux doit avoir le rôle de titulaire.", "holders")
    award, created = Award.objects.update_or_create(
        clause=clause,
        defaults={
            "organisation": clause.organisation,
            "amount_ht": _amount(amount_ht, "Montant attribué"),
            "awarded_on": awarded_on,
            "bids": bids,
            "inclusive_bids": inclusive_bids,
            "recorded_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    award.holders.all().delete()
    for row in rows:
        row.award = award
    AwardHolder.objects.bulk_create(rows)
    audit.record(
        user,
        clause.organisation,
        "clauses.award.create" if created else "clauses.award.update",
        award,
        f"Attribution enregistrée : {clause}",
        holders=[{"name": r.name, "siret": r.siret, "role": r.role, "inclusive": r.inclusive} for r in rows],
    )
    return award
