"""Synthetic DECP files in the format in force since 2024, whose every value the test knows."""

import json
import random

from levier.rules.siret import is_valid_siret

# Postcodes of known régions (INSEE codes: 11 Île-de-France, 84 Auvergne-Rhône-Alpes, 93 PACA, 75
# Nouvelle-Aquitaine).
PLACES = {"75013": "11", "69003": "84", "13001": "93", "33000": "75"}
CPVS = ["45210000", "45262100", "45310000", "90910000", "90911200", "77310000", "55523100"]
SOCIALS = [
    ["Pas de considération sociale"],
    ["Clause sociale"],
    ["Critère social"],
    ["Clause sociale", "Critère social"],
    ["Marché réservé"],
]
AMOUNTS = [12_000.0, 45_000.0, 75_000.0, 150_000.0, 400_000.0, 2_000_000.0, 9_000_000.0]


def siret(prefix: str, number: int) -> str:
    """A Luhn-valid SIRET starting with `prefix` (21 commune, 22 département, 26 hospital...)."""
    base = f"{prefix}{number:0{9 - len(prefix)}d}"
    for nic in range(10, 100_000):
        candidate = f"{base}{nic:05d}"
        if is_valid_siret(candidate):
            return candidate
    raise AssertionError("no valid SIRET")


BUYERS = {
    kind: siret(prefix, n)
    for n, (kind, prefix) in enumerate([("commune", "21"), ("departement", "22"), ("hopital", "26")])
}
HOLDERS = [siret("4", 100 + n) for n in range(6)]


def contracts(count: int, seed: int = 7) -> list[dict]:
    draw = random.Random(seed)
    records = []
    for number in range(count):
        postcode = draw.choice(sorted(PLACES))
        records.append(
            {
                "id": f"T{number:05d}",
                "acheteur": {"id": BUYERS[draw.choice(sorted(BUYERS))]},
                "nature": "Marché",
                "objet": draw.choice(
                    ["Nettoyage des locaux", "Travaux de voirie", "Entretien des espaces verts"]
                ),
                "codeCPV": draw.choice(CPVS),
                "procedure": "Procédure adaptée",
                "lieuExecution": {"code": postcode, "typeCode": "Code postal"},
                "dureeMois": 12,
                "dateNotification": f"{draw.choice([2024, 2025])}-0{draw.randint(1, 9)}-15",
                "datePublicationDonnees": "2025-10-01",
                "montant": draw.choice(AMOUNTS),
                "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": draw.choice(HOLDERS)}}],
                "considerationsSociales": {"considerationSociale": draw.choice(SOCIALS)},
            }
        )
    return records


def write(path, records) -> None:
    path.write_text(json.dumps({"marches": {"marche": records}}, ensure_ascii=False), "utf-8")
