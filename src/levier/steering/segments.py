"""Transferable segments: what the organisation buys from ordinary suppliers that inclusive structures
within its territory offer.

For a year's spend, each line whose category was given a sector (SpendLine.category_sector) and whose
supplier is not an inclusive structure (no automatic or confirmed match) is "at stake" in that sector. A
sector is a transferable segment when at least one active structure of the directory offers it (its
StructureSector) and is within the territory (`Territory`):

- located in, or declaring it works in, one of the territory's départements (SteeringSettings.departements,
  else the départements of the organisation's planned purchases); or
- positioned within SteeringSettings.radius_km of the organisation's place. The organisation records no
  place of its own: its place is the middle of the places of execution of its planned purchases (commune
  when known, else the département's chef-lieu; `screening.splits.middle_place`), else the middle of the
  chefs-lieux of the set départements. The distance is rules.geography's great-circle distance, narrowed
  first by the directory's latitude/longitude box (`directory.selectors.bounding_box`).

Segments come sorted by amount at stake.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from levier.directory.models import Structure, StructureKind
from levier.directory.selectors import bounding_box
from levier.plans.models import PlaceLevel, PlannedPurchase
from levier.rules.geography import get_geography, haversine_km
from levier.rules.sectors import load_taxonomy
from levier.screening.model import PlaceInput
from levier.screening.splits import middle_place

from .indicators import ZERO, inclusive_suppliers, spend_lines
from .models import SteeringSettings

SAMPLE = 5
TOP_SUPPLIERS = 3
DEFAULT_RADIUS_KM = SteeringSettings._meta.get_field("radius_km").default

# Where the territory's départements and its centre come from.
FROM_SETTINGS = "settings"
FROM_PLAN = "plan"
FROM_DEPARTEMENTS = "departements"


@dataclass
class Segment:
    sector: str
    label: str
    amount: Decimal
    lines: int
    suppliers: list[tuple[str, Decimal]] = field(default_factory=list)
    structures_count: int = 0
    sample_structures: list[tuple[int, str, list[str]]] = field(default_factory=list)


@dataclass(frozen=True)
class Territory:
    """The rule that says which structures are "of the territory", and where its parts come from."""

    departements: tuple[str, ...] = ()
    departements_from: str = ""  # FROM_SETTINGS, FROM_PLAN or "" (none known)
    radius_km: int = DEFAULT_RADIUS_KM
    centre: PlaceInput | None = None
    centre_from: str = ""  # FROM_PLAN, FROM_DEPARTEMENTS or "" (no place to measure from)
    located_purchases: int = 0

    def __bool__(self) -> bool:
        return bool(self.departements) or self.centre is not None

    @property
    def centre_fr(self) -> str:
        if self.centre is None:
            return ""
        if self.centre_from == FROM_PLAN:
            plural = "s" if self.located_purchases > 1 else ""
            return (
                f"du point moyen des lieux d'exécution du plan des achats ({self.located_purchases} "
                f"achat{plural} localisé{plural} ; département le plus représenté : {self.centre.label})"
            )
        if len(self.departements) == 1:
            return f"du chef-lieu du département {self.centre.label}"
        return f"du point moyen des chefs-lieux des départements {', '.join(self.departements)}"

    @property
    def description_fr(self) -> str:
        """The rule in one French sentence, as the segments page and the yearly report show it."""
        if not self:
            return (
                "aucun département connu (ni réglé, ni lu dans le plan des achats), "
                "donc aucun lieu d'où mesurer le rayon."
            )
        parts = []
        if self.departements:
            origin = "réglage du pilotage" if self.departements_from == FROM_SETTINGS else "achats du plan"
            codes = ", ".join(self.departements)
            label = "le département" if len(self.departements) == 1 else "les départements"
            parts.append(f"structures situées dans {label} {codes} ({origin}) ou déclarant y intervenir")
        if self.centre is not None:
            parts.append(f"structures situées à moins de {self.radius_km} km {self.centre_fr}")
        return " ; ou ".join(parts) + "."


def _plan_places(organisation) -> tuple[list[str], list[str], list[tuple[float, float]]]:
    """The départements of the organisation's planned purchases (sorted), and one département and one
    position per located purchase (a commune's position when communes are loaded, else the chef-lieu)."""
    geography = get_geography()
    departements: set[str] = set()
    located_departements: list[str] = []
    positions: list[tuple[float, float]] = []
    for level, code, departement, count in (
        PlannedPurchase.objects.filter(plan__organisation=organisation)
        .exclude(place_departement="")
        .values_list("place_level", "place_code", "place_departement")
        .annotate(n=Count("pk"))
        .order_by("place_departement", "place_level", "place_code")
    ):
        departements.add(departement)
        place = geography.commune_place(code) if level == PlaceLevel.COMMUNE and code else None
        place = place or geography.departement_place(departement)
        if place is None or not place.has_position:
            continue
        located_departements.extend([place.departement or departement] * count)
        positions.extend([(place.lat, place.lon)] * count)  # type: ignore[list-item]
    return sorted(departements), located_departements, positions


def territory(organisation) -> Territory:
    """The organisation's territory: set départements (else its plan's) and a radius around its place."""
    settings = SteeringSettings.objects.filter(organisation=organisation).first()
    radius = settings.radius_km if settings is not None else DEFAULT_RADIUS_KM
    plan_departements, located_departements, positions = _plan_places(organisation)
    if settings is not None and settings.departements:
        departements, departements_from = tuple(settings.departements), FROM_SETTINGS
    elif plan_departements:
        departements, departements_from = tuple(plan_departements), FROM_PLAN
    else:
        departements, departements_from = (), ""
    geography = get_geography()
    if positions:
        centre, centre_from = middle_place("", located_departements, positions), FROM_PLAN
    elif departements:
        places = [geography.departement_place(code) for code in departements]
        places = [place for place in places if place is not None and place.has_position]
        centre = middle_place(
            "", [place.code for place in places], [(place.lat, place.lon) for place in places]
        )
        centre_from = FROM_DEPARTEMENTS
    else:
        centre, centre_from = None, ""
    if centre is not None and not centre.has_position:
        centre, centre_from = None, ""
    if centre is not None and centre.departement:
        known = geography.departement_place(centre.departement)
        centre = PlaceInput(
            label=known.label_fr if known else centre.departement,
            departement=centre.departement,
            lat=centre.lat,
            lon=centre.lon,
        )
    return Territory(
        departements=departements,
        departements_from=departements_from,
        radius_km=radius,
        centre=centre,
        centre_from=centre_from,
        located_purchases=len(positions),
    )


def structures_offering(place: Territory, sectors: list[str]) -> dict[str, set[int]]:
    """Active structures of the territory that offer each of `sectors`: {sector: structure ids}."""
    offering: dict[str, set[int]] = defaultdict(set)
    active = Structure.objects.filter(is_active=True, sectors__sector__in=sectors)
    if place.departements:
        departements = list(place.departements)
        within = active.filter(
            Q(departement__in=departements) | Q(area_departements__departement__in=departements)
        )
        for structure_id, sector in within.values_list("pk", "sectors__sector").distinct():
            offering[sector].add(structure_id)
    centre = place.centre
    if centre is not None and centre.has_position:
        south, north, west, east = bounding_box(centre.lat, centre.lon, place.radius_km)  # type: ignore[arg-type]
        near = active.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
        for structure_id, sector, lat, lon in near.values_list("pk", "sectors__sector", "lat", "lon"):
            if haversine_km(centre.lat, centre.lon, lat, lon) <= place.radius_km:  # type: ignore[arg-type]
                offering[sector].add(structure_id)
    return offering


def transferable_segments(organisation, year: int, place: Territory | None = None) -> list[Segment]:
    """The year's transferable segments; `place` is the organisation's territory when already read."""
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
    if not at_stake:
        return []
    place = territory(organisation) if place is None else place
    if not place:
        return []
    offering = structures_offering(place, list(at_stake))
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
