"""`levier clause`: clause documents, purge of participant data past retention, one participant's export.

- `levier clause documents --org SLUG --purchase REF -o DIR`: DOCX and PDF of every clause of the purchase;
- `levier clause purge [--org SLUG] [--dry-run] [--on AAAA-MM-JJ]`: delete participants past retention;
- `levier clause alerts --org SLUG`: the running clauses behind or with a declaration overdue;
- `levier clause export-participant --org SLUG --code CODE [-o FILE]`: one participant's data as JSON
  (a request from that person), recorded in the audit trail as an operator's action.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from levier.organisations.models import Organisation


class Command(BaseCommand):
    help = "Clauses sociales : documents, purge des données des participants, export d'un participant."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        documents = actions.add_parser("documents", help="Documents DOCX et PDF des clauses d'un achat.")
        documents.add_argument("--org", required=True, help="Identifiant (slug) de l'organisation.")
        documents.add_argument("--purchase", required=True, help="Référence de l'achat dans le plan.")
        documents.add_argument("-o", "--output", required=True, help="Dossier où écrire les fichiers.")
        purge = actions.add_parser(
            "purge", help="Supprime les participants au-delà de la durée de conservation."
        )
        purge.add_argument("--org", default=None, help="Une seule organisation (toutes par défaut).")
        purge.add_argument("--dry-run", action="store_true", help="Compte sans supprimer.")
        purge.add_argument(
            "--on", default=None, help="Date de référence AAAA-MM-JJ (aujourd'hui par défaut)."
        )
        alerts = actions.add_parser("alerts", help="Clauses en retard ou dont une déclaration manque.")
        alerts.add_argument("--org", required=True, help="Identifiant (slug) de l'organisation.")
        export = actions.add_parser("export-participant", help="Données d'un participant, en JSON.")
        export.add_argument("--org", required=True)
        export.add_argument("--code", required=True, help="Code du participant.")
        export.add_argument("-o", "--output", default=None, help="Fichier JSON (sortie standard par défaut).")

    def _organisation(self, slug: str | None) -> Organisation | None:
        if slug is None:
            return None
        found = Organisation.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"Organisation inconnue : « {slug} ».")
        return found

    def handle(self, *args, **options):
        return getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _documents(self, options):
        from levier.clauses.documents import write_documents
        from levier.clauses.models import Clause

        organisation = self._organisation(options["org"])
        clauses = list(
            Clause.objects.filter(organisation=organisation, purchase__reference=options["purchase"])
            .select_related("purchase", "lot", "organisation")
            .order_by("lot__number", "pk")
        )
        if not clauses:
            raise CommandError(
                f"Aucune clause sur l'achat « {options['purchase']} » de {organisation.name} "
                "(vérifiez la référence, ou créez d'abord la clause)."
            )
        written = write_documents(clauses, Path(options["output"]))
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(
            self.style.SUCCESS(f"{len(written)} fichier(s) écrit(s) pour {len(clauses)} clause(s).")
        )

    def _purge(self, options):
        from levier.clauses.personal_data import purge

        on = None
        if options["on"]:
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError(f"--on : date AAAA-MM-JJ attendue, reçu « {options['on']} ».") from exc
        result = purge(self._organisation(options["org"]), on=on, dry_run=options["dry_run"])
        verb = "seraient supprimés" if options["dry_run"] else "supprimés"
        self.stdout.write(
            f"{result.participants} participant(s) {verb} ; {result.lines_unlinked} ligne(s) de déclaration "
            "conservée(s) sans participant."
        )

    def _alerts(self, options):
        from levier.clauses.forecast import alerts
        from levier.clauses.models import Clause, ClauseStatus

        organisation = self._organisation(options["org"])
        running = Clause.objects.filter(organisation=organisation, status=ClauseStatus.ACTIVE).select_related(
            "purchase", "lot"
        )
        flagged = alerts(running)
        for clause, found in flagged:
            self.stdout.write(f"{clause} : {found.alert}")
        self.stdout.write(f"{len(flagged)} clause(s) signalée(s) sur {running.count()} en exécution.")

    def _export_participant(self, options):
        from levier.clauses.models import Participant
        from levier.clauses.personal_data import ServerOperator, export_participant

        organisation = self._organisation(options["org"])
        participant = Participant.objects.filter(organisation=organisation, code=options["code"]).first()
        if participant is None:
            raise CommandError(f"Participant inconnu : « {options['code']} » chez {organisation.name}.")
        data = json.dumps(
            export_participant(None, ServerOperator(), participant), ensure_ascii=False, indent=2
        )
        if options["output"]:
            Path(options["output"]).write_text(data + "\n", encoding="utf-8")
            self.stdout.write(f"Données écrites dans {options['output']}.")
        else:
            self.stdout.write(data)
