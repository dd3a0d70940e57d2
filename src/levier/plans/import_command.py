"""`levier import plan FILE --org SLUG --year 2027 [--sheet S] [--mapping M] [--dry-run] [--json]`.

Previews the file, then commits it unless --dry-run, and prints the report (JSON with --json). The
organisation's remembered column mapping applies; --mapping adds answers for this run only
(a JSON or TOML file {field: column header}, fields listed in docs/formats/plans.md).
"""

from __future__ import annotations

import json

from tqdm import tqdm

from levier.core.importers import (
    add_yearly_run_arguments,
    add_yearly_target_arguments,
    existing_file,
    organisation_by_slug,
    user_by_email,
)
from levier.ingest.tabular import load_mapping

from .importing import ImportRejected, import_file

help = "Plan des achats (xlsx, ods ou csv) d'une organisation, pour une année."

_ACTIONS = {"created": "créé", "updated": "modifié"}


def add_arguments(parser) -> None:
    add_yearly_target_arguments(
        parser,
        file_help="Fichier du plan des achats (.xlsx, .ods, .csv).",
        year_help="Année du plan, par exemple 2027.",
    )
    parser.add_argument("--sheet", action="append", default=[], help="Feuille à lire (répétable).")
    parser.add_argument("--mapping", help="Correspondance champ → colonne pour cet import (JSON ou TOML).")
    parser.add_argument(
        "--overwrite-manual",
        action="store_true",
        help="Remplacer par les valeurs du fichier celles saisies à la main dans Levier depuis le dernier "
        "import (par défaut elles sont conservées).",
    )
    add_yearly_run_arguments(parser)


def run(options, stdout, stderr) -> int:
    path = existing_file(options["file"])
    organisation = organisation_by_slug(options["org"])
    user = user_by_email(options.get("user"))
    mapping = None
    if options.get("mapping"):
        try:
            mapping = load_mapping(options["mapping"])
        except (OSError, ValueError) as exc:
            stderr.write(f"Correspondance illisible : {exc}")
            return 2
    bar = tqdm(desc=f"Lecture de {path.name}", unit=" ligne", file=stderr, disable=options.get("json"))
    try:
        plan_import = import_file(
            user,
            organisation,
            path.read_bytes(),
            path.name,
            options["year"],
            sheets=options.get("sheet") or None,
            mapping=mapping,
            dry_run=options.get("dry_run", False),
            skip_errors=options.get("skip_errors", False),
            overwrite_manual=options.get("overwrite_manual", False),
            progress=bar.update,
        )
    except ImportRejected as exc:
        bar.close()
        if exc.plan_import is not None and exc.plan_import.report:
            _print(exc.plan_import, options, stdout)
        stderr.write(str(exc))
        return 1
    except ValueError as exc:  # an unknown field in --mapping
        bar.close()
        stderr.write(f"Correspondance invalide : {exc}")
        return 2
    bar.close()
    _print(plan_import, options, stdout)
    if plan_import.report["counts"]["errors"] and not options.get("skip_errors"):
        return 1
    return 0


def _print(plan_import, options, stdout) -> None:
    report = {key: value for key, value in plan_import.report.items() if key != "inferred_cpv"}
    if options.get("json"):
        stdout.write(json.dumps({"status": plan_import.status, **report}, ensure_ascii=False, indent=1))
    else:
        stdout.write(render(report, dry_run=options.get("dry_run", False)))


def _change(prefix: str, change: dict) -> str:
    return f"    {prefix}{change['label']} : {change['old'] or '∅'} → {change['new'] or '∅'}"


def render(report: dict, *, dry_run: bool) -> str:
    counts = report["counts"]
    lines = [
        f"Plan {report['year']} — {report['file']}" + (" (aperçu, rien n'est enregistré)" if dry_run else ""),
        f"  {counts['created']} créé(s), {counts['updated']} modifié(s), {counts['unchanged']} inchangé(s), "
        f"{counts['absent']} absent(s) du fichier, {counts['errors']} erreur(s), "
        f"{counts['warnings']} avertissement(s).",
    ]
    for sheet in report["sheets"]:
        lines.append(
            f"  Feuille « {sheet['name']} » : en-tête ligne {sheet['header_row']}, "
            f"{sheet['purchases']} achat(s)."
        )
    for skipped in report["sheets_skipped"]:
        lines.append(f"  Feuille « {skipped['name']} » ignorée : {skipped['reason']}")
    if report["unmapped_columns"]:
        lines.append(
            "  Colonnes non reconnues : " + ", ".join(f"« {c} »" for c in report["unmapped_columns"])
        )
    for error in report["errors"]:
        lines.append(f"  ERREUR {error['message']}")
    for warning in report["warnings"][:50]:
        lines.append(f"  ! {warning['message']}")
    if len(report["warnings"]) > 50:
        lines.append(
            f"  … et {len(report['warnings']) - 50} autre(s) avertissement(s) (--json pour tout voir)."
        )
    for line in report["lines"]:
        if line["action"] != "updated":
            continue
        where = line["reference"] or line["object"][:60]
        lines.append(f"  Modifié : {where} (ligne {line['row']})")
        for change in line["changes"]:
            lines.append(_change("", change))
        for lot in line["lots"]:
            for change in lot["changes"]:
                lines.append(_change(f"Lot {lot['number']}, ", change))
    for line in report.get("kept_manual", []):
        where = line["reference"] or line["object"][:60]
        verb = "remplacées" if line["action"] == "replaced" else "conservées"
        lines.append(f"  Valeurs saisies à la main {verb} : {where} (ligne {line['row']})")
        for kept in line["fields"]:
            lines.append(f"    {kept['label']} : {kept['kept'] or '∅'} (fichier : {kept['file'] or '∅'})")
    for absent in report["absent"][:20]:
        lines.append(f"  Absent du fichier (conservé) : {absent['reference'] or absent['object'][:60]}")
    return "\n".join(lines)
