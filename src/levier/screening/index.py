"""The directory as an in-memory index: structures by sector, then by grid cell, built once.

A query (sectors, place, yearly amount, policy) looks only at the structures of the CPV's sectors,
and among them only at the grid cells near the place, the structures whose area lists the place's
département and the national ones; the exact area and capacity checks run on that short list.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from levier.rules.geography import EARTH_RADIUS_KM, shipped_departements
from levier.rules.sectors import Taxonomy, load_taxonomy
from levier.screening.model import (
    PROVISION_DELIVERED,
    Candidate,
    PlaceInput,
    Policy,
    StructureEntry,
)

CELL_DEGREES = 0.5  # about 55 km north-south; a radius query reads a few cells each way
KM_PER_DEGREE = 111.19  # along a meridian: the latitude gap alone is a lower bound of the distance

# Sector groups whose work is delivered (goods, workshop jobs) rather than done on the buyer's site.
_DELIVERED_PROVISIONS = frozenset({"fourniture_biens_produits", "prestation_en_atelier", "negoce"})


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES))


# A structure as a sector bucket holds it: the entry and its number in `DirectoryIndex.entries` (which
# keys the per-policy capacities); grid rows add what the distance needs, worked out once at build time:
# latitude, longitude, latitude in radians and its cosine, and its own radius (None: the default applies).
_Row = tuple[StructureEntry, int]
_GridRow = tuple[StructureEntry, int, float, float, float, float, float | None]


@dataclass
class _SectorBucket:
    grid: dict[tuple[int, int], list[_GridRow]] = field(default_factory=dict)
    by_departement: dict[str, list[_Row]] = field(default_factory=dict)
    national: list[_Row] = field(default_factory=list)
    max_radius_km: float = 0.0  # largest declared radius among the grid's structures
    # The grid's cells by row, filled once the grid is complete: row -> (its occupied columns in increasing
    # order, the cells' structures in the same order), so that a window reads a row's cells by bisection.
    grid_rows: dict[int, tuple[list[int], list[list[_GridRow]]]] = field(default_factory=dict)

    def index_rows(self) -> None:
        by_row: dict[int, list[tuple[int, list[_GridRow]]]] = {}
        for (row, col), rows in self.grid.items():
            by_row.setdefault(row, []).append((col, rows))
        self.grid_rows = {}
        for row, cells in by_row.items():
            cells.sort(key=lambda cell: cell[0])
            self.grid_rows[row] = ([col for col, _rows in cells], [rows for _col, rows in cells])


def structure_capacity(entry: StructureEntry, policy: Policy) -> float | None:
    """The largest yearly amount the structure can carry, None when nothing tells it."""
    if entry.max_contract_amount:
        return float(entry.max_contract_amount)
    if entry.turnover:
        return entry.turnover * policy.max_turnover_share
    if entry.headcount:
        return entry.headcount * policy.turnover_per_worker * policy.max_turnover_share
    if entry.esat_capacity:
        return entry.esat_capacity * policy.turnover_per_esat_place * policy.max_turnover_share
    return None


def provision_of_sectors(sector_codes: Iterable[str], taxonomy: Taxonomy) -> str:
    """Delivered when every sector of the purchase is mostly delivered goods or workshop work."""
    kinds = []
    for code in sector_codes:
        sector = taxonomy.get(code)
        if sector is not None:
            kinds.append(
                bool(sector.provision_kinds) and set(sector.provision_kinds) <= _DELIVERED_PROVISIONS
            )
    return PROVISION_DELIVERED if kinds and all(kinds) else "on_site"


class DirectoryIndex:
    """Structures by sector and by place, for many screenings against the same directory."""

    def __init__(self, entries: list[StructureEntry], taxonomy: Taxonomy):
        self.entries = entries
        self.taxonomy = taxonomy
        self._buckets: dict[str, _SectorBucket] = {}
        self._by_siret = {e.siret: e for e in entries if e.siret}
        self._dep_positions = {
            code: (dep.lat, dep.lon)
            for code, dep in shipped_departements().items()
            if getattr(dep, "lat", None) is not None
        }
        for number, entry in enumerate(entries):
            grid_row: _GridRow | None = None
            if entry.lat is not None and entry.lon is not None:
                phi = math.radians(entry.lat)
                own = entry.area_radius_km if entry.area_kind == "radius" and entry.area_radius_km else None
                grid_row = (entry, number, entry.lat, entry.lon, phi, math.cos(phi), own)
            for sector in entry.sectors:
                bucket = self._buckets.setdefault(sector, _SectorBucket())
                if entry.area_kind == "national":
                    bucket.national.append((entry, number))
                elif entry.area_kind == "departements" and entry.area_departements:
                    for dep in entry.area_departements:
                        bucket.by_departement.setdefault(dep, []).append((entry, number))
                elif grid_row is not None:
                    bucket.grid.setdefault(_cell(entry.lat, entry.lon), []).append(grid_row)  # type: ignore[arg-type]
                    if entry.area_kind == "radius" and entry.area_radius_km:
                        bucket.max_radius_km = max(bucket.max_radius_km, float(entry.area_radius_km))
                elif entry.departement:
                    # No position: its own département is the only area we can vouch for.
                    bucket.by_departement.setdefault(entry.departement, []).append((entry, number))
        for bucket in self._buckets.values():
            bucket.index_rows()
        # Capacities depend on the policy's turnover figures only: worked out once per set of figures.
        self._capacities: dict[tuple[float, float, float], list[float | None]] = {}
        self._provisions: dict[tuple[str, ...], str] = {}
        self.sectors_for_cpv = lru_cache(maxsize=4096)(self._sectors_for_cpv)
        self.narrower_sectors = lru_cache(maxsize=4096)(self._narrower_sectors)
        self.usual_kinds = lru_cache(maxsize=4096)(self._usual_kinds)

    @classmethod
    def build(cls, entries: Iterable[StructureEntry], taxonomy: Taxonomy | None = None) -> DirectoryIndex:
        return cls(list(entries), taxonomy or load_taxonomy())

    def __len__(self) -> int:
        return len(self.entries)

    def by_siret(self, siret: str) -> StructureEntry | None:
        return self._by_siret.get(siret) if siret else None

    def _sectors_for_cpv(self, cpv: str) -> tuple[str, ...]:
        # Only the most specific matches: "79571000" is mailing, not every secretarial service under "795".
        matches = self.taxonomy.sectors_for_cpv(cpv)
        return tuple(m.sector.code for m in matches if m.depth == matches[0].depth)

    def _narrower_sectors(self, cpv: str) -> tuple[str, ...]:
        """Sectors that sit below a generic code ("45000000": painting, masonry...), for trade splits."""
        return tuple(m.sector.code for m in self.taxonomy.sectors_for_cpv(cpv, narrower=True) if m.narrower)

    def _usual_kinds(self, sectors: tuple[str, ...]) -> frozenset[str]:
        """The kinds of structure that usually work in these sectors (the taxonomy's `structure_kinds`)."""
        kinds: set[str] = set()
        for code in sectors:
            sector = self.taxonomy.get(code)
            if sector is not None:
                kinds.update(sector.structure_kinds)
        return frozenset(kinds)

    def position(self, place: PlaceInput | None) -> tuple[float, float] | None:
        if place is None:
            return None
        if place.has_position:
            return (float(place.lat), float(place.lon))  # type: ignore[arg-type]
        if place.departement:
            return self._dep_positions.get(place.departement)
        return None

    def _capacities_for(self, policy: Policy) -> list[float | None]:
        key = (policy.max_turnover_share, policy.turnover_per_worker, policy.turnover_per_esat_place)
        found = self._capacities.get(key)
        if found is None:
            found = self._capacities[key] = [structure_capacity(entry, policy) for entry in self.entries]
        return found

    def _provision(self, sectors: tuple[str, ...]) -> str:
        found = self._provisions.get(sectors)
        if found is None:
            found = self._provisions[sectors] = provision_of_sectors(sectors, self.taxonomy)
        return found

    @staticmethod
    def _cells(bucket: _SectorBucket, lat: float, lon: float, reach_km: float) -> Iterator[list[_GridRow]]:
        row, col = _cell(lat, lon)
        dlat = math.ceil(reach_km / (111.0 * CELL_DEGREES))
        dlon = math.ceil(reach_km / (111.0 * CELL_DEGREES * max(math.cos(math.radians(lat)), 0.2)))
        grid = bucket.grid
        if len(grid) < (2 * dlat + 1) * (2 * dlon + 1):
            # A thin sector: reading its few cells beats probing every cell of the window.
            for (r, c), rows in grid.items():
                if abs(r - row) <= dlat and abs(c - col) <= dlon:
                    yield rows
            return
        # The window's occupied cells, row by row and column by column (the order of probing each cell).
        grid_rows = bucket.grid_rows
        first, last = col - dlon, col + dlon
        for r in range(row - dlat, row + dlat + 1):
            found = grid_rows.get(r)
            if found is None:
                continue
            cols, cells = found
            for i in range(bisect_left(cols, first), bisect_right(cols, last)):
                if cells[i]:
                    yield cells[i]

    def candidates(
        self,
        sectors: Iterable[str],
        place: PlaceInput | None,
        annual_amount: float | None,
        policy: Policy,
        kinds: frozenset[str] | None = None,
    ) -> list[Candidate]:
        """Structures of one of `kinds` whose sectors meet `sectors`, whose area holds the place and
        whose capacity carries `annual_amount` (unknown capacity counts, marked as such)."""
        sectors = tuple(sectors)
        position = self.position(place)
        departement = place.departement if place else None
        default_radius = (
            policy.radius_delivered_km
            if self._provision(sectors) == PROVISION_DELIVERED
            else policy.radius_on_site_km
        )
        capacities = self._capacities_for(policy)
        seen: dict[int | str, Candidate] = {}

        def keep(entry: StructureEntry, number: int, distance: float | None) -> None:
            if kinds is not None and kinds.isdisjoint(entry.kinds):
                return
            capacity = capacities[number]
            if capacity is not None and annual_amount and annual_amount > capacity:
                return
            seen[entry.id] = Candidate(
                id=entry.id,
                name=entry.name,
                kinds=entry.kinds,
                distance_km=round(distance, 1) if distance is not None else None,
                capacity=capacity,
                capacity_known=capacity is not None,
            )

        for sector in sectors:
            bucket = self._buckets.get(sector)
            if bucket is None:
                continue
            for entry, number in bucket.national:
                if entry.id not in seen:
                    keep(entry, number, None)
            if departement:
                for entry, number in bucket.by_departement.get(departement, ()):
                    if entry.id not in seen:
                        keep(entry, number, None)
            if position is not None:
                lat, lon = position
                reach = max(bucket.max_radius_km, default_radius)
                # rules.geography.haversine_km, with the structure's side worked out at build time.
                phi1 = math.radians(lat)
                cos1 = math.cos(phi1)
                sin, radians, asin, sqrt = math.sin, math.radians, math.asin, math.sqrt
                for rows in self._cells(bucket, lat, lon, reach):
                    for entry, number, elat, elon, phi2, cos2, own in rows:
                        radius = own or default_radius
                        # North-south distance is a lower bound of the true one: most far entries stop here.
                        if abs(elat - lat) * KM_PER_DEGREE > radius:
                            continue
                        if entry.id in seen:
                            continue
                        a = sin((phi2 - phi1) / 2) ** 2 + cos1 * cos2 * sin(radians(elon - lon) / 2) ** 2
                        distance = 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))
                        if distance <= radius:
                            keep(entry, number, distance)
            elif not departement:
                # No usable place (none, or text that could not be resolved): the area rules no one out.
                for rows in bucket.grid.values():
                    for entry, number, *_position in rows:
                        if entry.id not in seen:
                            keep(entry, number, None)
        return sorted(seen.values(), key=_candidate_order)


def _candidate_order(candidate: Candidate) -> tuple[float, str]:
    distance = candidate.distance_km if candidate.distance_km is not None else 0.0
    return (distance, candidate.name)
