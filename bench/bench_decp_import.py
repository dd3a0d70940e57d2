"""Scale of the DECP import: a national-size file (1.5 million contracts), peak memory, throughput, stats.

1. Builds a DECP file in the format in force since 2024 (`{"marches": {"marche": [...]}}`) in a temporary
   directory, record by record (never in memory), by drawing each field from the real samples'
   empirical distributions (shared/data/decp: objects, CPV codes, buyers, holders, amounts, durations,
   places, procedures, natures, social considerations). Every field is drawn independently, so objects and
   CPV codes do not match; that changes neither parsing nor storage costs. 1 % of the contracts carry a
   modification, 0.5 % are published twice (exercising deduplication), and the real files' defects come
   with the draws (time zones in dates, placeholder amounts, broken CPV codes).
2. Baseline, in a child process: `json.load` of the whole file with the standard library (the way
   decp_pairs and most scripts read DECP), then a loop touching every record; time and peak RSS.
3. Import, in another child process: `BenchmarkStore.import_files` (ijson streaming, normalisation,
   Parquet through DuckDB, deduplication); time and peak RSS (getrusage of the child itself).
4. Statistics for one CPV group (`social_stats`, every dimension in one query), timed over 20 runs, and
   similar contracts for two planned purchases.

Run: .venv/bin/python bench/bench_decp_import.py [--contracts 1500000] [--group 452] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SHARED = ROOT.parent / "shared" / "data" / "decp" / "samples"

MEMORY_LIMIT_MIB = 1024
STATS_TARGET_MS = 200


def _pools() -> dict[str, list]:
    """Every field's values as found in the real samples (with repeats: drawing keeps the frequencies)."""
    pools: dict[str, list] = {
        key: []
        for key in (
            "objet",
            "codeCPV",
            "acheteur",
            "titulaire",
            "montant",
            "dureeMois",
            "lieu",
            "procedure",
            "nature",
            "date",
            "social",
            "holders_count",
        )
    }
    for path in sorted(SHARED.glob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        records = document["marches"]
        records = records["marche"] if isinstance(records, dict) else records
        for record in records:
            pools["objet"].append(record.get("objet"))
            pools["codeCPV"].append(record.get("codeCPV"))
            pools["acheteur"].append((record.get("acheteur") or {}).get("id"))
            pools["montant"].append(record.get("montant"))
            pools["dureeMois"].append(record.get("dureeMois"))
            pools["lieu"].append(record.get("lieuExecution"))
            pools["procedure"].append(record.get("procedure"))
            pools["nature"].append(record.get("nature"))
            pools["date"].append(record.get("dateNotification"))
            holders = record.get("titulaires") or []
            pools["holders_count"].append(len(holders))
            for holder in holders:
                holder = holder.get("titulaire", holder)
                pools["titulaire"].append({"typeIdentifiant": "SIRET", "id": holder.get("id")})
            if "considerationsSociales" in record:
                pools["social"].append(record["considerationsSociales"])
    return pools


def build_file(path: Path, contracts: int, seed: int = 2026) -> int:
    """Write the file; returns its size in bytes."""
    pools = _pools()
    draw = random.Random(seed)
    modified = int(contracts * 0.01)
    twice = int(contracts * 0.005)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"marches": {"marche": [\n')
        previous = None
        for number in range(contracts):
            if number and number % (contracts // max(twice, 1) or 1) == 0 and previous is not None:
                record = previous  # published a second time, as platforms do
            else:
                holders = [
                    {"titulaire": draw.choice(pools["titulaire"])}
                    for _ in range(max(1, draw.choice(pools["holders_count"])))
                ]
                record = {
                    "id": f"B{number:09d}",
                    "acheteur": {"id": draw.choice(pools["acheteur"])},
                    "nature": draw.choice(pools["nature"]),
                    "objet": draw.choice(pools["objet"]),
                    "codeCPV": draw.choice(pools["codeCPV"]),
                    "procedure": draw.choice(pools["procedure"]),
                    "lieuExecution": draw.choice(pools["lieu"]),
                    "dureeMois": draw.choice(pools["dureeMois"]),
                    "dateNotification": draw.choice(pools["date"]),
                    "datePublicationDonnees": "2025-01-15",
                    "montant": draw.choice(pools["montant"]),
                    "formePrix": "Forfaitaire",
                    "titulaires": holders,
                    "considerationsSociales": draw.choice(pools["social"]),
                    "considerationsEnvironnementales": {
                        "considerationEnvironnementale": ["Pas de considération environnementale"]
                    },
                }
                if number < modified:
                    record["modifications"] = [
                        {"modification": {"id": 1, "montant": 123456.0, "dureeMois": 24}}
                    ]
            previous = record
            if number:
                handle.write(",\n")
            handle.write(json.dumps(record, ensure_ascii=False))
        handle.write("\n]}}\n")
    return path.stat().st_size


_BASELINE = """
import json, resource, sys, time
started = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as handle:
    document = json.load(handle)
count = sum(1 for record in document["marches"]["marche"] if record.get("id"))
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "records": count,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_IMPORT = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from levier.benchmark.store import BenchmarkStore
started = time.perf_counter()
report = BenchmarkStore(sys.argv[2]).import_files([sys.argv[1]])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "read": report.read.records, "imported": report.imported,
                  "duplicates": report.duplicates_removed, "in_store": report.contracts_in_store,
                  "reasons": dict(report.read.reasons),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child process failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1_500_000)
    parser.add_argument("--group", default="452", help="CPV group of the statistics query (3 digits).")
    parser.add_argument("--keep", type=Path, default=None, help="Work in this directory and keep it.")
    parser.add_argument(
        "--stats-only", action="store_true", help="With --keep: only time the statistics on the kept store."
    )
    args = parser.parse_args(argv)
    if args.stats_only:
        if args.keep is None:
            parser.error("--stats-only needs --keep DIR")
        return 0 if time_stats(args.keep / "benchmark", args.group) else 1

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-decp-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / "decp-national.json"
    store_dir = work / "benchmark"
    print(f"Machine : {platform.machine()}, {platform.python_version()}, {platform.system()}")
    print(f"Dossier de travail : {work}")

    started = time.perf_counter()
    size = build_file(source, args.contracts)
    built = time.perf_counter() - started
    print(f"Fichier généré : {args.contracts:,} marchés, {size / 2**20:,.0f} Mio, {built:.1f} s")

    baseline = _child(_BASELINE, str(source))
    baseline_rate = baseline["records"] / baseline["seconds"]
    print(
        f"Référence json.load : {baseline['seconds']:.1f} s ({baseline_rate:,.0f} marchés/s), "
        f"pic mémoire {baseline['rss_mib']:,.0f} Mio"
    )
    imported = _child(_IMPORT, str(source), str(store_dir), str(ROOT / "src"))
    rate = imported["read"] / imported["seconds"]
    print(
        f"Import Levier : {imported['seconds']:.1f} s ({rate:,.0f} marchés/s), pic mémoire "
        f"{imported['rss_mib']:,.0f} Mio ; lus {imported['read']:,}, importés {imported['imported']:,}, "
        f"doublons retirés {imported['duplicates']:,}, dans la base {imported['in_store']:,}"
    )
    print(f"Raisons : {json.dumps(imported['reasons'], ensure_ascii=False)}")
    print(
        f"Rapport de temps import / json.load : {imported['seconds'] / baseline['seconds']:.2f} ; "
        f"mémoire json.load / import : {baseline['rss_mib'] / imported['rss_mib']:.1f}×"
    )

    ok_stats = time_stats(store_dir, args.group)
    ok_memory = imported["rss_mib"] < MEMORY_LIMIT_MIB
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Objectifs : mémoire < {MEMORY_LIMIT_MIB} Mio {'tenu' if ok_memory else 'MANQUÉ'}, statistiques < "
        f"{STATS_TARGET_MS} ms {'tenu' if ok_stats else 'MANQUÉ'} (processus du banc : {own:,.0f} Mio)"
    )
    if args.keep is None:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok_memory and ok_stats else 1


def time_stats(store_dir: Path, group: str) -> bool:
    """Statistics of one CPV group over the pre-aggregated table, then over the contracts (baseline)."""
    import datetime as dt

    from levier.benchmark.stats import social_stats
    from levier.benchmark.store import BenchmarkStore

    connection = BenchmarkStore(store_dir).connect()
    results = {}
    for label, on in (("table pré-agrégée", None), ("référence : lecture des marchés", dt.date.today())):
        timings = []
        for _ in range(20):
            begin = time.perf_counter()
            result = social_stats(connection, group, on=on)
            timings.append((time.perf_counter() - begin) * 1000)
        results[label] = timings
        scanned = result["ensemble"]["marches"]
        print(
            f"Statistiques du groupe CPV {group} ({scanned:,} marchés, 7 dimensions), {label} : première "
            f"{timings[0]:.0f} ms, médiane {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms"
        )
    connection.close()
    from levier.benchmark.similar import similar_contracts

    store = BenchmarkStore(store_dir)
    for cpv, text in (
        ("45442100", "Travaux de peinture intérieure de l'école"),
        (None, "restauration scolaire"),
    ):
        timings = []
        for _ in range(5):
            begin = time.perf_counter()
            found = similar_contracts(store, cpv, text, 10)
            timings.append((time.perf_counter() - begin) * 1000)
        print(
            f"Marchés semblables à « {text} » (CPV {cpv or 'aucun'}) : {len(found)} trouvés, première "
            f"{timings[0]:.0f} ms, médiane {statistics.median(timings):.0f} ms"
        )
    return max(results["table pré-agrégée"]) < STATS_TARGET_MS


if __name__ == "__main__":
    raise SystemExit(main())
