"""The engine's speed-ups change no result.

1. Golden results: a seeded world (engine_world.py, its own small taxonomy) screened under three policies
   and three kinds of national rate; each purchase's full `to_dict()` is digested and compared with
   tests/screening/data/engine_golden.json, recorded with the engine as it was before the speed-ups
   (2026-12-05; the one change since is documented in splits._centroid). When a change of behaviour is
   meant, record them again and say why in the commit:
       LEVIER_WRITE_SCREENING_GOLDEN=1 .venv/bin/pytest tests/screening/test_engine_equivalence.py
2. The index against a full scan of the directory with the plain area rules and `haversine_km`.
3. The memoised legal frame against one built with every memo emptied, after a shuffled run that
   would leak a cached piece into a frame whose inputs differ.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from levier.rules import legal
from levier.rules.geography import haversine_km, shipped_departements
from levier.screening import DirectoryIndex, PlaceInput
from levier.screening.index import provision_of_sectors, structure_capacity
from levier.screening.model import DISABILITY_KINDS, INSERTION_KINDS, PROVISION_DELIVERED

from . import engine_world as world

GOLDEN = Path(__file__).parent / "data" / "engine_golden.json"
STRUCTURES, PURCHASES = 400, 800


@pytest.fixture(scope="module")
def results():
    return world.results(STRUCTURES, PURCHASES)


def test_results_match_the_recorded_ones(results):
    found = {key: world.digest(result) for key, result in results.items()}
    if os.environ.get("LEVIER_WRITE_SCREENING_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(found, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert found.keys() == recorded.keys()
    changed = sorted((k for k in found if found[k] != recorded[k]), key=lambda k: int(k[1:]))
    assert not changed, f"{len(changed)} screenings differ from the recorded ones, e.g. {changed[:10]}"


def test_the_world_reaches_every_branch(results):
    """The golden results are only worth the cases they hold."""
    recommended = {r["recommendation"] for r in results.values()}
    assert {"reserve_disability", "reserve_insertion", "reserve_both", "reserve_lots", "clause", "none"} <= (
        recommended
    )
    bases = {split["basis"] for r in results.values() for split in r["splits"]}
    assert bases == {"geography", "trade"}
    assert any(r["lots"] for r in results.values())
    assert any(r["compulsory"] for r in results.values())
    assert any(r["frame"] is None for r in results.values())
    assert any(o["code"] == "reserve_ess" for r in results.values() for o in r["options"])
    assert any(f["code"] == "incumbent" for r in results.values() for o in r["options"] for f in o["factors"])
    assert any(
        f["code"] == "national_rate" for r in results.values() for o in r["options"] for f in o["factors"]
    )


# --- The index against a full scan ---------------------------------------------------------------------


def _full_scan(entries, sectors, place, annual, policy, kinds=None):
    """Every structure checked one by one: trade, kind, area (as the index documents it), capacity."""
    position = None
    if place is not None:
        if place.has_position:
            position = (place.lat, place.lon)
        elif place.departement:
            dep = shipped_departements().get(place.departement)
            position = (dep.lat, dep.lon) if dep is not None else None
    departement = place.departement if place else None
    delivered = provision_of_sectors(sectors, world.TAXONOMY) == PROVISION_DELIVERED
    default_radius = policy.radius_delivered_km if delivered else policy.radius_on_site_km
    found = []
    for entry in entries:
        if not set(entry.sectors) & set(sectors):
            continue
        if kinds is not None and kinds.isdisjoint(entry.kinds):
            continue
        capacity = structure_capacity(entry, policy)
        if capacity is not None and annual and annual > capacity:
            continue
        distance = None
        if entry.area_kind == "national":
            pass
        elif entry.area_kind == "departements" and entry.area_departements:
            if departement not in entry.area_departements:
                continue
        elif entry.lat is not None and entry.lon is not None:
            if position is not None:
                radius = (entry.area_radius_km if entry.area_kind == "radius" else None) or default_radius
                distance = haversine_km(position[0], position[1], entry.lat, entry.lon)
                if distance > radius:
                    continue
            elif departement:
                continue
        elif entry.departement != departement or not departement:
            continue
        found.append((round(distance, 1) if distance is not None else 0.0, entry.name, entry.id, capacity))
    return sorted(found)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_finds_what_a_full_scan_finds(seed):
    rng = random.Random(seed)
    entries = world.structures(500, seed=seed)
    index = DirectoryIndex.build(entries, world.TAXONOMY)
    codes = [s.code for s in world.TAXONOMY.sectors]
    places = [world._place(rng, world._departements()) for _ in range(60)]
    places += [PlaceInput(label="Lyon", departement="69", lat=45.76, lon=4.83), None]
    for number, place in enumerate(places):
        sectors = tuple(rng.sample(codes, rng.choice((1, 2, 3))))
        annual = rng.choice((None, 30_000, 250_000, 2_000_000))
        policy = world.POLICIES[number % len(world.POLICIES)]
        kinds = rng.choice((None, DISABILITY_KINDS, INSERTION_KINDS))
        got = index.candidates(sectors, place, annual, policy, kinds)
        assert [((c.distance_km or 0.0), c.name) for c in got] == sorted(
            ((c.distance_km or 0.0), c.name) for c in got
        )
        keyed = sorted(((c.distance_km or 0.0), c.name, c.id, c.capacity) for c in got)
        assert keyed == _full_scan(entries, sectors, place, annual, policy, kinds), (sectors, place)
        assert all(c.capacity_known == (c.capacity is not None) for c in got)


# --- The memoised legal frame --------------------------------------------------------------------------

_MEMOS = (
    legal._threshold_check,
    legal._item,
    legal._cpv_check,
    legal._dated_thresholds,
    legal._threshold_euros,
)


def _frame_inputs():
    rng = random.Random(5)
    amounts = [0, 39_999, 40_000, 90_000, 143_000, 221_000, 221_000.5, 750_000, 5_538_000, 6_000_000]
    dates = [date(2024, 1, 1), date(2025, 12, 31), date(2026, 1, 1), date(2026, 8, 20), date(2026, 8, 21)]
    cpvs = [None, "85311000", "85311000-2", "55523100", "45000000", "4500000", "79810000"]
    policies = [
        None,
        legal.OrganisationPolicy(),
        legal.OrganisationPolicy(reserved_meets_obligation=False),
        legal.OrganisationPolicy(central_government=True),
    ]
    inputs = []
    for _ in range(600):
        inputs.append(
            dict(
                amount_ht=rng.choice(amounts) * rng.choice((1, 1, 1.7)),
                nature=rng.choice(("", "works", "supplies", "services")),
                buyer_kind=rng.choice(("commune", "etat", "centrale_achat", "gip", "hopital")),
                launch_date=rng.choice(dates),
                cpv=rng.choice(cpvs),
                policy=rng.choice(policies),
                defence_or_security=rng.random() < 0.1,
                pouvoir_adjudicateur=rng.random() < 0.9,
            )
        )
    return inputs


def _frame(inputs):
    try:
        return asdict(legal.legal_frame(**inputs))
    except legal.LegalFrameError as error:
        return str(error)


def test_memoised_legal_frame_is_the_frame_built_afresh():
    inputs = _frame_inputs()
    warm = [_frame(i) for i in inputs]
    assert sum(isinstance(f, dict) for f in warm) > 400
    for given, frame in zip(inputs, warm, strict=True):
        for memo in _MEMOS:
            memo.cache_clear()
        assert _frame(given) == frame, given
