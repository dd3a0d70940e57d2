"""What the Django side hands the pure-Python engine (`levier.screening`): the directory as an in-memory
index, each purchase as a `PurchaseInput`, the organisation's policy, and the national rate.

The index is built once per process from the directory (one query per table: structures, kinds, sectors,
intervention départements) and rebuilt only when `directory_version()` changes: the count of structures,
their latest modification and the latest import tell a changed directory from an unchanged one at the
cost of one aggregate query.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Max

from levier.directory.models import AreaDepartement, ImportRun, Structure, StructureKind, StructureSector
from levier.rules.geography import get_geography
from levier.screening import areas
from levier.screening import model as engine

from .models import ScreeningPolicy

_lock = threading.Lock()
_cache: dict[str, object] = {"version": None, "index": None}


def directory_version() -> str:
    found = Structure.objects.aggregate(count=Count("pk"), last=Max("updated_at"))
    last_run = ImportRun.objects.aggregate(last=Max("pk"))["last"] or 0
    last = found["last"].isoformat() if found["last"] else "-"
    return f"{found['count']}:{last}:{last_run}"


def structure_entries(structures=None, sectors=None) -> list[engine.StructureEntry]:
    """The engine's entries for `structures` (default: every active one), keeping only `sectors` if given.

    The screening benchmark's one-query-per-purchase baseline calls it with one purchase's structures."""
    related = {} if structures is None else {"structure_id__in": structures.values("pk")}
    if structures is None:
        structures = Structure.objects.filter(is_active=True)
    kinds: dict[int, list[str]] = defaultdict(list)
    for structure_id, kind in StructureKind.objects.filter(**related).values_list("structure_id", "kind"):
        kinds[structure_id].append(kind)
    sector_rows = StructureSector.objects.filter(**related)
    if sectors is not None:
        sector_rows = sector_rows.filter(sector__in=sectors)
    own: dict[int, list[str]] = defaultdict(list)
    for structure_id, sector in sector_rows.values_list("structure_id", "sector"):
        own[structure_id].append(sector)
    areas: dict[int, list[str]] = defaultdict(list)
    area_rows = AreaDepartement.objects.filter(**related)
    for structure_id, departement in area_rows.values_list("structure_id", "departement"):
        areas[structure_id].append(departement)
    rows = structures.values_list(
        "pk",
        "name",
        "siret",
        "lat",
        "lon",
        "departement",
        "area_kind",
        "area_radius_km",
        "headcount",
        "esat_capacity",
        "turnover",
        "max_contract_amount",
        "max_contract_amount_basis",
    )
    return [
        engine.StructureEntry(
            id=pk,
            name=name,
            kinds=tuple(kinds.get(pk, ())),
            sectors=tuple(own.get(pk, ())),
            siret=siret,
            lat=lat,
            lon=lon,
            departement=departement,
            area_kind=area_kind,
            area_radius_km=radius,
            area_departements=tuple(areas.get(pk, ())),
            headcount=headcount,
            esat_capacity=esat_capacity,
            turnover=turnover,
            max_contract_amount=max_amount,
            capacity_basis=basis,
        )
        for (pk, name, siret, lat, lon, departement, area_kind, radius, headcount, esat_capacity, turnover,
             max_amount, basis) in rows
    ]  # fmt: skip


def directory_index() -> tuple[engine.DirectoryIndex, str]:
    """The index of the directory as it is now, and its version (cached while the directory is unchanged)."""
    from levier.screening import DirectoryIndex

    version = directory_version()
    with _lock:
        if _cache["version"] != version or _cache["index"] is None:
            _cache["index"] = DirectoryIndex.build(structure_entries())
            _cache["version"] = version
        return _cache["index"], version  # type: ignore[return-value]


def forget_index() -> None:
    with _lock:
        _cache["version"] = _cache["index"] = None


def _place(level: str, code: str, departement: str, label: str) -> engine.PlaceInput | None:
    sector = areas.sector_place(label) if label else None
    if sector is not None:
        return sector  # a lot cut from a département keeps its sector's point
    if not (code or departement):
        return engine.PlaceInput(label=label) if label else None
    geography = get_geography()
    if _is_region(level, code, departement):
        region = geography.region_place(code)
        if region is not None:
            return engine.PlaceInput(label=label or region.name, lat=region.lat, lon=region.lon)
    found = geography.commune_place(code) if level == "commune" else None
    if found is None:
        found = geography.departement_place(departement or code)
    if found is None:
        return engine.PlaceInput(label=label, departement=departement or None)
    return engine.PlaceInput(
        label=label or found.name,
        commune=code if level == "commune" else None,
        departement=found.departement or departement or None,
        lat=found.lat,
        lon=found.lon,
    )


def _is_region(level: str, code: str, departement: str) -> bool:
    # The plan keeps a région as a place with a code and no département (plans.services.place_fields).
    return level == "departement" and bool(code) and not departement


def _sites(purchase) -> tuple[engine.PlaceInput, ...]:
    """Sub-areas of a purchase carried out over a région or a département: the ground for geographic lots."""
    if purchase.place_level != "departement" or not purchase.place_code:
        return ()
    if _is_region(purchase.place_level, purchase.place_code, purchase.place_departement):
        return areas.region_departements(purchase.place_code)
    return areas.departement_sectors(purchase.place_departement)


def _amount(value) -> float | None:
    return float(value) if value is not None else None


def purchase_input(purchase, lots) -> engine.PurchaseInput:
    """The engine's view of a planned purchase and its lots (a lot's empty fields are its purchase's)."""
    return engine.PurchaseInput(
        key=str(purchase.pk),
        object=purchase.object,
        cpv=purchase.cpv or None,
        nature=purchase.nature or None,
        annual_amount=_amount(purchase.annual_amount),
        total_amount=_amount(purchase.total_amount if purchase.total_amount is not None else None),
        duration_months=purchase.duration_months,
        place=_place(purchase.place_level, purchase.place_code, purchase.place_departement, purchase.place),
        launch_date=purchase.launch_date,
        current_holder_siret=purchase.current_holder_siret,
        lots=tuple(
            engine.LotInput(
                key=str(lot.pk),
                title=str(lot),
                cpv=lot.cpv or None,
                nature=lot.nature or None,
                annual_amount=_amount(lot.annual_amount),
                total_amount=_amount(lot.total_amount),
                duration_months=lot.duration_months,
                place=_place(lot.place_level, lot.place_code, lot.place_departement, lot.place)
                if lot.place
                else None,
                reserved=lot.reservation,
            )
            for lot in lots
        ),
        sites=() if lots else _sites(purchase),
        planned_reservation=purchase.reservation,
        planned_clause=purchase.insertion_clause,
        planned_criterion=purchase.social_criterion,
    )


