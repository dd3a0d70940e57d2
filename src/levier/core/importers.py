"""What `levier import <kind>` can import, one entry per bounded context.

Each entry names a module that exposes `help` (French, one line), `add_arguments(parser)` and
`run(options, stdout, stderr) -> int` (the exit status). The command stays in core so the terminal has one
`import` verb while each app keeps its own importer.
"""

IMPORT_KINDS = {
    "structures": "levier.directory.import_command",
    "plan": "levier.plans.import_command",
    "decp": "levier.benchmark.import_command",
    "spend": "levier.steering.import_command",
}


class ImportArgumentError(ValueError):
    """A terminal import's argument that cannot be used (French message); the command exits with status 2."""


def existing_file(value: str):
    from pathlib import Path

    path = Path(value)
    if not path.is_file():
        raise ImportArgumentError(f"Fichier introuvable : {path}")
    return path


def user_by_email(email: str | None):
    """The account an import is attributed to (`--user`), or None when the option is absent."""
    if not email:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise ImportArgumentError(f"Utilisateur inconnu : {email}")
    return user


def organisation_by_slug(slug: str):
    """The organisation an import is for (`--org`)."""
    from levier.organisations.models import Organisation

    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise ImportArgumentError(f"Organisation inconnue : « {slug} ».")
    return organisation


def add_yearly_target_arguments(parser, *, file_help: str, year_help: str) -> None:
    """The file, `--org` and `--year` of an import of one organisation's year (plan, spend)."""
    parser.add_argument("file", help=file_help)
    parser.add_argument("--org", required=True, help="Identifiant de l'organisation (slug).")
    parser.add_argument("--year", required=True, type=int, help=year_help)


def add_yearly_run_arguments(parser) -> None:
    """`--user`, `--dry-run`, `--skip-errors` and `--json` of an import of one organisation's year."""
    parser.add_argument("--user", help="Adresse électronique de la personne à qui attribuer l'import.")
    parser.add_argument("--dry-run", action="store_true", help="Aperçu seulement : rien n'est enregistré.")
    parser.add_argument(
        "--skip-errors", action="store_true", help="Importer en laissant de côté les lignes en erreur."
    )
    parser.add_argument("--json", action="store_true", help="Rapport au format JSON.")
