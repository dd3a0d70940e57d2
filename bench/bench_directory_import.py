"""Speed of the directory import: the full ESAT, SIAE and GEIQ lists together, against a per-row baseline.

Levier's import (levier.directory.importing.run_import: state read in a few queries, bulk writes) runs
twice on an empty database: first import (everything created), then the same files again (everything
unchanged). The baseline, measured in the same run on the same database after emptying it, does the same
work row by row with the ORM: for each record, look the structure up by its key, `save()` it, then create
its link, kinds and sectors one `save()` at a time (the sectors inferred by the same function). Being slow,
it runs on a sample of records and its per-record time is extrapolated; reading the files is timed apart
and added to both.

Run: .venv/bin/python bench/bench_directory_import.py [--baseline-sample 1500]
     [--database-url postgresql://postgres@127.0.0.1:5432/levier_bench]   (default: a fresh SQLite file)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

STRUCTURES = ROOT.parent / "shared" / "data" / "structures"
FILES = [
    ("esat", STRUCTURES / "esat_liste_officielle_finess.csv"),
    ("siae", STRUCTURES / "siae_asp_2019_07.csv"),
    ("geiq", STRUCTURES / "geiq_2019_11.csv"),
]


def setup_django(database_url: str | None, workdir: Path) -> str:
    os.environ["LEVIER_DATA_DIR"] = str(workdir)
    os.environ.setdefault("LEVIER_DEBUG", "0")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "levier.config.settings"
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection.vendor


def empty_directory() -> None:
    from levier.directory.models import ImportRun, Structure

    Structure.objects.all().delete()
    ImportRun.objects.all().delete()


def baseline(records_by_source, sample: int) -> tuple[float, int]:
    """Row by row with the ORM; returns (seconds per record, records done)."""
    from django.db import transaction

    from levier.directory.inference import infer_sectors
    from levier.directory.models import (
        KIND_FAMILY,
        Structure,
        StructureKind,
        StructureSector,
        StructureSource,
    )
    from levier.rules.geography import Geography
    from levier.rules.sectors import load_taxonomy

    taxonomy = load_taxonomy()
    departements = Geography().departements
    per_source = max(1, sample // len(records_by_source))
    done = 0
    started = time.perf_counter()
    with transaction.atomic():
        for source, records in records_by_source.items():
            for record in records[:per_source]:
                link = StructureSource.objects.filter(source=source, key=record.source_key).first()
                structure = link.structure if link else None
                if structure is None and record.siret:
                    structure = Structure.objects.filter(siret=record.siret).first()
                if structure is None:
                    structure = Structure(provenance={})
                for name in ("siret", "name", "naf", "address", "postcode", "city", "departement"):
                    value = getattr(record, name)
                    if value:
                        setattr(structure, name, value)
                        structure.provenance[name] = {"source": source}
                dep = departements.get(record.departement or "")
                if record.lat is None and dep is not None:
                    structure.lat, structure.lon = dep.lat, dep.lon
                structure.save()
                if link is None:
                    StructureSource(structure=structure, source=source, key=record.source_key).save()
                for kind in record.kinds:
                    StructureKind.objects.get_or_create(
                        structure=structure,
                        kind=kind,
                        defaults={"family": KIND_FAMILY[kind], "source": source},
                    )
                for sector in infer_sectors(record.naf, record.name, record.kinds):
                    StructureSector.objects.get_or_create(
                        structure=structure,
                        sector=sector.code,
                        defaults={
                            "group": taxonomy.get(sector.code).group,
                            "inferred": True,
                            "source": source,
                        },
                    )
                structure.refresh_search_text()
                structure.save(update_fields=["search_text", "siren"])
                done += 1
    return (time.perf_counter() - started) / done, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-sample", type=int, default=1500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        vendor = setup_django(args.database_url, Path(tmp))
        from levier.directory.importing import read_source, run_import
        from levier.directory.models import Structure
        from levier.rules.geography import Geography

        print(
            f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} CPU, Python "
            f"{platform.python_version()}, base {vendor}"
        )
        geography = Geography()  # départements only: the same on every machine

        print(f"Charge de la machine au départ (load average sur 1 min) : {os.getloadavg()[0]:.1f}")
        started, cpu = time.perf_counter(), time.process_time()
        reports = [run_import(source, path, geography=geography) for source, path in FILES]
        first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
        created = sum(report.created for report in reports)
        print(
            f"Levier, premier import ESAT + SIAE + GEIQ : {first:.2f} s ({first_cpu:.2f} s de CPU du "
            f"processus ; {created} structures créées, {Structure.objects.count()} en base)"
        )

        started, cpu = time.perf_counter(), time.process_time()
        again = [run_import(source, path, geography=geography) for source, path in FILES]
        second, second_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"Levier, second import (rien ne change : {sum(r.unchanged for r in again)} inchangées) : "
            f"{second:.2f} s ({second_cpu:.2f} s de CPU)"
        )

        started = time.perf_counter()
        records = {source: read_source(source, path)[0].records for source, path in FILES}
        reading = time.perf_counter() - started
        total_records = sum(len(found) for found in records.values())
        print(f"Lecture seule des trois fichiers : {reading:.2f} s ({total_records} enregistrements)")

        empty_directory()
        per_record, done = baseline(records, args.baseline_sample)
        estimated = reading + per_record * total_records
        print(
            f"Référence ligne à ligne (ORM, {done} enregistrements mesurés) : {per_record * 1000:.2f} ms par "
            f"enregistrement, soit ~{estimated:.1f} s pour les trois fichiers"
        )
        print(f"Rapport référence / Levier (premier import) : {estimated / first:.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
