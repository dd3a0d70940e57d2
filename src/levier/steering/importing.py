"""Import of an accounting export for a year: preview, then commit (atomic, idempotent).

    spend_import = preview(user, organisation, content, "mandats-2026.xlsx", 2026)   # PREVIEWED
    commit(user, spend_import)                                                       # COMMITTED

The web pages run both as tasks (importing_tasks.py). The columns are read with the organisation's
remembered answers of the mapping screen (`SpendColumnMapping`, saved by `services.save_spend_mapping`);
a mapping given for one import (`levier import spend --map`) wins over them. The preview records the
columns it used, and the commit reads the file with exactly those.

The commit makes the organisation's lines of that year exactly the export's lines: a line already stored
(same `row_key`) is unchanged (or updated when only its service or supplier name changed), a new line is
created, a stored line absent from the export is removed. Nothing is written when the export has row
errors (unless `skip_errors`), and a failure half-way leaves the previous lines as they were (one
transaction). Suppliers are then matched to the directory (matching.py).

The commit does not read the stored file again when this process read it for the preview and nothing the
reading depends on changed since (the file's bytes, the year, the columns, the organisation's remembered
answers): the terminal runs both steps in one process, and so does the task worker for a large file. The
stored lines are always compared again inside the commit, so reusing the reading changes neither what is
written nor atomicity and idempotence; a commit elsewhere (another process, a restart) reads the file.

`user` None means the terminal (`levier import spend`), which needs no role.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from levier.core import audit
from levier.core.column_mapping import remembered_answers
from levier.ingest.spend import SpendRead, SpendRecord, read_spend
from levier.organisations.models import Organisation, Service
from levier.organisations.roles import Role
from levier.plans.services import require_role
from levier.rules.text import fold

from .matching import Supplier, match_suppliers
from .models import SpendColumnMapping, SpendImport, SpendImportStatus, SpendLine

IMPORT_ROLES = (Role.STEWARD, Role.ADMIN)
# A category is given a sector only when the classifier is at least moderately sure.
SECTOR_CONFIDENCE = 0.3
REPORT_PROBLEMS = 500


class ImportRejected(Exception):
    """The commit was refused; nothing was written (French message)."""

    def __init__(self, message: str, spend_import: SpendImport | None = None) -> None:
        super().__init__(message)
        self.spend_import = spend_import


# The last previews' readings in this process, by import: (what the reading depended on, the reading).
_READINGS: OrderedDict[int, tuple[tuple, SpendRead]] = OrderedDict()
_READINGS_KEPT = 2
_READINGS_LOCK = threading.Lock()


def _reading_inputs(spend_import: SpendImport, mapping: dict[str, str], answers: dict[str, str]) -> tuple:
    return (
        hashlib.sha256(bytes(spend_import.content)).hexdigest(),
        Path(spend_import.file_name).suffix.lower(),
        spend_import.year,
        tuple(sorted(mapping.items())),
        tuple(sorted(answers.items())),
    )


def _answers(spend_import: SpendImport) -> dict[str, str]:
    return remembered_answers(SpendColumnMapping.objects.filter(organisation_id=spend_import.organisation_id))


def _read(spend_import: SpendImport, progress: Callable[[int], None] | None = None) -> SpendRead:
    """Read the stored file, and keep the reading for this import's commit (see the module's notes)."""
    answers = _answers(spend_import)
    suffix = Path(spend_import.file_name).suffix or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(bytes(spend_import.content))
        handle.flush()
        read = read_spend(
            handle.name,
            year=spend_import.year,
            mapping=spend_import.mapping or None,
            answers=answers,
            progress=progress,
        )
    # The commit reads with the columns this reading resolved (the preview records them).
    inputs = _reading_inputs(spend_import, read.mapping, answers)
    with _READINGS_LOCK:
        _READINGS.pop(spend_import.pk, None)
        _READINGS[spend_import.pk] = (inputs, read)
        while len(_READINGS) > _READINGS_KEPT:
            _READINGS.popitem(last=False)
    return read


def _read_for_commit(spend_import: SpendImport) -> SpendRead:
    """The preview's reading when this process made it from the same file, columns and answers; else a new
    reading of the stored file (kept in turn, for a commit retried without the lines in error)."""
    with _READINGS_LOCK:
        kept = _READINGS.get(spend_import.pk)
    if kept is not None:
        inputs, read = kept
        if inputs == _reading_inputs(spend_import, spend_import.mapping or {}, _answers(spend_import)):
            return read
    return _read(spend_import)


def _forget_reading(spend_import: SpendImport) -> None:
    with _READINGS_LOCK:
        _READINGS.pop(spend_import.pk, None)


@cache
def _classifier():
    # The sectors' own vocabulary: categories are short accounting labels, not purchase objects.
    from levier.rules.classify import Classifier

    return Classifier()


def category_sector(category: str) -> str:
    if not category.strip():
        return ""
    result = _classifier().classify(category)
    if result.confidence < SECTOR_CONFIDENCE or not result.sectors:
        return ""
    return result.sectors[0].code


def _services(organisation: Organisation) -> dict[str, Service]:
    found: dict[str, Service] = {}
    for service in Service.objects.filter(organisation=organisation):
        found.setdefault(fold(service.name), service)
        if service.code:
            found.setdefault(fold(service.code), service)
    return found


def _plan(organisation: Organisation, year: int, read: SpendRead) -> dict:
    """What a commit would do: keys to create, keep, update and remove."""
    stored = {
        line.row_key: line
        for line in SpendLine.objects.filter(organisation=organisation, year=year).only(
            "pk", "row_key", "service_label", "supplier_name"
        )
    }
    incoming = {record.row_key: record for record in read.records}
    created = [record for key, record in incoming.items() if key not in stored]
    updated, unchanged = [], []
    for key, record in incoming.items():
        line = stored.get(key)
        if line is None:
            continue
        # The row number alone moving (a line inserted above) is not a change of the payment.
        if (line.service_label, line.supplier_name) != (record.service, record.supplier_name):
            updated.append((line, record))
        else:
            unchanged.append(line)
    removed = [line for key, line in stored.items() if key not in incoming]
    return {"created": created, "updated": updated, "unchanged": unchanged, "removed": removed}


def _report(spend_import: SpendImport, read: SpendRead, plan: dict) -> dict:
    total = sum((record.amount for record in read.records), start=0)
    return {
        "file": spend_import.file_name,
        "year": spend_import.year,
        "rows_read": read.rows_read,
        "mapping": read.mapping,
        "counts": {
            "lines": len(read.records),
            "created": len(plan["created"]),
            "updated": len(plan["updated"]),
            "unchanged": len(plan["unchanged"]),
            "removed": len(plan["removed"]),
            "errors": len(read.errors),
            "warnings": len(read.warnings),
        },
        "total_amount": str(total),
        "includes_tax_lines": sum(1 for record in read.records if record.amount_includes_tax),
        "suppliers": len({record.supplier_key for record in read.records}),
        "errors": [{"row": p.row, "message": p.message_fr} for p in read.errors[:REPORT_PROBLEMS]],
        "warnings": [{"row": p.row, "message": p.message_fr} for p in read.warnings[:REPORT_PROBLEMS]],
        # For the mapping screen: the file's columns, a few values of each, the ones not used.
        "headers": read.headers,
        "samples": read.samples,
        "ignored": read.ignored,
        "needs_mapping": read.needs_mapping,
    }


def _store_counts(spend_import: SpendImport, report: dict) -> None:
    counts = report["counts"]
    spend_import.report = report
    spend_import.mapping = report["mapping"]
    spend_import.total = counts["lines"]
    for name in ("created", "updated", "unchanged", "removed", "errors"):
        setattr(spend_import, name, counts[name])


def new_import(
    user,
    organisation: Organisation,
    content: bytes,
    file_name: str,
    year: int,
    *,
    mapping: dict[str, str] | None = None,
    status: str = SpendImportStatus.PREVIEWED,
) -> SpendImport:
    if user is not None:
        require_role(user, organisation, IMPORT_ROLES, "Importer des dépenses")
    return SpendImport.objects.create(
        organisation=organisation,
        year=year,
        file_name=Path(file_name).name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        mapping=mapping or {},
        status=status,
        actor=user if getattr(user, "is_authenticated", False) else None,
    )


def run_preview(spend_import: SpendImport, progress: Callable[[int], None] | None = None) -> SpendImport:
    """Read the stored file and record what a commit would do; writes nothing but the SpendImport."""
    read = _read(spend_import, progress)
    report = _report(spend_import, read, _plan(spend_import.organisation, spend_import.year, read))
    _store_counts(spend_import, report)
    spend_import.status = SpendImportStatus.PREVIEWED
    spend_import.failure = report["errors"][0]["message"] if read.file_rejected else ""
    spend_import.save()
    return spend_import


def preview(
    user,
    organisation: Organisation,
    content: bytes,
    file_name: str,
    year: int,
    *,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SpendImport:
    spend_import = new_import(user, organisation, content, file_name, year, mapping=mapping)
    return run_preview(spend_import, progress)


def _line(organisation, year, spend_import, record: SpendRecord, services, sectors) -> SpendLine:
    service = services.get(fold(record.service)) if record.service else None
    if record.category not in sectors:
        sectors[record.category] = category_sector(record.category)
    return SpendLine(
        organisation=organisation,
        year=year,
        spend_import=spend_import,
        row_key=record.row_key,
        supplier_siret=record.supplier_siret,
        supplier_name=record.supplier_name,
        supplier_key=record.supplier_key,
        amount=record.amount,
        amount_includes_tax=record.amount_includes_tax,
        date=record.date,
        category=record.category,
        category_sector=sectors[record.category],
        service=service,
        service_label=record.service,
        invoice_ref=record.invoice_ref,
        source_row=record.row,
    )


def commit(
    user,
    spend_import: SpendImport,
    *,
    skip_errors: bool = False,
    progress: Callable[[int], None] | None = None,
) -> SpendImport:
    """Make the year's lines those of the export, in one transaction; refused while rows have errors."""
    organisation = spend_import.organisation
    if user is not None:
        require_role(user, organisation, IMPORT_ROLES, "Importer des dépenses")
    if spend_import.status not in (SpendImportStatus.PREVIEWED, SpendImportStatus.RUNNING):
        raise ImportRejected("Cet import n'est pas prêt à être enregistré.", spend_import)
    if spend_import.content is None:
        raise ImportRejected("Le fichier de cet import n'est plus disponible : importez-le à nouveau.")
    read = _read_for_commit(spend_import)
    plan = _plan(organisation, spend_import.year, read)
    report = _report(spend_import, read, plan)
    if read.file_rejected or (read.errors and not skip_errors):
        _store_counts(spend_import, report)
        spend_import.status = SpendImportStatus.PREVIEWED
        spend_import.failure = (
            f"{len(read.errors)} erreur(s) dans le fichier : rien n'a été enregistré. "
            "Corrigez le fichier ou importez sans les lignes en erreur."
        )
        spend_import.save()
        raise ImportRejected(spend_import.failure, spend_import)
    year = spend_import.year
    services = _services(organisation)
    sectors: dict[str, str] = {}
    with transaction.atomic():
        removed_ids = [line.pk for line in plan["removed"]]
        for start in range(0, len(removed_ids), 500):
            SpendLine.objects.filter(pk__in=removed_ids[start : start + 500]).delete()
        new_lines = []
        for record in plan["created"]:
            new_lines.append(_line(organisation, year, spend_import, record, services, sectors))
            if progress is not None:
                progress(1)
        SpendLine.objects.bulk_create(new_lines, batch_size=1000)
        for line, record in plan["updated"]:
            service = services.get(fold(record.service)) if record.service else None
            SpendLine.objects.filter(pk=line.pk).update(
                service=service,
                service_label=record.service,
                supplier_name=record.supplier_name,
                source_row=record.row,
                spend_import=spend_import,
            )
            if progress is not None:
                progress(1)
        if progress is not None and plan["unchanged"]:
            progress(len(plan["unchanged"]))
        suppliers = {}
        for record in read.records:
            suppliers.setdefault(
                record.supplier_key,
                Supplier(record.supplier_key, record.supplier_name, record.supplier_siret),
            )
        matched = match_suppliers(organisation, list(suppliers.values()))
        report["matched"] = {str(method): count for method, count in matched.items()}
        _store_counts(spend_import, report)
        spend_import.status = SpendImportStatus.COMMITTED
        spend_import.committed_at = timezone.now()
        spend_import.failure = ""
        spend_import.progress = len(read.records)
        # The file is no longer needed once its lines are stored.
        spend_import.content = None
        spend_import.save()
        counts = report["counts"]
        audit.record(
            user,
            organisation,
            "steering.spend_import",
            spend_import,
            f"Dépenses {year} importées ({spend_import.file_name}) : {counts['created']} créée(s), "
            f"{counts['unchanged']} inchangée(s), {counts['removed']} retirée(s)",
            year=year,
            counts=counts,
            matched=report["matched"],
        )
    _forget_reading(spend_import)
    return spend_import


def import_file(
    user,
    organisation: Organisation,
    content: bytes,
    file_name: str,
    year: int,
    *,
    dry_run: bool = False,
    skip_errors: bool = False,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SpendImport:
    """Preview then (unless `dry_run`) commit: what the terminal command does."""
    spend_import = preview(user, organisation, content, file_name, year, mapping=mapping, progress=progress)
    if dry_run:
        return spend_import
    return commit(user, spend_import, skip_errors=skip_errors)
