import getpass
import os

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from levier.organisations.models import Membership, Organisation
from levier.organisations.roles import Role


class Command(BaseCommand):
    help = (
        "Crée (ou met à jour) un administrateur de la plateforme ; avec --org, il administre aussi "
        "cette organisation. Mot de passe : variable LEVIER_ADMIN_PASSWORD ou saisie."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--org", help="Identifiant (slug) de l'organisation à administrer.")

    @transaction.atomic
    def handle(self, *args, **options):
        password = os.environ.get("LEVIER_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Mot de passe : ")
            if password != getpass.getpass("Confirmation : "):
                raise CommandError("Les deux mots de passe ne correspondent pas.")
        from django.contrib.auth import password_validation

        try:
            password_validation.validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user_model = get_user_model()
        user = user_model.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            user = user_model.objects.create_superuser(email=options["email"], password=password)
            self.stdout.write(self.style.SUCCESS(f"Administrateur créé : {user.email}"))
        else:
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            self.stdout.write(self.style.SUCCESS(f"Administrateur mis à jour : {user.email}"))
        if options["org"]:
            org = Organisation.objects.filter(slug=options["org"]).first()
            if org is None:
                raise CommandError(f"Organisation inconnue : {options['org']}")
            membership, _ = Membership.objects.get_or_create(user=user, organisation=org)
            membership.roles = sorted(set(membership.roles) | {Role.ADMIN.value})
            membership.is_active = True
            membership.save()
            self.stdout.write(f"Administrateur de {org.name}.")
