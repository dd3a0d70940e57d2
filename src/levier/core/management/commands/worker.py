from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Exécute les tâches en attente (imports, criblages, rapports) au fil de l'eau."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="Traiter les tâches en attente puis s'arrêter."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Secondes entre deux relevés de la file."
        )

    def handle(self, *args, **options):
        extra = ["--batch"] if options["batch"] else []
        call_command(
            "db_worker", *extra, "--interval", str(options["interval"]), "--no-reload", "--no-startup-delay"
        )
