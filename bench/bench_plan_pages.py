"""The plan's pages and exports on a 10,000-line plan: time (and memory for the xlsx) against baselines.

Measured in the same run, on a fresh SQLite database (or --database-url):
- the plan page (first page of 50, then filtered by service and amount band) on the 10,000-line plan,
  against the same page on a 100-line plan of another organisation (baseline): the page must not grow
  with the plan;
- the xlsx export of the whole plan with its decisions (openpyxl write-only, `plans.exports`), against the
  same cells written with an ordinary openpyxl workbook (baseline), with the peak traced allocations of each;
- the public CSV and Atom feed with 1,000 published purchases.

Run: .venv/bin/python bench/bench_plan_pages.py [--lines 10000] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import io
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


def timed(function, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def traced(function) -> tuple[float, float, object]:
    """Time of one run, then the peak traced allocations of another (tracing slows the run down)."""
    started = time.perf_counter()
    function()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    result = function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20, result


def build(lines: int):
    """An organisation with a plan of `lines` purchases (services, amounts, dates, steps, publications)."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from levier.organisations.models import Membership, Organisation, Service
    from levier.plans.models import Plan, PlannedPurchase, Transition

    def organisation(slug, siret, count):
        org = Organisation.objects.create(slug=slug, name=slug.title(), kind="commune", siret=siret)
        services = [Service.objects.create(organisation=org, name=f"Direction {n}") for n in range(8)]
        plan = Plan.objects.create(organisation=org, year=2027)
        now = timezone.now()
        PlannedPurchase.objects.bulk_create(
            [
                PlannedPurchase(
                    plan=plan,
                    stable_key=f"ref:{n}",
                    reference=f"2027-{n:05d}",
                    object=f"Prestation de service numéro {n} pour les bâtiments communaux",
                    service=services[n % 8],
                    nature=("services", "supplies", "works")[n % 3],
                    estimated_amount=Decimal(1000 + (n * 7919) % 2_000_000),
                    total_amount=Decimal(1000 + (n * 7919) % 2_000_000),
                    amount_basis="whole_duration",
                    duration_months=12 + n % 36,
                    launch_date=dt.date(2027, 1 + n % 12, 1 + n % 28),
                    status=("to_screen", "proposed", "validated")[n % 3],
                    reservation="L2113-12" if n % 10 == 0 else "",
                    insertion_clause=n % 7 == 0,
                    published_at=now if n % 10 == 0 and n % 3 == 2 else None,
                )
                for n in range(count)
            ],
            batch_size=1000,
        )
        user = get_user_model().objects.create(email=f"acheteur@{slug}.invalid")
        Membership.objects.create(user=user, organisation=org, roles=["buyer"])
        Transition.objects.bulk_create(
            [
                Transition(
                    purchase=p, step="propose", from_status="to_screen", to_status="proposed", actor=user
                )
                for p in plan.purchases.exclude(status="to_screen").only("pk")
            ],
            batch_size=1000,
        )
        return org, user, services

    return organisation("grande-ville", "21999000100014", lines), organisation(
        "petite-ville", "22899000200013", 100
    )


def baseline_workbook(organisation, filters) -> bytes:
    """The same purchase cells through an ordinary (not write-only) openpyxl workbook."""
    from openpyxl import Workbook

    from levier.plans import exports, selectors

    purchases = list(selectors.filter_purchases(organisation, filters))
    decisions = selectors.last_decisions(selectors.filter_purchases(organisation, filters).values("pk"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([name for name, _value, _fmt, _width in exports.PURCHASE_COLUMNS])
    for p in purchases:
        sheet.append(
            [exports._naive(value(p, decisions.get(p.pk))) for _n, value, _f, _w in exports.PURCHASE_COLUMNS]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-plan-pages-"))
    os.environ["LEVIER_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "levier.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from levier.plans import exports, selectors

    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    (big, big_user, big_services), (small, small_user, _small_services) = build(args.lines)
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {engine}; "
        f"data built in {time.perf_counter() - started:.1f} s"
    )

    client = Client()
    rows = []

    def page(user, org, **query):
        client.force_login(user)
        response = client.get(f"/o/{org.slug}/plan/", {"year": 2027, **query})
        assert response.status_code == 200
        return response

    base_time, _ = timed(lambda: page(small_user, small))
    big_time, _ = timed(lambda: page(big_user, big))
    rows.append(
        (
            "plan page, first 50 lines",
            f"{base_time * 1000:.0f} ms (100 lines)",
            f"{big_time * 1000:.0f} ms ({args.lines:,} lines)",
            big_time / base_time,
        )
    )
    query = {"service": big_services[3].pk, "band": "200k-1m"}
    filtered_time, _ = timed(lambda: page(big_user, big, **query))
    small_filtered, _ = timed(lambda: page(small_user, small, band="200k-1m"))
    rows.append(
        (
            "plan page, service and band filters",
            f"{small_filtered * 1000:.0f} ms (100 lines)",
            f"{filtered_time * 1000:.0f} ms ({args.lines:,} lines)",
            filtered_time / small_filtered,
        )
    )

    filters = selectors.PurchaseFilters(year=2027)
    base_export_time, base_peak, base_bytes = traced(lambda: baseline_workbook(big, filters))
    export_time, export_peak, content = traced(lambda: exports.plan_workbook(big, filters))
    rows.append(
        (
            "xlsx export, whole plan",
            f"{base_export_time:.1f} s, {base_peak:.0f} MiB peak (ordinary)",
            f"{export_time:.1f} s, {export_peak:.0f} MiB peak (write-only, 3 sheets)",
            export_time / base_export_time,
        )
    )

    published = selectors.public_purchases(big).count()
    client.logout()
    csv_time, _ = timed(lambda: client.get(f"/publications/{big.slug}/achats.csv"))
    feed_time, _ = timed(lambda: client.get(f"/publications/{big.slug}/flux.atom"))
    list_time, _ = timed(lambda: client.get("/publications/"))
    rows.append(
        (
            "public CSV / Atom (200 latest) / page (30)",
            f"{published:,} published",
            f"{csv_time * 1000:.0f} / {feed_time * 1000:.0f} / {list_time * 1000:.0f} ms",
            None,
        )
    )

    print(f"{'measure':44} | {'baseline':38} | {'Levier':46} | ratio")
    for name, baseline, ours, ratio in rows:
        print(f"{name:44} | {baseline:38} | {ours:46} | {'' if ratio is None else f'{ratio:.2f}'}")
    print(f"xlsx sizes: {len(base_bytes) / 2**20:.1f} MiB (baseline), {len(content) / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
