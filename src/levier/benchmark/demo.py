"""Demo benchmark: a small, clearly fictional DECP file (2024 format) imported into an empty store.

The buyers, holders and objects are invented (SIRETs built to pass the checksum, names ending in
"(fictif)"); the shares of social considerations roughly follow the national figures of DESIGN §3 so that
the page tells a plausible story. A store that already holds real national data is never touched; loading
the demo twice replaces the same source (same content), so nothing is duplicated.
"""

from __future__ import annotations

import json
import random

from levier.rules.siret import is_valid_siret

from .services import default_store

DEMO_FILE = "decp-demonstration-fictive.json"
CONTRACTS = 1000
SEED = 2027

# (object, CPV, social consideration weights: clause, criterion, reserved, none)
TRADES = [
    ("Nettoyage des locaux administratifs", "90910000", (30, 10, 8, 52)),
    ("Entretien des espaces verts et élagage", "77310000", (25, 8, 12, 55)),
    ("Restauration scolaire : fourniture de repas en liaison froide", "55523100", (20, 15, 2, 63)),
    ("Travaux de réfection de voirie", "45233140", (35, 5, 0, 60)),
    ("Rénovation de l'école : lot peinture", "45442100", (30, 5, 1, 64)),
    ("Blanchisserie et location de linge", "98310000", (15, 10, 20, 55)),
    ("Fournitures de bureau et papier", "30192000", (5, 5, 3, 87)),
    ("Mise sous pli et routage du courrier", "79571000", (10, 5, 30, 55)),
    ("Maintenance des installations de chauffage", "50720000", (12, 8, 0, 80)),
    ("Collecte et tri des déchets", "90511000", (28, 10, 4, 58)),
]
PLACES = ["75013", "69003", "13001", "33000", "59000", "44000", "67000", "31000", "35000", "21000"]
AMOUNTS = [18_000, 35_000, 52_000, 85_000, 140_000, 260_000, 650_000, 1_800_000, 6_200_000]
SOCIAL_VALUES = ("Clause sociale", "Critère social", "Marché réservé", "Pas de considération sociale")


def _siret(prefix: str, number: int) -> str:
    base = f"{prefix}{number:0{9 - len(prefix)}d}"
    return next(f"{base}{nic:05d}" for nic in range(10, 100_000) if is_valid_siret(f"{base}{nic:05d}"))


def fictional_contracts() -> list[dict]:
    draw = random.Random(SEED)
    buyers = [
        _siret(prefix, 990_000 + n) for n, prefix in enumerate(["21", "21", "22", "24", "26", "11"] * 3)
    ]
    holders = [(_siret("8", 99_000_000 + n), f"Entreprise {n + 1} (fictif)") for n in range(60)]
    records = []
    for number in range(CONTRACTS):
        objet, cpv, weights = draw.choice(TRADES)
        social = draw.choices(SOCIAL_VALUES, weights=weights)[0]
        values = [social] if social != "Clause sociale" or draw.random() > 0.3 else [social, "Critère social"]
        holder = draw.choice(holders)
        records.append(
            {
                "id": f"DEMO{number:06d}",
                "acheteur": {"id": draw.choice(buyers)},
                "nature": "Marché",
                "objet": f"{objet} (fictif)",
                "codeCPV": cpv,
                "procedure": draw.choice(["Procédure adaptée", "Appel d'offres ouvert"]),
                "lieuExecution": {"code": draw.choice(PLACES), "typeCode": "Code postal"},
                "dureeMois": draw.choice([12, 24, 36, 48]),
                "dateNotification": (
                    f"{draw.choice([2024, 2025, 2026])}-{draw.randint(1, 12):02d}-{draw.randint(1, 28):02d}"
                ),
                "datePublicationDonnees": "2026-06-30",
                "montant": draw.choice(AMOUNTS),
                "titulaires": [
                    {
                        "titulaire": {
                            "typeIdentifiant": "SIRET",
                            "id": holder[0],
                            "denominationSociale": holder[1],
                        }
                    }
                ],
                "considerationsSociales": {"considerationSociale": values},
            }
        )
    return records


def seed(orgs) -> dict[str, int]:
    store = default_store()
    fictional = store.root.parent / "benchmark-demo" / DEMO_FILE
    outdated = {source["id"] for source in store.outdated_sources()}
    real_sources = [s for s in store.sources() if s["file"] != DEMO_FILE and s["id"] not in outdated]
    if real_sources:
        return {"marchés fictifs du benchmark : base nationale déjà chargée, rien ajouté": 0}
    fictional.parent.mkdir(parents=True, exist_ok=True)
    fictional.write_text(
        json.dumps({"marches": {"marche": fictional_contracts()}}, ensure_ascii=False), "utf-8"
    )
    report = store.import_files([fictional])
    return {"marchés attribués fictifs (benchmark national)": report.contracts_in_store}
