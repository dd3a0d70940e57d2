"""`levier import <kind> ...`: one terminal verb for every import, run by the app that owns the data."""

from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

from levier.core.importers import IMPORT_KINDS, ImportArgumentError


def _importer(kind: str):
    return import_module(IMPORT_KINDS[kind])


class Command(BaseCommand):
    help = "Importe un fichier : structures inclusives, plan des achats…"

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="kind", required=True, metavar="TYPE")
        for kind in IMPORT_KINDS:
            try:
                module = _importer(kind)
            except ImportError:
                continue  # the app that owns this kind is not installed in this build
            sub = subparsers.add_parser(kind, help=module.help, description=module.help)
            module.add_arguments(sub)

    def handle(self, *args, **options):
        kind = options["kind"]
        try:
            status = _importer(kind).run(options, self.stdout, self.stderr)
        except ImportArgumentError as error:
            self.stderr.write(str(error))
            status = 2
        if status:
            raise CommandError(f"Import « {kind} » interrompu.", returncode=status)
