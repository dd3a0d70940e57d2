"""Importing a 10,000-line purchase plan (xlsx) into the database: time and memory against a baseline.

The plan is built by tests/ingest/plan_factory.py from real DECP objects laid out as buyers do (title rows,
merged two-level header, services merged down, French amounts and dates, lots), repeated with fresh
references and objects until it has the requested number of purchases. It is written in a child process,
so that the memory figures of this process are the import's own.

Measured in the same run, same file:
- baseline: openpyxl in read-only mode walking every row (`iter_rows(values_only=True)`), the least any
  xlsx import must do;
- `read_plan` alone (pure reader: header detection, merged cells, French values, lots, keys);
- the import service: preview then atomic commit (`import_file`), into an empty plan;
- the same file imported again (every line unchanged);
- peak traced Python allocations (tracemalloc) of a preview, and the process's peak RSS (VmHWM).

Run: .venv/bin/python bench/bench_plan_import.py [--lines 10000] [--database-url postgresql://...]
Without --database-url the database is a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def write_plan(path: str, lines: int) -> tuple[int, int]:
    """Child process: a plan of `lines` purchases, every usable DECP contract reused with a site suffix."""
    from tests.ingest.plan_factory import make_plan, plan_grid, write_xlsx

    base = make_plan(1300, seed=2027, lot_every=10)  # about all the distinct usable objects
    purchases = []
    for index in range(lines):
        source = base.purchases[index % len(base.purchases)]
        round_ = index // len(base.purchases)
        copy = type(source)(**{**source.__dict__, "cells": dict(source.cells), "lots": list(source.lots)})
        if round_:
            copy.object = f"{source.object} (site {round_ + 1})"
            copy.cells["object"] = copy.object
        copy.reference = f"2027-{index + 1:05d}" if source.reference else None
        copy.cells["reference"] = copy.reference
        purchases.append(copy)
    purchases.sort(key=lambda purchase: purchase.service)
    base.purchases = purchases
    grid = plan_grid(base)
    write_xlsx(grid, Path(path))
    return len(grid.rows), sum(len(p.lots) for p in purchases)


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    os.environ["LEVIER_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "levier.config.settings")
    path = folder / "plan.xlsx"
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        rows, lots = pool.apply(write_plan, (str(path), args.lines))
    print(
        f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}"
    )
    print(
        f"Fichier : {args.lines} achats, {lots} lots, {rows} lignes, {path.stat().st_size / 1e6:.1f} Mo "
        f"(généré en {time.perf_counter() - started:.1f} s dans un processus à part)"
    )

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import openpyxl

    from levier.ingest.plans import read_plan
    from levier.organisations.models import Organisation
    from levier.plans.importing import import_file, preview_import
    from levier.plans.models import Lot, PlannedPurchase

    content = path.read_bytes()
    rss_start = peak_rss_mib()

    def walk_workbook() -> int:
        workbook = openpyxl.load_workbook(path, read_only=True)
        walked = sum(1 for _ in workbook.active.iter_rows(values_only=True))
        workbook.close()
        return walked

    walked, baseline = timed(walk_workbook)
    print(f"Référence : openpyxl (lecture seule) parcourt {walked} lignes en {baseline}")

    result, reading = timed(lambda: read_plan(path, plan_year=2027))
    print(f"read_plan seul : {len(result.purchases)} achats en {reading} ({reading.ratio(baseline)})")
    del result

    orgs = [
        Organisation.objects.create(slug=f"bench-{n}", name=f"Banc d'essai {n}", kind="commune", siret=siret)
        for n, siret in enumerate(("21999000100014", "22899000200013"))
    ]
    done, importing = timed(lambda: import_file(None, orgs[0], content, path.name, 2027))
    stored = PlannedPurchase.objects.filter(plan__organisation=orgs[0]).count()
    stored_lots = Lot.objects.filter(purchase__plan__organisation=orgs[0]).count()
    print(
        f"Import (lecture + enregistrement atomique) : {done.created} achats et {stored_lots} lots créés "
        f"en {importing} ({importing.ratio(baseline)}) ; {stored} en base"
    )
    timings = done.report["timings"]
    print(
        f"  dont lecture {timings['read']:.2f} s, rapprochement et valeurs déduites (CPV, procédure, lieu) "
        f"{timings['compare']:.2f} s, écriture {timings['write']:.2f} s (horloge murale)"
    )
    again, reimport = timed(lambda: import_file(None, orgs[0], content, path.name, 2027))
    print(
        f"Réimport du même fichier : {again.unchanged} inchangés, "
        f"{again.created + again.updated} écrits, {reimport}"
    )
    rss_peak = peak_rss_mib()

    tracemalloc.start()
    _preview, traced = timed(lambda: preview_import(None, orgs[1], content, path.name, 2027))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"Mémoire : pic des allocations Python d'un aperçu {peak / 2**20:.0f} Mio (tracemalloc, {traced}) ; "
        f"pic RSS du processus {rss_peak:.0f} Mio (dont {rss_start:.0f} Mio avant l'import : Django, modules)"
    )
    print(
        f"Charge de la machine (moyenne sur 1, 5, 15 min) : {', '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )
    target = 15.0
    verdict = "atteint" if importing.wall < target else "NON atteint"
    print(
        f"Objectif : import de {args.lines} lignes en moins de {target:.0f} s : {verdict} "
        f"(temps processeur {importing.cpu:.1f} s)"
    )
    return 0 if importing.wall < target else 1


class Timing:
    """Wall-clock and CPU time of one step: on a shared machine the CPU time is what the step costs."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s (processeur {self.cpu:.2f} s)"

    def ratio(self, baseline: Timing) -> str:
        wall, cpu = self.wall / baseline.wall, self.cpu / baseline.cpu
        return f"{wall:.1f}× la référence, {cpu:.1f}× en temps processeur"


def timed(step):
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, Timing(time.perf_counter() - wall, time.process_time() - cpu)


if __name__ == "__main__":
    raise SystemExit(main())
