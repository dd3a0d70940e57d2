"""`levier import structures --format esat|siae|geiq|ea|lemarche FILE [--mapping M] [--dry-run] [--json]`.

Reads the file, shows a progress bar per stage (reading, comparing, writing), imports it in one
transaction unless --dry-run, and prints the report in French (JSON with --json). `--format siae` also
takes the ASP's companion file (websites and ROME codes), recognised by its columns. `--date` gives the
date of the data kept in each field's provenance (default: the file's modification date).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tqdm import tqdm

from levier.core.importers import existing_file, user_by_email

from .importing import IMPORT_SOURCES, preview_import, run_import

help = "Liste de structures inclusives (ESAT, SIAE, GEIQ, EA, le marché de l'inclusion)."

STAGES = {"lecture": "Lecture", "comparaison": "Comparaison avec l'annuaire", "écriture": "Écriture"}


def add_arguments(parser) -> None:
    parser.add_argument(
        "--format",
        required=True,
        choices=[str(source) for source in IMPORT_SOURCES],
        help="esat (liste FINESS), siae (liste de l'ASP ou son fichier complémentaire), geiq, ea, "
        "lemarche (JSON).",
    )
    parser.add_argument("file", help="Fichier à importer (.csv, .xlsx, .json).")
    parser.add_argument(
        "--mapping", help="Correspondance champ → colonne pour les entreprises adaptées (JSON ou TOML)."
    )
    parser.add_argument("--date", help="Date des données (AAAA-MM-JJ) ; par défaut, celle du fichier.")
    parser.add_argument("--user", help="Adresse électronique de la personne à qui attribuer l'import.")
    parser.add_argument("--dry-run", action="store_true", help="Aperçu seulement : rien n'est enregistré.")
    parser.add_argument("--json", action="store_true", help="Rapport au format JSON.")


class _Bars:
    """One tqdm bar per stage of the import, on the terminal's error stream."""

    def __init__(self, stream, disabled: bool) -> None:
        self.stream = getattr(stream, "_out", stream)
        self.disabled = disabled
        self.stage: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(
                desc=STAGES.get(stage, stage),
                total=total,
                file=self.stream,
                disable=self.disabled,
                leave=False,
            )
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run(options, stdout, stderr) -> int:
    path = existing_file(options["file"])
    source_date = None
    if options.get("date"):
        try:
            source_date = dt.date.fromisoformat(options["date"])
        except ValueError:
            stderr.write(f"Date « {options['date']} » illisible : forme AAAA-MM-JJ attendue.")
            return 2
    user = user_by_email(options.get("user"))
    if options.get("mapping") and options["format"] != "ea":
        stderr.write("--mapping ne sert qu'aux listes d'entreprises adaptées (--format ea).")
        return 2
    if options.get("mapping") and not Path(options["mapping"]).is_file():
        stderr.write(f"Fichier de correspondance introuvable : {options['mapping']}")
        return 2
    bars = _Bars(stderr, disabled=bool(options.get("json")))
    arguments = {"mapping": options.get("mapping"), "source_date": source_date, "progress": bars}
    try:
        if options.get("dry_run"):
            report = preview_import(options["format"], path, **arguments)
        else:
            report = run_import(options["format"], path, user=user, **arguments)
    finally:
        bars.close()
    if options.get("json"):
        stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines_fr():
            stdout.write(line)
    return 0 if report.ok else 1
