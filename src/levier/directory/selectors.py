"""Reads of the directory: one search for the pages, the API and the terminal, and the structure's page.

Structures are shared by every organisation; sourcing notes are read only for the asking organisation.

How the search stays fast on 20,000 structures (bench/bench_directory_search.py): every filter but the
distance runs in SQL on indexed columns (kinds, families, sectors and groups through their own tables,
capacity, département); a radius becomes a latitude/longitude box that the (lat, lon) index narrows, and
the exact great-circle distance is computed in Python on the few rows left, with only the columns needed
to rank them. Whole objects are loaded for the page shown only.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from levier.rules.geography import (
    PRECISION_DEPARTEMENT,
    PRECISION_REGION,
    Place,
    get_geography,
    haversine_km,
)
from levier.rules.text import fold

from .models import SourcingNote, Structure, StructureKind, StructureSector
from .search import SORT_DISTANCE, SORT_NAME, StructureQuery

KM_PER_DEGREE_LAT = 111.2
# The whole directory counted by département with "is_active IN (1)": SQLite answers it from the
# (is_active, departement) index, twelve times faster than with Django's bare "WHERE is_active", which
# every other query keeps (there the bare form lets SQLite pick the position or name index instead).
ACTIVE_BY_INDEX = Structure.objects.filter(is_active__in=[True])


@dataclass(frozen=True)
class Hit:
    structure: Structure
    distance_km: float | None
    score: float


@dataclass
class SearchPage:
    query: StructureQuery
    hits: list[Hit]
    total: int
    place: Place | None = None
    place_message: str = ""
    place_error: str = ""
    departement_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.per_page))

    @property
    def first_index(self) -> int:
        return (self.query.page - 1) * self.query.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.total, self.query.page * self.query.per_page)


def resolve_near(text: str) -> tuple[Place | None, str, str]:
    """(place, message, error) for what the user typed: the best candidate of the rules core's geography."""
    resolution = get_geography().resolve_place(text)
    if resolution.best is None:
        return None, "", resolution.message_fr
    return resolution.best, resolution.message_fr, ""


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """A latitude/longitude box holding every point within `radius_km` (a little wider, never narrower)."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    cos_lat = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 0.01)
    dlon = radius_km / (KM_PER_DEGREE_LAT * cos_lat)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _filtered(query: StructureQuery, place: Place | None) -> QuerySet[Structure]:
    """Every filter that SQL can apply, the département filter excepted (the map counts without it)."""
    qs = Structure.objects.filter(is_active=True)
    for word in query.words:
        qs = qs.filter(search_text__contains=word)
    if query.sectors:
        qs = qs.filter(pk__in=StructureSector.objects.filter(sector__in=query.sectors).values("structure_id"))
    if query.group:
        qs = qs.filter(pk__in=StructureSector.objects.filter(group=query.group).values("structure_id"))
    if query.kinds:
        qs = qs.filter(pk__in=StructureKind.objects.filter(kind__in=query.kinds).values("structure_id"))
    if query.family:
        qs = qs.filter(pk__in=StructureKind.objects.filter(family=query.family).values("structure_id"))
    if query.min_amount is not None:
        qs = qs.filter(max_contract_amount__gte=query.min_amount)
    if place is not None and query.radius_km is not None:
        south, north, west, east = bounding_box(place.lat, place.lon, query.radius_km)  # type: ignore[arg-type]
        qs = qs.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
    elif place is not None and place.precision == PRECISION_DEPARTEMENT:
        qs = qs.filter(departement=place.code)
    elif place is not None and place.precision == PRECISION_REGION:
        qs = qs.filter(departement__in=get_geography().departements_of_region(place.code))
    return qs


def _score(query: StructureQuery, name: str, declared_sector: bool, distance: float | None) -> float:
    """Relevance: query words in the name weigh most, then a sector the structure itself declared (not
    deduced by Levier), then closeness within the radius."""
    score = 0.0
    if query.words:
        name_words = fold(name).split()
        for word in query.words:
            if any(candidate.startswith(word) for candidate in name_words):
                score += 3.0
            else:
                score += 1.0
    if (query.sectors or query.group) and declared_sector:
        score += 2.0
    if distance is not None:
        scale = query.radius_km or 100.0
        score += max(0.0, 1.0 - distance / scale)
    return score


def search_structures(query: StructureQuery, *, with_map: bool = False) -> SearchPage:
    place, place_message, place_error = (None, "", "")
    if query.near:
        place, place_message, place_error = resolve_near(query.near)
        if place is None:
            return SearchPage(query, [], 0, place_error=place_error)
    qs = _filtered(query, place)
    needs_python = place is not None or query.words or query.sectors or query.group
    if query.sort == SORT_NAME and not (place is not None and query.radius_km is not None):
        needs_python = False

    if not needs_python:
        counts = {}
        if with_map:
            narrowed = query.words or query.sectors or query.group or query.family or query.kinds
            unfiltered = not narrowed and query.min_amount is None and place is None
            counts = _departement_counts(ACTIVE_BY_INDEX if unfiltered else qs)
        if query.departement:
            qs = qs.filter(departement=query.departement)
        total = qs.count()
        start = (query.page - 1) * query.per_page
        page_ids = list(
            qs.order_by("name", "pk").values_list("pk", flat=True)[start : start + query.per_page]
        )
        hits = [Hit(s, _distance(place, s.lat, s.lon), 0.0) for s in _load(page_ids)]
        return SearchPage(query, hits, total, place, place_message, departement_counts=counts)

    sector_filter = StructureSector.objects.filter(structure=OuterRef("pk"), inferred=False)
    if query.sectors:
        sector_filter = sector_filter.filter(sector__in=query.sectors)
    elif query.group:
        sector_filter = sector_filter.filter(group=query.group)
    else:
        sector_filter = sector_filter.none()
    rows = qs.annotate(declared=Exists(sector_filter)).values_list(
        "pk", "name", "brand", "lat", "lon", "departement", "declared"
    )
    # Folding every name costs more than the rest of the loop: the name order needs it, a tie-break does not.
    by_name = query.sort == SORT_NAME
    ranked: list[tuple[float, float, str, int]] = []
    counts: Counter[str] = Counter()
    for pk, name, brand, lat, lon, departement, declared in rows:
        distance = _distance(place, lat, lon)
        if query.radius_km is not None and (distance is None or distance > query.radius_km):
            continue
        counts[departement] += 1
        if query.departement and departement != query.departement:
            continue
        label = f"{brand} {name}" if brand else name
        score = _score(query, label, bool(declared), distance)
        ranked.append(
            (
                score,
                distance if distance is not None else math.inf,
                fold(label) if by_name else label.casefold(),
                pk,
            )
        )

    if query.sort == SORT_DISTANCE:
        ranked.sort(key=lambda row: (row[1], row[3]))
    elif by_name:
        ranked.sort(key=lambda row: (row[2], row[3]))
    else:
        ranked.sort(key=lambda row: (-row[0], row[1], row[2], row[3]))
    start = (query.page - 1) * query.per_page
    chosen = ranked[start : start + query.per_page]
    by_pk = {s.pk: s for s in _load([row[3] for row in chosen])}
    hits = [
        Hit(by_pk[pk], None if math.isinf(distance) else distance, score)
        for score, distance, _label, pk in chosen
    ]
    return SearchPage(
        query, hits, len(ranked), place, place_message, departement_counts=dict(counts) if with_map else {}
    )


def _distance(place: Place | None, lat: float | None, lon: float | None) -> float | None:
    if place is None or lat is None or lon is None or not place.has_position:
        return None
    return haversine_km(place.lat, place.lon, lat, lon)  # type: ignore[arg-type]


def _departement_counts(qs: QuerySet[Structure]) -> dict[str, int]:
    return {
        row["departement"]: row["n"]
        for row in qs.order_by().values("departement").annotate(n=Count("pk"))
        if row["departement"]
    }


def _with_relations(qs: QuerySet[Structure]) -> QuerySet[Structure]:
    return qs.prefetch_related(
        Prefetch("kinds", queryset=StructureKind.objects.order_by("kind")),
        Prefetch("sectors", queryset=StructureSector.objects.order_by("inferred", "sector")),
    )


def _load(pks: list[int]) -> list[Structure]:
    by_pk = {s.pk: s for s in _with_relations(Structure.objects.filter(pk__in=pks))}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def structure_detail(pk: int) -> Structure | None:
    return (
        _with_relations(Structure.objects.filter(pk=pk))
        .prefetch_related("area_departements", "references", "sources")
        .first()
    )


def structures_by_pk(pks) -> list[Structure]:
    return _load(list(pks))


def notes_of(organisation, structure: Structure) -> QuerySet[SourcingNote]:
    """The organisation's own notes on a structure: another organisation's never show."""
    return (
        SourcingNote.objects.filter(organisation=organisation, structure=structure)
        .select_related("author")
        .order_by("-occurred_on", "-created_at")
    )


def note_of(organisation, note_id) -> SourcingNote | None:
    try:
        pk = int(note_id)
    except (TypeError, ValueError):
        return None
    return SourcingNote.objects.filter(organisation=organisation, pk=pk).select_related("structure").first()
