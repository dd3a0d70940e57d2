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
