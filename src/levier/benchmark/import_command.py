"""`levier import decp FILE... [--json]`: DECP files into the national benchmark store.

The same import as `levier benchmark import`; here so that the terminal has one `import` verb.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from levier.ingest.decp import FORMAT_LABELS_FR
from levier.ingest.decp import reasons as reason_codes

from .services import default_store
from .store import BenchmarkStore, ImportReport, StoreError

help = "Données essentielles des marchés publics (DECP) pour le benchmark national."


def add_arguments(parser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        help="Fichiers DECP (JSON ou XML, formats 2019 et 2024 ; CSV ou Parquet consolidés).",
    )
    parser.add_argument("--json", action="store_true", help="Rapport au format JSON.")
    parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")
    # SUPPRESS: under `levier benchmark`, a value given before the sub-command must not be reset.
    parser.add_argument(
        "--data-dir", default=argparse.SUPPRESS, help="Dossier des données (défaut : $LEVIER_DATA_DIR)."
    )


def integer_fr(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def import_files(store: BenchmarkStore, files: list[str], stream, no_progress: bool) -> ImportReport:
    """Import with one tqdm bar per file (bytes read, or rows for a tabular file) on `stream`."""
    bar = None
    out = getattr(stream, "_out", stream)

    def on_file(path: Path) -> None:
        nonlocal bar
        if bar is not None:
            bar.close()
        bar = tqdm(total=0, unit="o", unit_scale=True, desc=path.name, file=out, disable=no_progress)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        return store.import_files(files, progress=progress, on_file=on_file)
    finally:
        if bar is not None:
            bar.close()


def render_import(report: ImportReport) -> list[str]:
    read = report.read
    lines = [f"Fichiers lus : {', '.join(read.files)}", f"Enregistrements lus : {integer_fr(read.records)}"]
    for fmt, count in sorted(read.records_by_format.items()):
        lines.append(f"  {FORMAT_LABELS_FR.get(fmt, fmt)} : {integer_fr(count)}")
    lines.append(f"Marchés importés : {integer_fr(report.imported)}")
    lines.append(f"Doublons retirés (toutes sources de la base) : {integer_fr(report.duplicates_removed)}")
    lines.append(
        f"Marchés dans la base : {integer_fr(report.contracts_in_store)} "
        f"({report.sources_in_store} fichier(s) source)"
    )
    if report.outdated_sources:
        lines.append(
            "Fichiers importés par une version antérieure de Levier, retirés de la base (à importer de "
            f"nouveau) : {', '.join(report.outdated_sources)}"
        )
    if report.replaced_sources:
        lines.append(f"Fichiers déjà importés, remplacés : {', '.join(report.replaced_sources)}")
    for outcome in (reason_codes.REJECTED, reason_codes.REPAIRED, reason_codes.DROPPED, reason_codes.NOTED):
        counts = read.by_outcome(outcome)
        heading = reason_codes.OUTCOME_LABELS_FR[outcome].capitalize()
        if outcome == reason_codes.REJECTED:
            heading += f" ({integer_fr(read.rejected)})"
        lines.append(f"{heading} :")
        if not counts:
            lines.append("  aucun")
        for code, count in counts.items():
            lines.append(f"  {reason_codes.label_fr(code)} [{code}] : {integer_fr(count)}")
    lines.append(f"Durée : {report.seconds:.1f} s")
    return lines


def run(options, stdout, stderr) -> int:
    store = default_store(options.get("data_dir"))
    try:
        report = import_files(store, options["files"], stderr, options.get("no_progress", False))
    except StoreError as error:
        stderr.write(f"{error} Rien n'a été importé.")
        return 1
    if options.get("json"):
        stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        stdout.write("\n".join(render_import(report)))
    return 0
