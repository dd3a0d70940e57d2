"""`levier structures search`: the directory's search from the terminal, as a French table or JSON."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from levier.directory.api import search_payload
from levier.directory.search import MAX_PER_PAGE, SORTS, StructureQuery
from levier.directory.selectors import search_structures


class Command(BaseCommand):
    help = "Annuaire des structures inclusives (sous-commande : search)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, title="sous-commandes")
        search = commands.add_parser(
            "search",
            help="Chercher des structures par secteur, type, lieu et rayon, capacité, texte.",
            description="Chercher des structures (mêmes filtres que la page « Structures inclusives »).",
        )
        search.add_argument(
            "--text", default="", help="Nom, enseigne, activité, SIRET (sans accents ni casse)."
        )
        search.add_argument("--sector", action="append", default=[], help="Code de secteur (répétable).")
        search.add_argument("--group", default="", help="Code de groupe de secteurs.")
        search.add_argument("--family", default="", help="insertion, handicap, ess ou penitentiaire.")
        search.add_argument(
            "--kind", action="append", default=[], help="Type : ESAT, EA, EI, ACI… (répétable)."
        )
        search.add_argument("--near", default="", help="Commune, code postal ou département.")
        search.add_argument("--radius", default="", help="Rayon en km autour de --near.")
        search.add_argument("--departement", default="", help="Seulement ce département.")
        search.add_argument(
            "--min-amount", default="", help="Plus gros marché annuel possible, au moins (€ HT)."
        )
        search.add_argument("--sort", default="", choices=["", *SORTS], help="relevance, distance ou name.")
        search.add_argument("--page", default="1", help="Page de résultats.")
        search.add_argument("--limit", default="20", help=f"Résultats par page (au plus {MAX_PER_PAGE}).")
        search.add_argument("--json", action="store_true", help="Sortie JSON (comme l'API).")

    def handle(self, *args, **options) -> None:
        params = {
            "text": options["text"],
            "sector": options["sector"],
            "group": options["group"],
            "family": options["family"],
            "kind": options["kind"],
            "near": options["near"],
            "radius": options["radius"],
            "departement": options["departement"],
            "min_amount": options["min_amount"],
            "sort": options["sort"] or ("distance" if options["near"] and not options["text"] else ""),
            "page": options["page"],
            "per_page": options["limit"],
        }
        try:
            query = StructureQuery.from_params(params)
        except ValidationError as error:
            lines = [message for messages in error.message_dict.values() for message in messages]
            raise CommandError("\n".join(lines)) from error
        page = search_structures(query)
        if page.place_error:
            raise CommandError(page.place_error)
        payload = search_payload(page)
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self._table(payload)

    def _table(self, payload: dict) -> None:
        if payload["place_message"]:
            self.stdout.write(payload["place_message"])
        total = payload["total"]
        self.stdout.write(
            f"{total} structure{'s' if total > 1 else ''} trouvée{'s' if total > 1 else ''}"
            + (f" (page {payload['page']} sur {payload['pages']})" if payload["pages"] > 1 else "")
        )
        if not payload["items"]:
            return
        rows = [("Structure", "Types", "Commune", "Dép.", "Distance", "Secteurs")]
        for item in payload["items"]:
            sectors = ", ".join(
                s["label"] + (" (déduit)" if s["inferred"] else "") for s in item["sectors"][:3]
            )
            distance = (
                f"{item['distance_km']:.1f} km".replace(".", ",") if item["distance_km"] is not None else "—"
            )
            rows.append(
                (
                    (item["brand"] or item["name"])[:45],
                    "/".join(item["kinds"]),
                    item["city"][:25],
                    item["departement"],
                    distance,
                    sectors[:60],
                )
            )
        widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
        for number, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
