"""The directory as an in-memory index: structures by sector, then by grid cell, built once.

A query (sectors, place, yearly amount, policy) looks only at the structures of the CPV's sectors,
and among them only at the grid cells near the place, the structures whose area lists the place's
département and the national ones; the exact area and capacity checks run on that short list.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from levier.rules.geography import haversine_km, shipped_departements
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


@dataclass
class _SectorBucket:
    grid: dict[tuple[int, int], list[StructureEntry]] = field(default_factory=dict)
    by_departement: dict[str, list[StructureEntry]] = field(default_factory=dict)
    national: list[StructureEntry] = field(default_factory=list)
    max_radius_km: float = 0.0  # largest declared radius among the grid's structures


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
        for entry in entries:
            for sector in entry.sectors:
                bucket = self._buckets.setdefault(sector, _SectorBucket())
                if entry.area_kind == "national":
                    bucket.national.append(entry)
                elif entry.area_kind == "departements" and entry.area_departements:
                    for dep in entry.area_departements:
                        bucket.by_departement.setdefault(dep, []).append(entry)
                elif entry.lat is not None and entry.lon is not None:
                    bucket.grid.setdefault(_cell(entry.lat, entry.lon), []).append(entry)
                    if entry.area_kind == "radius" and entry.area_radius_km:
                        bucket.max_radius_km = max(bucket.max_radius_km, float(entry.area_radius_km))
                elif entry.departement:
                    # No position: its own département is the only area we can vouch for.
                    bucket.by_departement.setdefault(entry.departement, []).append(entry)
        self.sectors_for_cpv = lru_cache(maxsize=4096)(self._sectors_for_cpv)
        self.narrower_sectors = lru_cache(maxsize=4096)(self._narrower_sectors)

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

    def position(self, place: PlaceInput | None) -> tuple[float, float] | None:
        if place is None:
            return None
        if place.has_position:
            return (float(place.lat), float(place.lon))  # type: ignore[arg-type]
        if place.departement:
            return self._dep_positions.get(place.departement)
        return None

    def _nearby(
        self, bucket: _SectorBucket, lat: float, lon: float, reach_km: float
    ) -> Iterator[StructureEntry]:
        row, col = _cell(lat, lon)
        dlat = math.ceil(reach_km / (111.0 * CELL_DEGREES))
        dlon = math.ceil(reach_km / (111.0 * CELL_DEGREES * max(math.cos(math.radians(lat)), 0.2)))
        grid = bucket.grid
        if len(grid) < (2 * dlat + 1) * (2 * dlon + 1):
            # A thin sector: reading its few cells beats probing every cell of the window.
            for (r, c), entries in grid.items():
                if abs(r - row) <= dlat and abs(c - col) <= dlon:
                    yield from entries
            return
        for r in range(row - dlat, row + dlat + 1):
            for c in range(col - dlon, col + dlon + 1):
                yield from grid.get((r, c), ())

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
            if provision_of_sectors(sectors, self.taxonomy) == PROVISION_DELIVERED
            else policy.radius_on_site_km
        )
        seen: dict[int | str, Candidate] = {}
        for sector in sectors:
            bucket = self._buckets.get(sector)
            if bucket is None:
                continue
            pool: list[tuple[StructureEntry, float | None]] = [(e, None) for e in bucket.national]
            if departement:
                pool.extend((e, None) for e in bucket.by_departement.get(departement, ()))
            if position is not None:
                lat, lon = position
                reach = max(bucket.max_radius_km, default_radius)
                for entry in self._nearby(bucket, lat, lon, reach):
                    radius = (
                        entry.area_radius_km if entry.area_kind == "radius" and entry.area_radius_km else None
                    ) or default_radius
                    # North-south distance is a lower bound of the true one: most far entries stop here.
                    if abs(entry.lat - lat) * KM_PER_DEGREE > radius:  # type: ignore[operator]
                        continue
                    distance = haversine_km(lat, lon, entry.lat, entry.lon)  # type: ignore[arg-type]
                    if distance <= radius:
                        pool.append((entry, distance))
            elif not departement:
                # No usable place (none, or text that could not be resolved): the area rules no one out.
                pool.extend((e, None) for cell in bucket.grid.values() for e in cell)
            for entry, distance in pool:
                if entry.id in seen:
                    continue
                if kinds is not None and kinds.isdisjoint(entry.kinds):
                    continue
                capacity = structure_capacity(entry, policy)
                if capacity is not None and annual_amount and annual_amount > capacity:
                    continue
                seen[entry.id] = Candidate(
                    id=entry.id,
                    name=entry.name,
                    kinds=entry.kinds,
                    distance_km=round(distance, 1) if distance is not None else None,
                    capacity=capacity,
                    capacity_known=capacity is not None,
                )
        return sorted(seen.values(), key=_candidate_order)


def _candidate_order(candidate: Candidate) -> tuple[float, str]:
    distance = candidate.distance_km if candidate.distance_km is not None else 0.0
    return (distance, candidate.name)
