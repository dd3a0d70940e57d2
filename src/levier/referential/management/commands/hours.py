"""`levier hours`: the insertion hours a clause can require, with the calculation shown."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from levier.rules import hours


def sector_labour_share(code: str) -> tuple[float, str]:
    """The sector's labour share and label from levier.rules.sectors (imported only when asked)."""
    try:
        from levier.rules.sectors import load_taxonomy
    except ImportError as exc:
        raise CommandError(
            "La table des secteurs n'est pas disponible dans cette version de Levier."
        ) from exc
    sector = load_taxonomy().get(code)
    if sector is None:
        raise CommandError(
            f"Secteur inconnu : « {code} ». Indiquez --labour-share ou un code de secteur valide."
        )
    return sector.labour_share, sector.label


class Command(BaseCommand):
    help = "Heures d'insertion : montant HT × part de main-d'œuvre × taux d'insertion ÷ coût horaire chargé."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--amount", required=True, help="Montant HT du marché, en euros.")
        parser.add_argument("--labour-share", default=None, help="Part de main-d'œuvre (0.5 ou 50).")
        parser.add_argument(
            "--sector", default=None, help="Code de secteur : sa part de main-d'œuvre est reprise."
        )
        parser.add_argument(
            "--rate", default=None, help="Taux d'insertion (0.05 ou 5 ; défaut : valeur datée)."
        )
        parser.add_argument(
            "--hourly-cost", default=None, help="Coût horaire chargé en euros (défaut : valeur datée)."
        )
        parser.add_argument("--taken-over-share", default="0", help="Part du personnel repris (propreté).")
        parser.add_argument(
            "--duration-months", type=int, default=None, help="Durée, pour répartir par année."
        )
        parser.add_argument(
            "--start", default=None, help="Début d'exécution (AAAA-MM-JJ) avec --duration-months."
        )
        parser.add_argument(
            "--tranches",
            default=None,
            help="Montants des tranches séparés par « ; », pour répartir par tranche.",
        )
        parser.add_argument("--json", action="store_true", help="Sortie JSON.")

    def handle(self, *args, **options) -> None:
        labour_share = options["labour_share"]
        sector_label = None
        labour_shares = None
        if options["sector"]:
            share, sector_label = sector_labour_share(options["sector"])
            labour_shares = {options["sector"]: share}
            if labour_share is not None:
                sector_label = f"{sector_label} (part de main-d'œuvre fixée à la main)"
        try:
            result = hours.insertion_hours(
                amount_ht=options["amount"],
                labour_share=labour_share,
                insertion_rate=options["rate"],
                hourly_cost=options["hourly_cost"],
                taken_over_share=options["taken_over_share"],
                sector=options["sector"],
                labour_shares=labour_shares,
            )
            spread = None
            if options["tranches"]:
                amounts = [part.strip() for part in options["tranches"].split(";") if part.strip()]
                spread = hours.spread_over_tranches(result, amounts)
            elif options["duration_months"]:
                from levier.referential.management.commands.frame import parse_date

                start = parse_date(options["start"]) if options["start"] else None
                if start is None:
                    raise CommandError("--start est requis avec --duration-months.")
                spread = hours.spread_over_years(result, start, options["duration_months"])
        except hours.HoursError as exc:
            raise CommandError(str(exc)) from exc

        if options["json"]:
            document = result.to_dict()
            if spread is not None:
                document["spread"] = spread.to_dict()
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{result.hours} heures d'insertion")
        self.stdout.write(f"Calcul : {result.explanation}")
        if sector_label:
            self.stdout.write(f"Secteur : {sector_label}")
        for key, source in result.sources.items():
            name = {"insertion_rate": "Taux", "hourly_cost": "Coût horaire", "labour_share": "Part"}.get(
                key, key
            )
            self.stdout.write(f"{name} par défaut : {source}")
        if spread is not None:
            self.stdout.write(spread.explanation)
