"""`levier benchmark import FILE... | stats [--cpv 45] | similar --cpv C "objet"`, each with `--json`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from levier.benchmark import import_command
from levier.benchmark.import_command import import_files, integer_fr, render_import
from levier.benchmark.services import default_store, directory_sirets
from levier.benchmark.similar import similar_contracts
from levier.benchmark.stats import MEASURES, StatsError, benchmark_stats, percent_fr
from levier.benchmark.store import BenchmarkStore, StoreError


def render_stats(result: dict) -> list[str]:
    scope = result["cpv"] or "tous les codes"
    total = result["ensemble"]
    lines = [
        f"Benchmark national (DECP), CPV {scope} : {integer_fr(total['marches'])} marchés, "
        f"dont {integer_fr(total['avec_considerations_publiees'])} publiant leurs considérations sociales."
    ]
    header = " | ".join(label for _, label in MEASURES)
    for table in result["dimensions"].values():
        lines.append("")
        lines.append(f"{table['libelle']} — marchés | publiés | {header}")
        for row in table["lignes"]:
            shares = " | ".join(percent_fr(row[f"part_{column}"]) for column, _ in MEASURES)
            lines.append(
                f"  {row['libelle']} — {integer_fr(row['marches'])} | "
                f"{integer_fr(row['avec_considerations_publiees'])} | {shares}"
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
        amount = f"{integer_fr(round(item['montant']))} €" if item["montant"] else "montant inconnu"
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
        import_command.add_arguments(importing)
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
        try:
            report = import_files(store, options["files"], self.stderr, options["no_progress"])
        except StoreError as error:
            raise CommandError(f"{error} Rien n'a été importé.") from error
        return report.to_dict() if options["json"] else render_import(report)
