"""The main navigation and each role's home page, in one place so that later capabilities plug in here."""

from dataclasses import dataclass

from levier.organisations.roles import Role


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    summary: str
    url_name: str
    available: bool = False


SECTIONS = [
    Section(
        "plan",
        "Plan des achats",
        "Importer le plan annuel des achats, cribler chaque ligne, proposer et valider les décisions.",
        "plans:plan",
        available=True,
    ),
    Section(
        "structures",
        "Structures inclusives",
        "Trouver les ESAT, EA et SIAE capables de répondre, par secteur, type et distance.",
        "directory:search",
        available=True,
    ),
    Section(
        "clauses",
        "Clauses",
        "Rédiger les clauses d'insertion, suivre les heures déclarées et réalisées.",
        "clauses:list",
        available=True,
    ),
    Section(
        "pilotage",
        "Pilotage",
        "Objectifs annuels, tableaux de bord, achats auprès des structures inclusives, bilan SPASER.",
        "steering:dashboard",
        available=True,
    ),
    Section(
        "benchmark",
        "Benchmark",
        "Ce que font les autres acheteurs pour des marchés semblables (données essentielles DECP).",
        "benchmark:overview",
        available=True,
    ),
]
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}

# What each role comes to do first: shown as cards on the organisation's home page, in this order.
ROLE_HOME = {
    Role.BUYER: ["plan", "structures", "clauses"],
    Role.PRESCRIBER: ["plan"],
    Role.FACILITATOR: ["clauses", "plan", "structures"],
    Role.STEWARD: ["pilotage", "plan", "benchmark"],
    Role.ADMIN: [],
    Role.READER: ["pilotage", "plan"],
}


def home_sections(roles) -> list[Section]:
    keys: list[str] = []
    for role in Role.values:
        if role in roles:
            keys += [k for k in ROLE_HOME[Role(role)] if k not in keys]
    return [SECTIONS_BY_KEY[k] for k in keys]