def engine_policy(policy: ScreeningPolicy, organisation, labour_shares=None) -> engine.Policy:
    """The engine's policy from the stored one; `labour_shares` are the organisation's own shares by sector
    (`selectors.labour_shares_of`)."""
    return engine.Policy(
        buyer_kind=organisation.kind,
        central_government=policy.central_government,
        reserved_meets_obligation=policy.reserved_meets_obligation,
        min_candidates_to_reserve=policy.min_candidates_to_reserve,
        max_turnover_share=float(policy.max_turnover_share),
        insertion_rate=float(policy.insertion_rate) if policy.insertion_rate is not None else None,
        hourly_cost=float(policy.hourly_cost) if policy.hourly_cost is not None else None,
        radius_on_site_km=float(policy.radius_on_site_km),
        radius_delivered_km=float(policy.radius_delivered_km),
        labour_shares=dict(labour_shares or {}),
    )


@dataclass
class NationalRates:
    """The benchmark's share of contracts with a social consideration, by CPV, remembered for one run."""

    store: object | None
    seen: dict

    def __call__(self, cpv: str) -> float | None:
        if self.store is None or not cpv:
            return None
        if cpv not in self.seen:
            from levier.benchmark.stats import national_rate

            found = national_rate(self.store, cpv)  # None when no contract is under the CPV's division
            self.seen[cpv] = found.share_any if found is not None else None
        return self.seen[cpv]


def national_rates() -> Callable[[str], float | None] | None:
    """None when the benchmark is not loaded: the engine then leaves the factor out."""
    from levier.benchmark.services import default_store

    store = default_store()
    if not store.loaded:
        return None
    return NationalRates(store, {})
