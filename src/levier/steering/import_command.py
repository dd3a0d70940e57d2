"""`levier import spend FILE --org SLUG --year 2026 [--map CHAMP=EN-TÊTE]... [--user EMAIL] [--dry-run]
[--skip-errors] [--json]`.

Previews the accounting export, then commits it unless --dry-run, and prints the report. The
organisation's remembered column answers (the web mapping screen) apply; `--map` names the column of a
field for this run only: `--map "Montant HT=Mt facturé"` or `--map amount_ht="Mt facturé"`.
"""

from __future__ import annotations

import json

from tqdm import tqdm

from levier.core.importers import (
    ImportArgumentError,
    add_yearly_run_arguments,
    add_yearly_target_arguments,
    existing_file,
    organisation_by_slug,
    user_by_email,
)
from levier.ingest.spend.reader import FIELD_LABELS, field_named
from levier.rules.hours import format_money_fr

from .importing import ImportRejected, commit, preview

help = "Dépenses d'une organisation pour une année (export comptable xlsx, ods ou csv)."


def add_arguments(parser) -> None:
    add_yearly_target_arguments(
        parser,
        file_help="Export comptable (.xlsx, .ods, .csv).",
        year_help="Année des dépenses, par exemple 2026.",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="CHAMP=EN-TÊTE",
        help="Colonne qui donne un champ pour cet import, par exemple « Montant HT=Mt facturé » "
        "(répétable ; champs : " + ", ".join(FIELD_LABELS.values()) + ").",
    )
    add_yearly_run_arguments(parser)


def parse_map(values: list[str]) -> dict[str, str]:
    """{field: header} from `--map` values; ImportArgumentError (French) on a value that names no field."""
    fields = ", ".join(f"« {label} »" for label in FIELD_LABELS.values())
    mapping: dict[str, str] = {}
    for value in values:
        name, sep, header = value.partition("=")
        if not sep or not name.strip() or not header.strip():
            raise ImportArgumentError(
                f"--map « {value} » : écrivez CHAMP=EN-TÊTE, par exemple « Montant HT=Mt »."
            )
        found = field_named(name)
        if found is None:
            raise ImportArgumentError(
                f"--map « {value} » : champ « {name.strip()} » inconnu (champs : {fields})."
            )
        if found in mapping:
            raise ImportArgumentError(f"--map : le champ « {FIELD_LABELS[found]} » est donné deux fois.")
        mapping[found] = header.strip()
    return mapping


def run(options, stdout, stderr) -> int:
    path = existing_file(options["file"])
    organisation = organisation_by_slug(options["org"])
    user = user_by_email(options.get("user"))
    mapping = parse_map(options.get("map") or [])
    quiet = bool(options.get("json"))
    with tqdm(desc=f"Lecture de {path.name}", unit=" ligne", file=stderr, disable=quiet) as bar:
        spend_import = preview(
            user,
            organisation,
            path.read_bytes(),
            path.name,
            options["year"],
            mapping=mapping or None,
            progress=bar.update,
        )
    if spend_import.report.get("needs_mapping"):
        _print(spend_import, options, stdout)
        headers = ", ".join(f"« {header} »" for header in spend_import.report.get("headers", []))
        stderr.write(
            f"Colonnes à indiquer : nommez la colonne de chaque champ manquant avec --map CHAMP=EN-TÊTE "
            f"(colonnes du fichier : {headers})."
        )
        return 1
    if not options.get("dry_run"):
        total = spend_import.report["counts"]["created"] + spend_import.report["counts"]["updated"]
        try:
            with tqdm(desc="Enregistrement", total=total, unit=" ligne", file=stderr, disable=quiet) as bar:
                spend_import = commit(
                    user, spend_import, skip_errors=options.get("skip_errors", False), progress=bar.update
                )
        except ImportRejected as exc:
            _print(spend_import, options, stdout)
            stderr.write(str(exc))
            return 1
    _print(spend_import, options, stdout)
    return 1 if spend_import.report["counts"]["errors"] and not options.get("skip_errors") else 0


def _print(spend_import, options, stdout) -> None:
    report = spend_import.report
    if options.get("json"):
        stdout.write(json.dumps({"status": spend_import.status, **report}, ensure_ascii=False, indent=1))
        return
    counts = report["counts"]
    dry = " (aperçu, rien n'est enregistré)" if options.get("dry_run") else ""
    lines = [
        f"Dépenses {report['year']} — {report['file']}{dry}",
        f"  {report['rows_read']} ligne(s) lue(s), {counts['lines']} retenue(s) : "
        f"{counts['created']} créée(s), {counts['updated']} modifiée(s), {counts['unchanged']} inchangée(s), "
        f"{counts['removed']} retirée(s) ; "
        f"{counts['errors']} erreur(s), {counts['warnings']} avertissement(s).",
        f"  {report['suppliers']} fournisseur(s), montant total {format_money_fr(report['total_amount'])}.",
    ]
    if report.get("matched"):
        m = report["matched"]
        lines.append(
            f"  Rapprochements nouveaux : {m.get('siret', 0)} par SIRET, {m.get('siren', 0)} par SIREN, "
            f"{m.get('name', 0)} par le nom (à confirmer)."
        )
    for error in report["errors"]:
        lines.append(f"  ERREUR {error['message']}")
    for warning in report["warnings"][:50]:
        lines.append(f"  ! {warning['message']}")
    stdout.write("\n".join(lines))
