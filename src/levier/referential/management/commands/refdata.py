"""`levier refdata cpv FILE | communes FILE | status`: load official reference files, say what is loaded."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from levier.rules import cpv, geography, refstore


class Command(BaseCommand):
    help = "Charge les référentiels officiels (nomenclature CPV, communes) ou affiche ceux qui sont chargés."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{cpv,communes,status}")
        cpv_parser = sub.add_parser(
            "cpv", help="Nomenclature CPV : traduction eForms (code_fr.xml) ou SIMAP."
        )
        cpv_parser.add_argument("file", help="Fichier officiel téléchargé.")
        cpv_parser.add_argument("--lang", default="fr", help="Langue des libellés (défaut : fr).")
        communes_parser = sub.add_parser(
            "communes",
            help="Communes : base officielle des codes postaux (La Poste) ou communes-departement-region.",
        )
        communes_parser.add_argument("file", help="Fichier CSV officiel téléchargé.")
        status_parser = sub.add_parser("status", help="Référentiels chargés et leur provenance.")
        status_parser.add_argument("--json", action="store_true", help="Sortie JSON.")
        parser.add_argument(
            "--data-dir",
            default=None,
            help="Dossier des données (défaut : $LEVIER_DATA_DIR ou ~/.local/share/levier).",
        )

    def handle(self, *args, **options) -> None:
        store = refstore.RefStore(options.get("data_dir"))
        action = options["action"]
        if action == "status":
            self._status(store, as_json=options.get("json", False))
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            if action == "cpv":
                dataset = cpv.import_file(path, store, lang=options["lang"])
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{dataset.records} libellés CPV chargés depuis {path.name} "
                        f"(format {dataset.provenance['format']})."
                    )
                )
            else:
                dataset, report = geography.import_file(path, store)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{dataset.records} communes chargées depuis {path.name} "
                        f"({report.rows} lignes, format {report.source_format})."
                    )
                )
                placed = sum(1 for c in report.communes if c.lat is not None)
                if placed < len(report.communes):
                    self.stdout.write(
                        f"{len(report.communes) - placed} communes sans coordonnées : "
                        "leurs distances partiront du chef-lieu du département."
                    )
                for error in report.errors[:20]:
                    self.stderr.write(f"  {error}")
                if len(report.errors) > 20:
                    self.stderr.write(f"  … et {len(report.errors) - 20} autres lignes ignorées.")
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Copie normalisée : {store.path_for(action)}")

    def _status(self, store: refstore.RefStore, as_json: bool) -> None:
        statuses = store.status()
        coverage = geography.Geography.load(store).coverage()
        if as_json:
            document = {
                "data_dir": str(store.root),
                "datasets": [
                    {"kind": s.kind, "label": s.label_fr, "loaded": s.loaded, "provenance": s.provenance}
                    for s in statuses
                ],
                "geography": {
                    "level": coverage.level,
                    "communes": coverage.communes,
                    "departements": coverage.departements,
                    "regions": coverage.regions,
                    "message": coverage.message_fr,
                },
            }
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Dossier des référentiels : {store.refdata_dir}")
        for status in statuses:
            self.stdout.write(f"- {status.line_fr()}")
        self.stdout.write(
            f"- Départements et régions (livrés avec Levier) : {coverage.departements} départements, "
            f"{coverage.regions} régions."
        )
        self.stdout.write(f"Géographie : {coverage.message_fr}")
