"""`levier classify "objet" | --file F [--json]`: likely CPV codes and sectors of purchase objects.

`--train FILES` learns from DECP JSON files, `--train-from-benchmark` from the awarded contracts of the
loaded national benchmark store (`levier benchmark import`); `--save-model` keeps what was learnt for the
next runs and for the imports that propose CPV codes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from levier.referential.classifier import BENCHMARK_TRAIN_LIMIT, build_classifier
from levier.rules import cpv as cpv_rules
from levier.rules import refstore
from levier.rules.classify import Classification, default_model_path
from levier.rules.text import fold

_OBJECT_COLUMNS = {"objet", "objet du marche", "intitule", "libelle", "objet de la consultation"}
_CPV_COLUMNS = {"cpv", "code cpv", "codecpv"}


def read_objects(path: Path) -> list[tuple[str, str | None]]:
    """(object, CPV or None) from a text file (one object a line) or a CSV with an `objet` column.

    UTF-8 first, then CP1252 (what spreadsheets export on French Windows); `;` or `,` separated.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    lines = text.splitlines()
    if not lines:
        return []
    header = lines[0]
    delimiter = ";" if header.count(";") >= header.count(",") else ","
    columns = [fold(name) for name in next(csv.reader([header], delimiter=delimiter))]
    object_column = next((i for i, name in enumerate(columns) if name in _OBJECT_COLUMNS), None)
    if object_column is None:
        return [(line.strip(), None) for line in lines if line.strip()]
    cpv_column = next((i for i, name in enumerate(columns) if name in _CPV_COLUMNS), None)
    found = []
    for row in csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=delimiter):
        if len(row) <= object_column or not row[object_column].strip():
            continue
        code = row[cpv_column].strip() if cpv_column is not None and len(row) > cpv_column else None
        found.append((row[object_column].strip(), code or None))
    return found


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def render(result: Classification) -> str:
    lines = [f"« {result.text} » : confiance {result.confidence_fr} ({_number(result.confidence)})"]
    lines.extend(f"  ! {note}" for note in result.notes_fr)
    lines.append("  Codes CPV probables :")
    for rank, guess in enumerate(result.cpv, 1):
        label = f" {guess.label}" if guess.label else ""
        given = " (code donné)" if guess.code == result.given_cpv else ""
        lines.append(f"    {rank}. {cpv_rules.format_cpv(guess.code)}{label}{given} : {_number(guess.score)}")
    for title, guesses in (("Divisions CPV", result.divisions[:3]), ("Groupes CPV", result.groups[:3])):
        if guesses:
            ranked = " ; ".join(
                f"{g.code} {g.label or ''} ({_number(g.score)})".replace("  ", " ") for g in guesses
            )
            lines.append(f"  {title} probables : {ranked}")
    lines.append("  Secteurs de l'offre inclusive :")
    for rank, guess in enumerate(result.sectors, 1):
        lines.append(f"    {rank}. {guess.label} [{guess.code}] : {_number(guess.score)}")
    if not result.sectors:
        lines.append("    aucun")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Propose des codes CPV et des secteurs de l'offre inclusive pour des objets d'achat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("texts", nargs="*", help="Objet(s) d'achat à classer.")
        parser.add_argument("--file", help="Fichier : un objet par ligne, ou CSV avec une colonne « objet ».")
        parser.add_argument("--cpv", help="Code CPV déjà connu (pour un objet donné en argument).")
        parser.add_argument("--json", action="store_true", help="Un objet JSON par ligne d'entrée.")
        parser.add_argument("--limit", type=int, default=5, help="Nombre de propositions (défaut : 5).")
        parser.add_argument(
            "--cpv-file", help="Fichier officiel CPV (eForms ou SIMAP) si aucun n'est chargé."
        )
        parser.add_argument("--train", nargs="+", default=[], help="Fichiers DECP JSON pour l'apprentissage.")
        parser.add_argument(
            "--train-from-benchmark",
            action="store_true",
            help="Apprend sur les marchés attribués du référentiel national chargé "
            "(levier benchmark import).",
        )
        parser.add_argument(
            "--train-limit",
            type=int,
            default=BENCHMARK_TRAIN_LIMIT,
            help=f"Nombre maximal d'objets distincts appris du référentiel national (défaut : "
            f"{BENCHMARK_TRAIN_LIMIT}).",
        )
        parser.add_argument("--save-model", action="store_true", help="Enregistre le modèle appris.")
        parser.add_argument(
            "--data-dir", default=None, help="Dossier des données (défaut : $LEVIER_DATA_DIR)."
        )

    def handle(self, *args, **options) -> None:
        store = refstore.RefStore(options.get("data_dir"))
        items: list[tuple[str, str | None]] = [(text, options.get("cpv")) for text in options["texts"]]
        if options.get("file"):
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
            items.extend(read_objects(path))
        if not items and not options["save_model"]:
            raise CommandError("Donnez un objet d'achat ou --file FICHIER.")
        benchmark = None
        if options.get("train_from_benchmark"):
            from levier.benchmark.services import default_store

            if options["train_limit"] < 1:
                raise CommandError("--train-limit doit être un entier positif.")
            benchmark = default_store(options.get("data_dir"))
        try:
            model, origin = build_classifier(
                store,
                options.get("cpv_file"),
                options["train"],
                benchmark=benchmark,
                benchmark_limit=options["train_limit"],
            )
        except (FileNotFoundError, LookupError) as exc:
            raise CommandError(str(exc)) from exc
        if options["save_model"]:
            saved = model.save(default_model_path(store.root))
            self.stderr.write(f"Modèle enregistré : {saved}")
        if not options["json"]:
            self.stdout.write(f"Vocabulaire : {origin}.")
        elif options["train"] or benchmark is not None:
            # JSON lines stay alone on the standard output; what was learnt still deserves a word.
            self.stderr.write(f"Vocabulaire : {origin}.")
        for text, code in items:
            result = model.classify(text, cpv=code, limit=max(1, options["limit"]))
            if options["json"]:
                self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
            else:
                self.stdout.write(render(result))
