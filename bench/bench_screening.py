"""Speed of screening 1k, 5k and 10k purchases against 20,000 structures; ratio against a naive approach.

Structures come from bench/directory_factory.py (the real lists' kinds, sectors, départements and
capacities). Purchases are generated with a fixed seed: a CPV code of a sector of the taxonomy (so that
supply exists), a département's chef-lieu as the place (a few with several sites, for geographic splits),
a log-normal yearly amount (median 150 k€), a duration of 12 to 60 months and a launch in 2027.

Optimised: the directory is read once into `DirectoryIndex` (by `structure_entries` of
levier.recommendations.engine, as the pages and `levier screen` do), then each purchase is screened in memory.
Baseline, same run: the obvious way, one database query per purchase for the structures of its sectors
(and their kinds), then the same engine on that short list. Both must give the same recommendation and the
same candidate counts, which the script checks before printing.

Each size is timed `--repeat` times (engine) and `--baseline-repeat` times (baseline); the best CPU time
(`time.process_time`, one core) is kept, since other jobs on a shared machine only ever add to it. The
wall time shown is the one of that best run. Memory: the peak of Python allocations (tracemalloc) while
building the index and while screening the largest size (results kept, as a report does), measured in
separate untimed passes, and the process's peak resident size at the end.

Run (SQLite in a temporary directory by default; PostgreSQL with --database-url, a database of your own
that the script drops and creates):

    .venv/bin/python bench/bench_screening.py [--structures 20000] [--sizes 1000,5000,10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.bench_directory_search import prepare_database  # noqa: E402


def generate_purchases(n: int, seed: int = 7):
    from levier.rules.geography import shipped_departements
    from levier.rules.sectors import load_taxonomy
    from levier.screening import PlaceInput, PurchaseInput

    rng = random.Random(seed)
    taxonomy = load_taxonomy()
    codes = [(sector.code, cpv) for sector in taxonomy.sectors for cpv in sector.cpv_prefixes]
    departements = [d for d in shipped_departements().values() if len(d.code) <= 2 or d.code in ("2A", "2B")]
    purchases = []
    for number in range(n):
        _sector, cpv = rng.choice(codes)
        dep = rng.choice(departements)
        place = PlaceInput(label=dep.name, departement=dep.code, lat=dep.lat, lon=dep.lon)
        sites = ()
        if rng.random() < 0.1:
            sites = tuple(
                PlaceInput(
                    label=f"site {i}",
                    departement=dep.code,
                    lat=dep.lat + rng.gauss(0, 0.25),
                    lon=dep.lon + rng.gauss(0, 0.35),
                )
                for i in range(rng.randint(3, 8))
            )
        purchases.append(
            PurchaseInput(
                key=str(number),
                object=f"Achat {number}",
                cpv=cpv,
                annual_amount=round(150_000 * math.exp(rng.gauss(0, 1.1))),
                duration_months=rng.choice((12, 24, 36, 48, 60)),
                launch_date=date(2027, rng.randint(1, 12), 1),
                place=place,
                sites=sites,
            )
        )
    return purchases


def best_of(runs: int, work):
    """(result, best CPU seconds, wall seconds of that run) over `runs` runs of `work()`."""
    best = None
    for _ in range(max(runs, 1)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if best is None or cpu < best[1]:
            best = (result, cpu, wall)
    return best


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def naive_entries(sectors: tuple[str, ...]):
    """Queries for one purchase: the structures of its sectors, then their sectors, kinds and areas."""
    from levier.directory.models import Structure
    from levier.recommendations.engine import structure_entries

    structures = Structure.objects.filter(is_active=True, sectors__sector__in=sectors).distinct()
    return structure_entries(structures, sectors=sectors)


def signature(result) -> tuple:
    return (result.recommendation.code, tuple((o.code, o.candidate_count) for o in result.options))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=20_000)
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--baseline-max", type=int, default=10_000, help="largest size the baseline runs at")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the engine per size (best CPU kept)")
    parser.add_argument("--baseline-repeat", type=int, default=1, help="runs of the baseline per size")
    parser.add_argument("--target", type=float, default=5.0, help="CPU seconds allowed for 10,000 purchases")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--example", action="store_true", help="compare with the existing tool's cut-offs")
    args = parser.parse_args(argv)
    if args.example:
        compare_example(args.structures)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]

    workdir = tempfile.mkdtemp(prefix="levier-bench-screening-")
    os.environ["LEVIER_DATA_DIR"] = workdir
    os.environ["DATABASE_URL"] = prepare_database(args.database_url, workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "levier.config.settings")
    import django

    django.setup()
    from bench.directory_factory import populate
    from django.core.management import call_command
    from django.db import connection

    from levier.recommendations.engine import structure_entries
    from levier.screening import DirectoryIndex, Policy, screen

    call_command("migrate", verbosity=0)
    populate(args.structures, seed=4)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    purchases = generate_purchases(max(sizes))
    policy = Policy()

    wall, cpu = time.perf_counter(), time.process_time()
    index = DirectoryIndex.build(structure_entries())
    build_wall, build_cpu = time.perf_counter() - wall, time.process_time() - cpu

    print(f"Machine : {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"Charge (1, 5, 15 min) au début : {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(
        f"Base : {connection.vendor}, {len(index)} structures ; index construit en {build_wall:.2f} s "
        f"(CPU {build_cpu:.2f} s)"
    )
    print()
    print(
        "| achats | index en mémoire : CPU (meilleur de "
        f"{args.repeat}) | mur | CPU par achat | naïf, requêtes par achat : CPU | mur | rapport (CPU) |"
    )
    print("|---|---|---|---|---|---|---|")
    timings: dict[int, float] = {}
    for size in sizes:
        batch = purchases[:size]

        def fast_run(batch=batch):
            return [screen(p, index, policy) for p in batch]

        fast, fast_cpu, fast_wall = best_of(args.repeat, fast_run)
        timings[size] = fast_cpu
        if size > args.baseline_max:
            print(
                f"| {size:,} | {fast_cpu:.2f} s | {fast_wall:.2f} s | {fast_cpu / size * 1000:.2f} ms | "
                "non mesuré | | |"
            )
            continue

        def slow_run(batch=batch):
            slow = []
            for p in batch:
                # The purchase's trades and, for a generic code, the trades below it (read by trade splits).
                sectors = tuple(dict.fromkeys(index.sectors_for_cpv(p.cpv) + index.narrower_sectors(p.cpv)))
                slow.append(screen(p, DirectoryIndex(naive_entries(sectors), index.taxonomy), policy))
            return slow

        slow, slow_cpu, slow_wall = best_of(args.baseline_repeat, slow_run)
        mismatches = [
            p.key for p, a, b in zip(batch, fast, slow, strict=True) if signature(a) != signature(b)
        ]
        if mismatches:
            print(f"ÉCART sur {len(mismatches)} achats, par exemple {mismatches[:5]}", file=sys.stderr)
            return 1
        print(
            f"| {size:,} | {fast_cpu:.2f} s | {fast_wall:.2f} s | {fast_cpu / size * 1000:.2f} ms | "
            f"{slow_cpu:.1f} s | {slow_wall:.1f} s | {slow_cpu / fast_cpu:.1f}× |"
        )
    print()
    largest = max(sizes)
    tracemalloc.start()
    DirectoryIndex.build(structure_entries())
    index_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    kept = [screen(p, index, policy) for p in purchases[:largest]]
    screening_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del kept
    print(
        f"Mémoire : index {index_peak / 2**20:.0f} Mo au plus pendant sa construction ; "
        f"{largest:,} achats criblés, résultats gardés : {screening_peak / 2**20:.0f} Mo au plus ; "
        f"processus : {peak_rss_mb():.0f} Mo résidents au plus."
    )
    if 10_000 in timings:
        verdict = "atteint" if timings[10_000] < args.target else "NON atteint"
        print(f"Objectif {args.target:g} s CPU pour 10 000 achats : {verdict} ({timings[10_000]:.2f} s).")
    recommended: dict[str, int] = {}
    for result in fast:
        recommended[result.recommendation.code] = recommended.get(result.recommendation.code, 0) + 1
    print("Recommandations (dernier lot) : " + ", ".join(f"{k} {v}" for k, v in sorted(recommended.items())))
    print(f"Charge à la fin : {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


# --- The same example plan under Levier's defaults and under the existing tool's cut-offs (docs/screening.md)

EXAMPLE_PLAN = (
    # object, CPV, nature, département, yearly amount, months
    ("Restauration collective des crèches", "55523100", "services", "69", 400_000, 48),
    ("Impression des supports de communication", "79810000", "services", "33", 60_000, 36),
    ("Mise sous pli et routage", "79571000", "services", "59", 30_000, 24),
    ("Entretien des espaces verts", "77310000", "services", "69", 180_000, 36),
    ("Collecte des déchets ménagers", "90511000", "services", "13", 1_500_000, 60),
    ("Nettoyage des locaux administratifs", "90910000", "services", "75", 600_000, 48),
    ("Étude de mobilité", "79411000", "services", "69", 80_000, 12),
    ("Travaux de peinture des écoles", "45442100", "works", "94", 300_000, 12),
    ("Blanchisserie du linge des EHPAD", "98310000", "services", "35", 120_000, 36),
)


def existing_tool(index, policy, purchase) -> str:
    """le marché de l'inclusion's rule: count sector + area matches; 30 → reserve (if the amount is under
    30 % of their average turnover), 10 → a lot, 1 → a clause, else nothing."""
    sectors = index.sectors_for_cpv(purchase.cpv)
    matches = index.candidates(sectors, purchase.place, None, policy) if sectors else []
    turnovers = [c.capacity / policy.max_turnover_share for c in matches if c.capacity_known]
    average = sum(turnovers) / len(turnovers) if turnovers else 0
    if len(matches) >= 30 and purchase.annual_amount < 0.3 * average:
        verdict = "réserver"
    elif len(matches) >= 10:
        verdict = "réserver un lot"
    elif len(matches) >= 1:
        verdict = "clause"
    else:
        verdict = "rien"
    return f"{len(matches)} structures → {verdict}"


def compare_example(structures: int = 20_000) -> None:
    """Print the docs/screening.md table (no database: the generated directory is indexed directly)."""
    from bench.directory_factory import generate

    from levier.rules.geography import shipped_departements
    from levier.screening import DirectoryIndex, PlaceInput, Policy, PurchaseInput, StructureEntry, screen

    rows = generate(structures, seed=4)
    entries = [
        StructureEntry(
            id=i,
            name=r["name"],
            kinds=tuple(r["kinds"]),
            sectors=tuple(r["sectors"]),
            lat=r["lat"],
            lon=r["lon"],
            departement=r["departement"],
            headcount=r.get("headcount"),
            esat_capacity=r.get("esat_capacity"),
            turnover=r.get("turnover"),
            max_contract_amount=r.get("max_contract_amount"),
        )
        for i, r in enumerate(rows)
    ]
    index = DirectoryIndex.build(entries)
    policy = Policy()
    departements = shipped_departements()
    print("| achat | outil existant (secteur + zone) | Levier : recommandation | score | capables |")
    print("|---|---|---|---|---|")
    for number, (text, cpv, nature, dep, annual, months) in enumerate(EXAMPLE_PLAN, start=1):
        d = departements[dep]
        purchase = PurchaseInput(
            key=str(number),
            object=text,
            cpv=cpv,
            nature=nature,
            annual_amount=annual,
            duration_months=months,
            launch_date=date(2027, 3, 1),
            place=PlaceInput(label=d.name, departement=dep, lat=d.lat, lon=d.lon),
        )
        result = screen(purchase, index, policy)
        best = result.recommendation
        print(
            f"| {text} ({dep}, {annual:,} €/an) | {existing_tool(index, policy, purchase)} | {best.label_fr} "
            f"| {best.score:g} | {best.candidate_count} |"
        )


if __name__ == "__main__":
    sys.exit(main())
