"""N fictional structures drawn from the real national lists, for the directory's scale benchmarks.

Each generated structure copies a structure of the ESAT, SIAE and GEIQ files picked at random (its kinds,
its sectors as the import would infer them, its département, its ESAT capacity), with a fictional name and a
position scattered around its département's chef-lieu (normal spread of about 25 km), so that the kinds,
sectors, départements and capacities keep the real files' proportions. The real files carry no headcount,
turnover nor largest contract: those are drawn (log-normal, documented below) and marked "estimated", so
that a capacity filter has something to select.

Use from a benchmark (Django set up, database migrated):

    from bench.directory_factory import populate
    populate(20_000, seed=4)          # bulk-creates the rows, returns the number created

`templates()` and `generate(n, seed)` give the plain dictionaries without touching the database.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

STRUCTURES = ROOT.parent / "shared" / "data" / "structures"
ESAT = STRUCTURES / "esat_liste_officielle_finess.csv"
SIAE = STRUCTURES / "siae_asp_2019_07.csv"
GEIQ = STRUCTURES / "geiq_2019_11.csv"

# Spread of positions around the département's chef-lieu (km, standard deviation per axis).
SPREAD_KM = 25.0
# Synthetic capacity figures (the lists have none): the share of structures that state one, and the
# median and log-spread of the figure. Orders of magnitude of the sector (DESIGN.md §3: 142,500 SIAE
# employees for 4,500 SIAE, about 30 each), not measurements.
HEADCOUNT = (0.7, 25, 0.9)
TURNOVER_PER_HEAD = 45_000
MAX_CONTRACT_SHARE = 0.3  # le marché de l'inclusion's rule of thumb: a contract up to 30 % of turnover


@dataclass(frozen=True)
class Template:
    kinds: tuple[str, ...]
    sectors: tuple[str, ...]
    departement: str
    esat_capacity: int | None
    naf: str | None


@lru_cache(maxsize=1)
def templates() -> tuple[Template, ...]:
    """One template per structure of the real ESAT, SIAE and GEIQ files."""
    from levier.directory.inference import infer_sectors
    from levier.ingest.structures import read_esat, read_geiq, read_siae
    from levier.rules.geography import shipped_departements

    known = shipped_departements()
    found = []
    for reader, path in ((read_esat, ESAT), (read_siae, SIAE), (read_geiq, GEIQ)):
        for record in reader(path).records:
            if record.departement not in known:
                continue  # Saint-Pierre-et-Miquelon (975) is outside the shipped tables
            sectors = tuple(s.code for s in infer_sectors(record.naf, record.name, record.kinds))
            found.append(Template(record.kinds, sectors, record.departement, record.capacity, record.naf))
    return tuple(found)


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def generate(n: int, seed: int = 1) -> list[dict]:
    """Plain descriptions of `n` structures (fields of `Structure`, plus "kinds" and "sectors")."""
    from levier.rules.geography import shipped_departements

    rng = random.Random(seed)
    pool = templates()
    departements = shipped_departements()
    rows = []
    for index in range(n):
        template = pool[rng.randrange(len(pool))]
        dep = departements[template.departement]
        lat = dep.lat + rng.gauss(0.0, SPREAD_KM / 111.0)
        lon = dep.lon + rng.gauss(0.0, SPREAD_KM / (111.0 * math.cos(math.radians(dep.lat))))
        row = {
            "name": f"Structure fictive {index + 1:05d} ({'/'.join(template.kinds)})",
            "naf": template.naf or "",
            "departement": template.departement,
            "region": dep.region_code,
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "position_precision": "departement",
            "esat_capacity": template.esat_capacity,
            "esat_capacity_basis": "declared" if template.esat_capacity is not None else "",
            "kinds": template.kinds,
            "sectors": template.sectors,
        }
        share, median, sigma = HEADCOUNT
        if rng.random() < share:
            headcount = max(1, round(_lognormal(rng, median, sigma)))
            turnover = round(headcount * TURNOVER_PER_HEAD * _lognormal(rng, 1.0, 0.3), -3)
            row.update(
                headcount=headcount,
                headcount_basis="estimated",
                turnover=int(turnover),
                turnover_basis="estimated",
                max_contract_amount=int(round(turnover * MAX_CONTRACT_SHARE, -3)),
                max_contract_amount_basis="estimated",
            )
        rows.append(row)
    return rows


def populate(n: int, seed: int = 1, batch_size: int = 2000) -> int:
    """Bulk-create `n` generated structures with their kinds and sectors; returns how many were created."""
    from django.db import transaction

    from levier.directory.models import (
        Source,
        Structure,
        StructureKind,
        StructureSector,
        search_text,
    )

    rows = generate(n, seed)
    with transaction.atomic():
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            structures = []
            for row in chunk:
                fields = {k: v for k, v in row.items() if k not in ("kinds", "sectors")}
                structure = Structure(**fields, provenance={})
                structure.search_text = search_text(structure, list(row["kinds"]), list(row["sectors"]))
                structures.append(structure)
            created = Structure.objects.bulk_create(structures)
            kinds, sectors = [], []
            for structure, row in zip(created, chunk, strict=True):
                kinds.extend(StructureKind.of(structure, kind, Source.DEMO) for kind in row["kinds"])
                sectors.extend(
                    StructureSector.of(structure, code, Source.INFERRED, inferred=True)
                    for code in row["sectors"]
                )
            StructureKind.objects.bulk_create(kinds)
            StructureSector.objects.bulk_create(sectors)
    return len(rows)


if __name__ == "__main__":
    from collections import Counter

    sample = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    print(len(sample), "structures")
    print("types :", Counter("/".join(r["kinds"]) for r in sample).most_common(8))
    print("secteurs :", Counter(s for r in sample for s in r["sectors"]).most_common(8))
    print("départements :", Counter(r["departement"] for r in sample).most_common(8))
