"""`levier frame`: the legal frame of a planned purchase at its launch date."""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from levier.rules import legal
from levier.rules.cpv import NATURE_LABELS_FR

NATURE_ALIASES = {
    "works": "works",
    "travaux": "works",
    "supplies": "supplies",
    "fournitures": "supplies",
    "services": "services",
}


def parse_amount(text: str) -> float:
    cleaned = (
        text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
    )
    try:
        return float(cleaned)
    except ValueError as exc:
        raise CommandError(f"Montant illisible : « {text} » (exemple : 250000).") from exc


def parse_date(text: str) -> date:
    for parse in (date.fromisoformat, _french_date):
        try:
            return parse(text)
        except ValueError:
            continue
    raise CommandError(f"Date illisible : « {text} » (exemple : 2026-09-01 ou 01/09/2026).")


def _french_date(text: str) -> date:
    day, month, year = text.split("/")
    return date(int(year), int(month), int(day))


class Command(BaseCommand):
    help = "Cadre juridique d'un achat à sa date de lancement : seuils, procédure, obligations, possibilités."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--amount", required=True, help="Montant estimé HT sur toute la durée, en euros.")
        parser.add_argument("--nature", default="", help="works/travaux, supplies/fournitures ou services.")
        parser.add_argument(
            "--buyer-kind", required=True, choices=sorted(legal.BUYER_KINDS), help="Type d'acheteur."
        )
        parser.add_argument("--launch", required=True, help="Date de lancement de la consultation.")
        parser.add_argument("--cpv", default=None, help="Code CPV principal (8 chiffres, avec ou sans clé).")
        parser.add_argument(
            "--reserved-does-not-meet-obligation",
            action="store_true",
            help="Paramétrage de l'organisation : un marché réservé ne satisfait pas l'obligation L2112-2-1.",
        )
        parser.add_argument(
            "--central-government",
            action="store_true",
            help="L'organisation applique les seuils de l'État (centrale d'achat rattachée à l'État).",
        )
        parser.add_argument("--defence", action="store_true", help="Marché de défense ou de sécurité.")
        parser.add_argument("--json", action="store_true", help="Sortie JSON.")

    def handle(self, *args, **options) -> None:
        nature = (
            NATURE_ALIASES.get(options["nature"].strip().lower(), options["nature"])
            if options["nature"]
            else ""
        )
        policy = legal.OrganisationPolicy(
            reserved_meets_obligation=not options["reserved_does_not_meet_obligation"],
            central_government=True if options["central_government"] else None,
        )
        try:
            frame = legal.legal_frame(
                parse_amount(options["amount"]),
                nature,
                options["buyer_kind"],
                parse_date(options["launch"]),
                cpv=options["cpv"],
                policy=policy,
                defence_or_security=options["defence"],
            )
        except legal.LegalFrameError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(frame.to_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(render_frame(frame))


def render_frame(frame: legal.Frame) -> str:
    lines = [frame.summary_fr(), ""]
    lines.append("Seuils :")
    for check in frame.thresholds:
        mark = "atteint" if check.crossed else "non atteint"
        amount = f"{check.amount:,}".replace(",", " ")
        lines.append(f"  - {check.label_fr} : {amount} € HT, {mark} ({check.source})")
    lines.append("")
    lines.append(
        f"Procédure : {frame.procedure.label_fr} ({frame.procedure.article}). {frame.procedure.reason_fr}"
    )
    lines.append("")
    lines.append("Obligatoire :")
    if frame.compulsory:
        for item in frame.compulsory:
            lines.append(f"  - {item.article} {item.title_fr} : {item.reason_fr}")
            lines.extend(f"      · {condition}" for condition in item.conditions_fr)
        lines.append("  Dérogations possibles (à justifier) :")
        lines.extend(f"      · [{e.code}] {e.label_fr}" for e in frame.obligation_exemptions)
    else:
        lines.append("  - Aucune considération sociale imposée.")
    lines.append("")
    lines.append("Possible :")
    for item in frame.allowed:
        lines.append(f"  - {item.article} {item.title_fr} : {item.reason_fr}")
    if frame.notes_fr:
        lines.append("")
        lines.append("À noter :")
        lines.extend(f"  - {note}" for note in frame.notes_fr)
    lines.append("")
    lines.append(f"Nature retenue : {NATURE_LABELS_FR[frame.nature]}.")
    return "\n".join(lines)
