from django.core.management.base import BaseCommand

from ._serving import add_serve_arguments, serve


class Command(BaseCommand):
    help = "Sert Levier avec gunicorn (et, avec --with-worker, un worker de tâches à côté)."

    def add_arguments(self, parser):
        add_serve_arguments(parser)
        parser.add_argument("--with-worker", action="store_true", help="Lancer aussi un worker de tâches.")

    def handle(self, *args, **options):
        serve(self.stdout, options, with_worker=options["with_worker"])
