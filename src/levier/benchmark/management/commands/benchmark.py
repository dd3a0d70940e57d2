"""`levier benchmark import FILE... | stats [--cpv 45] | similar --cpv C "objet"`, each with `--json`."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from levier.benchmark.services import default_store, directory_sirets
from levier.benchmark.similar import similar_contracts
from levier.benchmark.stats import MEASURES, StatsError, benchmark_stats, percent_fr
from levier.benchmark.store import BenchmarkStore, ImportReport, StoreError
from levier.ingest.decp import FORMAT_LABELS_FR
from levier.ingest.decp import reasons as reason_codes


def _integer(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def render_import(report: ImportReport) -> list[str]:
    read = report.read
    lines = [f"Fichiers lus : {', '.join(read.files)}", f"Enregistrements lus : {_integer(read.records)}"]
    for fmt, count in sorted(read.records_by_format.items()):
        lines.append(f"  {FORMAT_LABELS_FR.get(fmt, fmt)} : {_integer(count)}")
    lines.append(f"Marchés importés : {_integer(report.imported)}")
    lines.append(f"Doublons retirés (toutes sources de la base) : {_integer(report.duplicates_removed)}")
    lines.append(
        f"Marchés dans la base : {_integer(report.contracts_in_store)} "
        f"({report.sources_in_store} fichier(s) source)"
    )
    if report.replaced_sources:
        lines.append(f"Fichiers déjà importés, remplacés : {', '.join(report.replaced_sources)}")
    for outcome in (reason_codes.REJECTED, reason_codes.REPAIRED, reason_codes.DROPPED, reason_codes.NOTED):
        counts = read.by_outcome(outcome)
        heading = reason_codes.OUTCOME_LABELS_FR[outcome].capitalize()
        if outcome == reason_codes.REJECTED:
            heading += f" ({_integer(read.rejected)})"
        lines.append(f"{heading} :")
        if not counts:
            lines.append("  aucun")
        for code, count in counts.items():
            lines.append(f"  {reason_codes.label_fr(code)} [{code}] : {_integer(count)}")
    lines.append(f"Durée : {report.seconds:.1f} s")
    return lines


def render_stats(result: dict) -> list[str]:
    scope = result["cpv"] or "tous les codes"
    total = result["ensemble"]
    lines = [
        f"Benchmark national (DECP), CPV {scope} : {_integer(total['marches'])} marchés, "
        f"dont {_integer(total['avec_considerations_publiees'])} publiant leurs considérations sociales."
    ]
    header = " | ".join(label for _, label in MEASURES)
    for table in result["dimensions"].values():
        lines.append("")
        lines.append(f"{table['libelle']} — marchés | publiés | {header}")
        for row in table["lignes"]:
            shares = " | ".join(percent_fr(row[f"part_{column}"]) for column, _ in MEASURES)
            lines.append(
                f"  {row['libelle']} — {_integer(row['marches'])} | "
                f"{_integer(row['avec_considerations_publiees'])} | {shares}"
            )
    lines.append("")
    lines.append("Marchés réservés par groupe CPV :")
    for row in result["reserves_par_cpv"] or [{"cpv": None}]:
        if row["cpv"] is None:
            lines.append("  aucun")
            break
        lines.append(f"  {row['cpv']} : {row['reserves']} ({percent_fr(row['part_reserves'])})")
    inclusive = result.get("titulaires_inclusifs")
    lines.append("")
    if inclusive is None:
        lines.append("Titulaires inclusifs : annuaire des structures non disponible.")
    else:
        lines.append(
            f"Titulaires inclusifs : {inclusive['structures_titulaires']} structures de l'annuaire "
            f"(sur {inclusive['structures_connues']}) ont gagné {inclusive['marches_gagnes']} marchés, "
            f"dont {inclusive['sans_reservation']} sans réservation et {inclusive['reserves']} réservés."
        )
    return lines


def render_similar(found: list[dict]) -> list[str]:
    if not found:
        return ["Aucun marché semblable dans la base."]
    lines = []
    for rank, item in enumerate(found, 1):
        social = item["considerations_sociales"]
        social_text = ", ".join(social) if social else ("non publiées" if social is None else "aucune")
        amount = f"{_integer(round(item['montant']))} €" if item["montant"] else "montant inconnu"
        holders = ", ".join(holder["nom"] or holder["identifiant"] for holder in item["titulaires"]) or "—"
        lines.append(f"{rank}. {item['objet']} ({item['cpv'] or 'sans CPV'})")
        buyer = item["acheteur"]["nom"] or item["acheteur"]["id"]
        lines.append(
            f"   {buyer}, {item['date_notification'] or 'date inconnue'}, {amount} ; "
            f"titulaires : {holders} ; considérations sociales : {social_text}"
        )
    return lines


class Command(BaseCommand):
    help = "Benchmark national des marchés attribués (DECP) : import, statistiques, marchés semblables."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir", default=None, help="Dossier des données (défaut : $LEVIER_DATA_DIR)."
        )
        commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = commands.add_parser("import", help="Importe des fichiers DECP (JSON, XML, CSV, Parquet).")
        importing.add_argument("files", nargs="+", help="Fichiers DECP.")
        importing.add_argument("--json", action="store_true", help="Rapport au format JSON.")
        importing.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")
        stats = commands.add_parser("stats", help="Parts de considérations sociales par dimension.")
        stats.add_argument("--cpv", default=None, help="Code CPV ou préfixe (45, 453, 45261000-4).")
        stats.add_argument("--json", action="store_true", help="Résultat au format JSON.")
        similar = commands.add_parser("similar", help="Marchés attribués semblables à un achat prévu.")
        similar.add_argument("text", help="Objet de l'achat prévu.")
        similar.add_argument("--cpv", default=None, help="Code CPV de l'achat prévu.")
        similar.add_argument("--limit", type=int, default=10, help="Nombre de marchés (défaut : 10).")
        similar.add_argument("--json", action="store_true", help="Résultat au format JSON.")

    def handle(self, *args, **options) -> None:
        store = default_store(options.get("data_dir"))
        action = options["action"]
        if action == "import":
            output = self._import(store, options)
        elif action == "stats":
            if not store.loaded:
                raise CommandError("Aucun fichier DECP importé : lancez « levier benchmark import FICHIER ».")
            try:
                result = benchmark_stats(store, options.get("cpv"), directory_sirets())
            except StatsError as error:
                raise CommandError(str(error)) from error
            output = result if options["json"] else render_stats(result)
        else:
            if not store.loaded:
                raise CommandError("Aucun fichier DECP importé : lancez « levier benchmark import FICHIER ».")
            found = similar_contracts(store, options.get("cpv"), options["text"], options["limit"])
            output = found if options["json"] else render_similar(found)
        if options["json"]:
            self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write("\n".join(output))

    def _import(self, store: BenchmarkStore, options: dict):
        bar = None
        show = not options["no_progress"]

        def on_file(path: Path) -> None:
            nonlocal bar
            if bar is not None:
                bar.close()
            if show:
                bar = tqdm(total=0, unit="o", unit_scale=True, desc=path.name, file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.n = done
                bar.refresh()

        try:
            report = store.import_files(options["files"], progress=progress, on_file=on_file)
        except StoreError as error:
            raise CommandError(f"{error} Rien n'a été importé.") from error
        finally:
            if bar is not None:
                bar.close()
        return report.to_dict() if options["json"] else render_import(report)
