"""Imports of structure lists into the directory: preview, atomic commit, idempotence, provenance, merges.

`preview_import(source, path)` reads the file with the pure readers of `levier.ingest.structures` and says
what would be created, updated, left unchanged or rejected, without writing anything. `run_import` does
the same inside one transaction and writes: if anything fails, the database is left as it was.

Keys. Each record of a source is linked to one structure by `StructureSource(source, key)`: the FINESS
number for ESAT establishments, the SIRET for the ASP, GEIQ and EA lists, le marché's id for its API.
Importing the same file twice finds every link and changes nothing. A record seen for the first time joins
an existing structure with the same FINESS number (ESAT) or, failing that, the same SIRET (one candidate,
else the head office), unless that structure already holds another record of the same source (two ESAT
establishments sharing their association's SIRET stay two structures; so do le marché's antennas).

Merging. Every stored field remembers its source and the date of the data (`Structure.provenance`).
A source may overwrite a field it set itself, or one set by a source of lower priority (`PRIORITY`):
the national lists rank above le marché de l'inclusion, which ranks above what Levier inferred
(geocoded positions, sectors from NAF codes). The order is strict, so importing the lists again in any
order gives the same directory. A field edited by hand (source "manual") is never overwritten: the
report counts the values kept. Kinds and sectors are sets: a source adds its own and withdraws only
those it had given; sectors inferred by Levier make way as soon as a source or a person gives some.

Speed: the whole state an import needs is read in a few queries (no per-row query) and written with
bulk operations; bench/bench_directory_import.py measures it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from levier.ingest.structures import (
    ReadResult,
    read_ea,
    read_esat,
    read_geiq,
    read_lemarche,
    read_siae,
    read_siae_additional,
)
from levier.ingest.tabular import TableError, normalize_header, open_table
from levier.rules.geography import Geography, get_geography

from .importing_plan import PRIORITY, Planner, Progress, load_state, write
from .importing_report import ImportReport, Outcome
from .inference_geo import Geocoder
from .models import ImportRun, Source

__all__ = [
    "IMPORT_SOURCES",
    "PRIORITY",
    "ImportReport",
    "Outcome",
    "preview_import",
    "read_source",
    "run_import",
]

IMPORT_SOURCES = (Source.ESAT, Source.SIAE, Source.GEIQ, Source.EA, Source.LEMARCHE)

# --- reading ----------------------------------------------------------------------------------------


def _is_siae_companion(path: Path) -> bool:
    """The ASP's companion file (websites, ROME codes) has the main file's key columns and ROME ones."""
    try:
        with open_table(path) as table:
            headers = [normalize_header(header) for header in table.info.headers]
    except TableError:
        return False
    return any(header.startswith("rome") for header in headers)


def read_source(
    source: str,
    path: Path,
    *,
    mapping: Mapping[str, str] | str | Path | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> tuple[ReadResult, bool]:
    """Read a file with the reader of its source; the flag says it is the SIAE companion file."""
    if source == Source.ESAT:
        return read_esat(path, progress=progress), False
    if source == Source.SIAE:
        if _is_siae_companion(path):
            return read_siae_additional(path, progress=progress), True
        return read_siae(path, progress=progress), False
    if source == Source.GEIQ:
        return read_geiq(path, progress=progress), False
    if source == Source.EA:
        return read_ea(path, mapping, progress=progress), False
    if source == Source.LEMARCHE:
        return read_lemarche(path, progress=progress), False
    raise ValueError(f"Source inconnue : « {source} » (attendu : {', '.join(IMPORT_SOURCES)}).")


def file_date(path: Path) -> dt.date:
    """The date of the data when the user gives none: the file's modification date."""
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- entry points -----------------------------------------------------------------------------------


def _prepare(
    source: str,
    path: str | Path,
    mapping,
    source_date: dt.date | None,
    dry_run: bool,
    progress: Progress | None,
) -> tuple[ImportReport, ReadResult, bool]:
    path = Path(path)
    if source not in IMPORT_SOURCES:
        raise ValueError(f"Source inconnue : « {source} » (attendu : {', '.join(IMPORT_SOURCES)}).")
    reader_progress = (lambda done, total: progress("lecture", done, total)) if progress else None
    result, companion = read_source(source, path, mapping=mapping, progress=reader_progress)
    report = ImportReport(
        source=source,
        file_name=path.name,
        source_date=source_date or file_date(path),
        dry_run=dry_run,
        rows_read=result.counts.rows_read,
        records=result.counts.records,
        errors=list(result.errors),
        file_info=dict(result.file_info),
        companion_file=companion,
    )
    return report, result, companion


def _plan(
    report: ImportReport,
    result: ReadResult,
    *,
    partial: bool,
    geography: Geography | None,
    run_id: int | None,
    progress: Progress | None,
) -> Planner:
    state = load_state(report.source, result.records)
    geocoder = Geocoder(geography or get_geography())
    planner = Planner(report.source, report.source_date, state, geocoder, report, run_id, partial=partial)
    total = len(result.records)
    for index, record in enumerate(result.records, start=1):
        outcome = planner.plan(record)
        if outcome.action == "rejected":
            report.records -= 1
            continue
        setattr(report, outcome.action, getattr(report, outcome.action) + 1)
        report.outcomes.append(outcome)
        if progress is not None and (index % 500 == 0 or index == total):
            progress("comparaison", index, total)
    report.errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    return planner


def preview_import(
    source: str,
    path: str | Path,
    *,
    mapping=None,
    source_date: dt.date | None = None,
    geography: Geography | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """What importing `path` would do; writes nothing."""
    report, result, companion = _prepare(source, path, mapping, source_date, True, progress)
    if report.ok:
        _plan(report, result, partial=companion, geography=geography, run_id=None, progress=progress)
    return report


def run_import(
    source: str,
    path: str | Path,
    *,
    mapping=None,
    source_date: dt.date | None = None,
    user=None,
    geography: Geography | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import `path` in one transaction: all of it, or (on any failure) nothing.

    A failure is re-raised after the rollback, and leaves only a run marked "failed" with its reason,
    so that whoever started the import (a page polling a task, the terminal) can say what happened."""
    report, result, companion = _prepare(source, path, mapping, source_date, False, progress)
    if not report.ok:
        return report
    run_fields = {
        "source": source,
        "file_name": report.file_name,
        "file_sha256": sha256_of(Path(path)),
        "source_date": report.source_date,
        "user": user if getattr(user, "is_authenticated", False) else None,
    }
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(status=ImportRun.Status.DONE, **run_fields)
            report.run_id = run.pk
            planner = _plan(
                report, result, partial=companion, geography=geography, run_id=run.pk, progress=progress
            )
            write(planner, progress)
            for outcome, structure in zip(
                [o for o in report.outcomes if o.action == "created"], planner.new_structures, strict=True
            ):
                outcome.structure_id = structure.pk
            run.finished_at = timezone.now()
            run.report = {k: v for k, v in report.to_dict().items() if k not in ("warnings", "outcomes")}
            run.save(update_fields=["finished_at", "report"])
    except Exception as error:
        report.run_id = None
        ImportRun.objects.create(
            status=ImportRun.Status.FAILED,
            finished_at=timezone.now(),
            report={"ok": False, "error": f"Import interrompu, rien n'a été enregistré : {error}"},
            **run_fields,
        )
        raise
    return report
