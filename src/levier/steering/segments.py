"""Transferable segments: what the organisation buys from ordinary suppliers that inclusive structures
within its territory offer.

For a year's spend, each line whose category was given a sector (SpendLine.category_sector) and whose
supplier is not an inclusive structure (no automatic or confirmed match) is "at stake" in that sector. A
sector is a transferable segment when at least one active structure of the directory offers it (its
StructureSector) and is within reach: located in, or declaring it works in, one of the territory's
départements (SteeringSettings.departements, else the départements of the organisation's planned
purchases). Segments come sorted by amount at stake.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from levier.directory.models import Structure, StructureKind
from levier.plans.models import PlannedPurchase
from levier.rules.sectors import load_taxonomy

from .indicators import ZERO, inclusive_suppliers, spend_lines
from .models import SteeringSettings

SAMPLE = 5
TOP_SUPPLIERS = 3


@dataclass
class Segment:
    sector: str
    label: str
    amount: Decimal
    lines: int
    suppliers: list[tuple[str, Decimal]] = field(default_factory=list)
    structures_count: int = 0
    sample_structures: list[tuple[int, str, list[str]]] = field(default_factory=list)


def territory(organisation) -> list[str]:
    settings = SteeringSettings.objects.filter(organisation=organisation).first()
    if settings is not None and settings.departements:
        return list(settings.departements)
    return sorted(
        set(
            PlannedPurchase.objects.filter(plan__organisation=organisation)
            .exclude(place_departement="")
            .values_list("place_departement", flat=True)
        )
    )


def transferable_segments(organisation, year: int) -> list[Segment]:
    departements = territory(organisation)
    inclusive = inclusive_suppliers(organisation)
    at_stake: dict[str, dict] = {}
    for key, name, amount, sector in (
        spend_lines(organisation, year)
        .exclude(category_sector="")
        .values_list("supplier_key", "supplier_name", "amount", "category_sector")
    ):
        if key in inclusive:
            continue
        entry = at_stake.setdefault(sector, {"amount": ZERO, "lines": 0, "suppliers": defaultdict(Decimal)})
        entry["amount"] += amount
        entry["lines"] += 1
        entry["suppliers"][name or key] += amount
    if not at_stake or not departements:
        return []
    within = Structure.objects.filter(is_active=True).filter(
        Q(departement__in=departements) | Q(area_departements__departement__in=departements)
    )
    offering: dict[str, set[int]] = defaultdict(set)
    for structure_id, sector in (
        within.filter(sectors__sector__in=list(at_stake)).values_list("pk", "sectors__sector").distinct()
    ):
        offering[sector].add(structure_id)
    taxonomy = load_taxonomy()
    segments = []
    for sector, entry in at_stake.items():
        structure_ids = sorted(offering.get(sector, ()))
        if not structure_ids:
            continue
        sample = list(Structure.objects.filter(pk__in=structure_ids).order_by("name", "pk")[:SAMPLE])
        kinds = defaultdict(list)
        for structure_id, kind in StructureKind.objects.filter(structure__in=sample).values_list(
            "structure_id", "kind"
        ):
            kinds[structure_id].append(kind)
        known = taxonomy.get(sector)
        suppliers = sorted(entry["suppliers"].items(), key=lambda item: (-item[1], item[0]))
        segments.append(
            Segment(
                sector=sector,
                label=known.label if known else sector,
                amount=entry["amount"],
                lines=entry["lines"],
                suppliers=suppliers[:TOP_SUPPLIERS],
                structures_count=len(structure_ids),
                sample_structures=[(s.pk, s.name, sorted(kinds[s.pk])) for s in sample],
            )
        )
    return sorted(segments, key=lambda segment: (-segment.amount, segment.sector))
