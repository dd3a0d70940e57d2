"""`levier screen PLAN.xlsx -o REPORT.xlsx [--org SLUG]`: screen a plan file without a server.

Reads the plan with the same reader as the import, screens every purchase against the directory in the
local database (and the national rates when the benchmark is loaded), and writes one xlsx row per purchase
and lot with a summary sheet. Nothing is written to the database.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from levier.ingest.plans.reader import read_plan
from levier.organisations.models import Organisation
from levier.recommendations.engine import directory_index, engine_policy, national_rates
from levier.recommendations.models import ScreeningPolicy
from levier.recommendations.selectors import labour_shares_of
from levier.rules.geography import get_geography
from levier.screening import Policy, screen
from levier.screening.plan_file import place_resolver, purchase_from_record
from levier.screening.report import write_report


class Command(BaseCommand):
    help = "Examine un plan des achats (xlsx, ods, csv) et écrit les recommandations dans un classeur xlsx."

    def add_arguments(self, parser):
        parser.add_argument("plan", help="Fichier du plan des achats.")
        parser.add_argument("-o", "--output", required=True, help="Classeur xlsx à écrire.")
        parser.add_argument(
            "--org", help="Organisation (slug) dont la politique et le type d'acheteur s'appliquent."
        )
        parser.add_argument("--year", type=int, help="Année du plan quand le fichier ne la donne pas.")

    def _policy(self, slug: str | None) -> tuple[Policy, str]:
        if not slug:
            return Policy(), "Politique par défaut de Levier (acheteur : commune)."
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"Organisation inconnue : « {slug} ».")
        # Read only: the command writes nothing, so a missing policy means the defaults.
        stored = ScreeningPolicy.objects.filter(organisation=organisation).first()
        shares = labour_shares_of(organisation)
        if stored:
            policy = engine_policy(stored, organisation, shares)
        else:
            policy = Policy(buyer_kind=organisation.kind, labour_shares=shares)
        return policy, f"Politique de l'organisation « {organisation.name} »."

    def handle(self, *args, **options):
        path = Path(options["plan"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError(f"Le rapport doit être un fichier .xlsx : {output}")
        policy, policy_note = self._policy(options.get("org"))
        result = read_plan(path, filename=path.name, plan_year=options.get("year"))
        if result.errors:
            for error in result.errors:
                self.stderr.write(error.message_fr)
            raise CommandError(f"Plan illisible : {len(result.errors)} erreur(s), aucun rapport écrit.")
        index, _version = directory_index()
        rates = national_rates()
        resolve = place_resolver(get_geography())
        rows = []
        bar = tqdm(result.purchases, desc="Examen des achats", unit=" achat", file=self.stderr)
        for record in bar:
            purchase = purchase_from_record(record, resolve)
            reference = record.reference or f"{record.sheet} l.{record.row_number}"
            rows.append((reference, purchase, screen(purchase, index, policy, rates)))
        notes = [
            policy_note,
            f"Annuaire : {len(index)} structures actives.",
            "Taux nationaux : "
            + ("base de référence chargée." if rates else "base de référence non chargée."),
            "Le fichier du plan ne dit pas quelles considérations sont déjà prévues : toutes les "
            "obligations sont listées comme non couvertes.",
        ]
        summary = write_report(rows, output, notes)
        for warning in result.warnings:
            self.stderr.write(warning.message_fr)
        self.stdout.write(
            f"{summary.purchases} achats examinés : {summary.reserve} à réserver, "
            f"{summary.clause} avec clause ou critère, {summary.none} sans considération ; "
            f"{summary.hours} heures d'insertion ; "
            f"{len(summary.compulsory_unmet)} obligation(s) sans considération prévue. Rapport : {output}"
        )
