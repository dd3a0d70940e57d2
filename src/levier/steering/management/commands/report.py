"""`levier report yearly --org SLUG --year 2026 -o DIR`: the SPASER follow-up as DOCX, PDF and XLSX."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from levier.organisations.models import Organisation


class Command(BaseCommand):
    help = "Rapports : `yearly` écrit le bilan annuel (SPASER) d'une organisation en DOCX, PDF et XLSX."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="report", required=True, title="rapports")
        yearly = commands.add_parser("yearly", help="Bilan annuel des achats socialement responsables.")
        yearly.add_argument("--org", required=True, help="Identifiant de l'organisation (slug).")
        yearly.add_argument("--year", required=True, type=int, help="Année du bilan, par exemple 2026.")
        yearly.add_argument("-o", "--output", required=True, help="Dossier où écrire les fichiers.")

    def handle(self, *args, **options):
        from levier.steering.report import write

        organisation = Organisation.objects.filter(slug=options["org"]).first()
        if organisation is None:
            raise CommandError(f"Organisation inconnue : « {options['org']} ».")
        for path in write(organisation, options["year"], Path(options["output"])):
            self.stdout.write(str(path))
