from django.core.management import call_command
from django.core.management.base import BaseCommand

from levier.core.demo import demo_logins, load_demo

from ._serving import add_serve_arguments, serve


class Command(BaseCommand):
    help = "Prépare la base, charge les données de démonstration (fictives) et sert Levier avec son worker."

    def add_arguments(self, parser):
        add_serve_arguments(parser)
        parser.add_argument(
            "--no-serve", action="store_true", help="Charger la démonstration sans lancer le serveur."
        )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Base de données à jour.")
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Démonstration chargée : {counts['organisations']} organisations, "
                f"{counts.pop('users')} utilisateurs."
            )
        )
        counts.pop("organisations")
        for label, count in counts.items():
            self.stdout.write(f"  {label} : {count}")
        self.stdout.write("\nComptes de démonstration (mot de passe identique pour tous) :")
        for email, roles, password in demo_logins():
            self.stdout.write(f"  {email:<42} {password}   {roles}")
        if options["no_serve"]:
            return
        serve(self.stdout, options, with_worker=True)
