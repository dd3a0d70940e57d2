"""A seeded world for the engine's equivalence test: a small taxonomy of its own, structures and purchases
that reach every branch of the engine (areas of every kind, missing positions and capacities, lots, sites
over several départements, secondary and generic CPV codes, incumbents, dates on both sides of L2112-2-1,
inputs the legal frame refuses), and several organisation policies.

The taxonomy is written here rather than read from rules/data/sectors.json so that editing the shipped
sectors never moves the recorded results: those must change only when the engine's behaviour does.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from datetime import date

from levier.rules.geography import shipped_departements
from levier.rules.sectors import Taxonomy
from levier.screening import (
    DirectoryIndex,
    LotInput,
    PlaceInput,
    Policy,
    PurchaseInput,
    StructureEntry,
    screen,
)

_ON_SITE = ["prestation_sur_site"]
_WORKSHOP = ["prestation_en_atelier"]
_GOODS = ["fourniture_biens_produits", "negoce"]
_ALL_KINDS = ["ACI", "AI", "EI", "ETTI", "EITI", "GEIQ", "EA", "EATT", "ESAT"]


def _sector(code, group, cpvs, provision, share, kinds):
    return {
        "code": code,
        "label": code.replace("-", " ").capitalize(),
        "group": group,
        "cpv_prefixes": cpvs,
        "provision_kinds": provision,
        "labour_share": share,
        "labour_share_basis": "estimation",
        "structure_kinds": kinds,
    }


TAXONOMY = Taxonomy.from_dict(
    {
        "version": "equivalence-test",
        "date": "2026-12-05",
        "groups": [
            {"code": "services", "label": "Services"},
            {"code": "travaux", "label": "Travaux"},
            {"code": "biens", "label": "Biens"},
        ],
        "sectors": [
            _sector(
                "restauration", "services", ["55520000", "55523100"], _ON_SITE, 0.45, ["ESAT", "EA", "EI"]
            ),
            _sector("impression", "biens", ["79810000"], _WORKSHOP, 0.4, ["ESAT", "EA"]),
            _sector("routage", "services", ["79571000"], _WORKSHOP, 0.7, ["ESAT", "EA"]),
            _sector("espaces-verts", "services", ["77310000"], _ON_SITE, 0.65, _ALL_KINDS),
            _sector("dechets", "services", ["90511000"], _ON_SITE, 0.55, ["ACI", "EI"]),
            _sector("proprete", "services", ["90910000"], _ON_SITE, 0.8, _ALL_KINDS),
            _sector("peinture", "travaux", ["45442100"], _ON_SITE, 0.6, ["EI", "ACI", "GEIQ"]),
            _sector("maconnerie", "travaux", ["45262500"], _ON_SITE, 0.5, ["EI", "GEIQ"]),
            _sector("blanchisserie", "services", ["98310000"], _WORKSHOP, 0.6, ["ESAT", "EA"]),
            _sector("aide-sociale", "services", ["85311000", "85312000"], _ON_SITE, 0.85, []),
            _sector("jouets", "biens", ["37520000"], _GOODS, 0.2, ["ESAT"]),
            _sector("etudes", "services", ["79411000"], _ON_SITE, 0.75, []),
        ],
    }
)

KIND_SETS = [
    ("ESAT",),
    ("EA",),
    ("EA", "EATT"),
    ("EI",),
    ("ACI",),
    ("AI",),
    ("ETTI",),
    ("EI", "ETTI"),
    ("GEIQ",),
    ("ESS",),
    ("ESAT", "EA"),
]
# Codes of the purchases: the sectors' own, a generic division (trade splits), a code no sector covers,
# and codes the legal frame refuses.
PURCHASE_CPVS = [p for s in TAXONOMY.sectors for p in s.cpv_prefixes] + [
    "45000000",
    "45000000",
    "90000000",
    "90000000",
    "30192000",
    "99999999",
    "abc",
    None,
]
POLICIES = (
    Policy(),
    Policy(buyer_kind="etat", min_candidates_to_reserve=5, radius_on_site_km=80, insertion_rate=0.07),
    Policy(
        buyer_kind="centrale_achat",
        central_government=True,
        reserved_meets_obligation=False,
        min_candidates_to_reserve=1,
        max_turnover_share=0.3,
        hourly_cost=35,
        labour_shares={"proprete": 0.9},
    ),
)


def _departements():
    return [d for d in shipped_departements().values() if len(d.code) <= 2 or d.code in ("2A", "2B")]


def _around(rng: random.Random, dep, spread_km: float) -> tuple[float, float]:
    lat = dep.lat + rng.gauss(0, spread_km / 111.0)
    lon = dep.lon + rng.gauss(0, spread_km / (111.0 * math.cos(math.radians(dep.lat))))
    return round(lat, 5), round(lon, 5)


def structures(n: int, seed: int = 11, taxonomy: Taxonomy = TAXONOMY) -> list[StructureEntry]:
    rng = random.Random(seed)
    # A few regions only, so that candidates pile up where the purchases are.
    deps = [d for d in _departements() if d.code in {"69", "38", "01", "42", "13", "33", "59", "75", "93"}]
    codes = [s.code for s in taxonomy.sectors]
    found = []
    for number in range(n):
        dep = rng.choice(deps)
        kinds = rng.choice(KIND_SETS)
        lat: float | None
        lon: float | None
        lat, lon = _around(rng, dep, 30)
        roll = rng.random()
        area_kind, radius, area_deps = "", None, ()
        if roll < 0.15:
            area_kind, radius = "radius", rng.choice((15.0, 40.0, 120.0, 300.0))
        elif roll < 0.25:
            area_kind = "departements"
            area_deps = tuple(rng.choice(deps).code for _ in range(rng.randint(1, 3)))
        elif roll < 0.28:
            area_kind = "national"
        elif roll < 0.33:
            lat = lon = None  # no position: its own département only
        capacity = rng.random()
        figures: dict = {}
        if capacity < 0.3:
            figures["max_contract_amount"] = round(20_000 * math.exp(rng.gauss(1.5, 1.0)), -3)
        elif capacity < 0.55:
            figures["turnover"] = round(400_000 * math.exp(rng.gauss(0, 1.0)), -3)
        elif capacity < 0.7:
            figures["headcount"] = rng.randint(3, 120)
        elif capacity < 0.85 and "ESAT" in kinds:
            figures["esat_capacity"] = rng.randint(20, 150)
        found.append(
            StructureEntry(
                id=number + 1,
                # Some names repeat: the candidates' order must hold on ties too.
                name=f"Structure {number % (n // 2 or 1):05d}",
                kinds=kinds,
                sectors=tuple(dict.fromkeys(rng.sample(codes, rng.choice((1, 1, 1, 2, 3))))),
                siret=f"{number:014d}" if rng.random() < 0.5 else "",
                lat=lat,
                lon=lon,
                departement=dep.code,
                area_kind=area_kind,
                area_radius_km=radius,
                area_departements=area_deps,
                capacity_basis=rng.choice(("", "declared", "estimated")),
                **figures,
            )
        )
    return found


def _place(rng: random.Random, deps) -> PlaceInput | None:
    dep = rng.choice(deps)
    roll = rng.random()
    if roll < 0.7:
        lat, lon = _around(rng, dep, 10)
        return PlaceInput(label=dep.name, departement=dep.code, lat=lat, lon=lon)
    if roll < 0.85:
        return PlaceInput(label=dep.name, departement=dep.code)
    if roll < 0.93:
        return PlaceInput(label="Lieu introuvable")
    return None


def purchases(n: int, entries: list[StructureEntry], seed: int = 12) -> list[PurchaseInput]:
    rng = random.Random(seed)
    deps = [
        d for d in _departements() if d.code in {"69", "38", "01", "42", "13", "33", "59", "75", "93", "2A"}
    ]
    sirets = [e.siret for e in entries if e.siret]
    dates = (
        date(2026, 8, 20),
        date(2026, 8, 21),
        date(2027, 3, 1),
        date(2027, 3, 1),
        date(2028, 1, 15),
        date(2028, 1, 15),
    )
    too_early = date(2010, 1, 1)  # before the reference data: the legal frame is refused
    found = []
    for number in range(n):
        months = rng.choice((6, 12, 24, 36, 48, 60, 72, None))
        annual = round(150_000 * math.exp(rng.gauss(0, 1.3)))
        amounts: dict = {}
        roll = rng.random()
        if roll < 0.6:
            amounts["annual_amount"] = annual
        elif roll < 0.85:
            amounts["total_amount"] = annual * (months or 12) / 12
        elif roll < 0.97:
            amounts.update(annual_amount=annual, total_amount=annual * 3)
        cpv = rng.choice(PURCHASE_CPVS)
        sites: tuple[PlaceInput, ...] = ()
        if rng.random() < 0.2:
            home = rng.choice(deps)
            sites = tuple(
                PlaceInput(
                    label=f"site {i}",
                    departement=(home if rng.random() < 0.7 else rng.choice(deps)).code,
                    lat=home.lat + rng.gauss(0, 0.3),
                    lon=home.lon + rng.gauss(0, 0.4),
                )
                if rng.random() < 0.9
                else PlaceInput(label=f"site {i} (sans position)", departement=home.code)
                for i in range(rng.randint(2, 9))
            )
        lots: tuple[LotInput, ...] = ()
        if rng.random() < 0.15:
            lots = tuple(
                LotInput(
                    key=str(i + 1),
                    title=f"Lot {i + 1}" if rng.random() < 0.8 else "",
                    cpv=rng.choice(PURCHASE_CPVS[:-3]) if rng.random() < 0.5 else None,
                    annual_amount=round(annual / 3) if rng.random() < 0.8 else None,
                    total_amount=round(annual) if rng.random() < 0.2 else None,
                    duration_months=rng.choice((None, 12, 36)),
                    place=_place(rng, deps) if rng.random() < 0.4 else None,
                    reserved=rng.choice(("", "", "", "esat_ea")),
                )
                for i in range(rng.randint(1, 4))
            )
        found.append(
            PurchaseInput(
                key=f"p{number}",
                object=f"Achat {number}",
                cpv=cpv,
                nature=rng.choice((None, None, None, "", "services", "supplies", "works"))
                if rng.random() < 0.98
                else "inconnue",
                duration_months=months,
                place=_place(rng, deps),
                launch_date=rng.choice(dates) if rng.random() < 0.95 else rng.choice((None, too_early)),
                current_holder_siret=rng.choice(sirets) if sirets and rng.random() < 0.15 else "",
                lots=lots,
                sites=sites,
                other_cpvs=tuple(rng.sample(PURCHASE_CPVS[:-3], rng.randint(1, 3)))
                if rng.random() < 0.1
                else (),
                defence_or_security=rng.random() < 0.03,
                planned_reservation=rng.choice(("", "", "", "", "esat_ea")),
                planned_clause=rng.random() < 0.2,
                planned_criterion=rng.random() < 0.05,
                **amounts,
            )
        )
    return found


def _national_rate(cpv: str) -> float | None:
    return None if cpv.startswith("9") else (int(cpv[:2]) % 7) / 20 if cpv[:2].isdigit() else None


RATES = (None, 0.12, _national_rate)


def results(n_structures: int, n_purchases: int, taxonomy: Taxonomy = TAXONOMY) -> dict[str, dict]:
    """Each purchase screened under one of the policies and national rates, as its JSON-ready dictionary."""
    entries = structures(n_structures, taxonomy=taxonomy)
    index = DirectoryIndex.build(entries, taxonomy)
    found = {}
    for number, purchase in enumerate(purchases(n_purchases, entries)):
        policy = POLICIES[number % len(POLICIES)]
        rate = RATES[(number // len(POLICIES)) % len(RATES)]
        found[purchase.key] = screen(purchase, index, policy, rate).to_dict()
    return found


def digest(result: dict) -> str:
    text = json.dumps(result, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
