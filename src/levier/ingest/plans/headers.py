"""The header dictionary: which column of a buyer's plan feeds which field, from the words in its header.

Buyers name columns in many ways ("Objet du marché", "Intitulé", "Libellé de la consultation"). A header
is folded (lower case, no accents, punctuation as spaces) and searched for the phrases below as whole
words; the longest phrase found wins, so "Intitulé du lot" is the lot title and not the object, and
"Date de fin du marché actuel" the current contract's end. docs/formats/plans.md lists the dictionary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from levier.rules.text import fold

REFERENCE = "reference"
OBJECT = "object"
SERVICE = "service"
BUYER = "buyer"
NATURE = "nature"
CPV = "cpv"
AMOUNT = "amount"
AMOUNT_ANNUAL = "amount_annual"
AMOUNT_TOTAL = "amount_total"
DURATION = "duration"
LAUNCH_DATE = "launch_date"
NOTIFICATION_DATE = "notification_date"
PLACE = "place"
PROCEDURE = "procedure"
HOLDER_NAME = "holder_name"
HOLDER_SIRET = "holder_siret"
CONTRACT_END = "current_contract_end"
RECURRING = "recurring"
LOT_NUMBER = "lot_number"
LOT_TITLE = "lot_title"

# French names of the fields, for the mapping screen and for messages that name a field with no column.
FIELD_LABELS_FR = {
    REFERENCE: "Référence",
    OBJECT: "Objet",
    SERVICE: "Service / direction",
    BUYER: "Acheteur",
    NATURE: "Nature",
    CPV: "Code CPV",
    AMOUNT: "Montant estimé HT (base à préciser)",
    AMOUNT_ANNUAL: "Montant estimé HT annuel",
    AMOUNT_TOTAL: "Montant estimé HT sur la durée",
    DURATION: "Durée",
    LAUNCH_DATE: "Date de lancement",
    NOTIFICATION_DATE: "Date de notification",
    PLACE: "Lieu d'exécution",
    PROCEDURE: "Procédure",
    HOLDER_NAME: "Titulaire actuel",
    HOLDER_SIRET: "SIRET du titulaire actuel",
    CONTRACT_END: "Échéance du marché en cours",
    RECURRING: "Récurrent",
    LOT_NUMBER: "N° de lot",
    LOT_TITLE: "Intitulé du lot",
}
FIELDS = tuple(FIELD_LABELS_FR)
AMOUNT_FIELDS = (AMOUNT_TOTAL, AMOUNT_ANNUAL, AMOUNT)

# Phrases in folded form. Order matters only between phrases of the same length found in one header:
# the field listed first wins ("N° SIRET du titulaire": SIRET before holder, before reference).
_PHRASES: dict[str | None, tuple[str, ...]] = {
    # Headers that contain a field's word but are not that field: they stay unmapped.
    None: (
        "nombre de lots",
        "nb de lots",
        "nb lots",
        "nombre de lot",
        "date de mise a jour",
        "date de saisie",
        "montant realise",
        "montant notifie",
        "montant engage",
        "montant mandate",
    ),
    HOLDER_SIRET: ("siret", "n siret", "siret du titulaire", "siret titulaire"),
    LOT_TITLE: (
        "intitule du lot",
        "intitule lot",
        "libelle du lot",
        "libelle lot",
        "designation du lot",
        "objet du lot",
        "intitule des lots",
    ),
    LOT_NUMBER: ("lot", "lots", "n de lot", "n lot", "numero de lot", "num lot", "allotissement"),
    CONTRACT_END: (
        "echeance",
        "date de fin",
        "fin du marche",
        "fin de marche",
        "fin du contrat",
        "fin de contrat",
        "expiration",
        "terme du marche",
        "date d echeance",
        "echeance du marche en cours",
        "fin du marche en cours",
        "fin du marche actuel",
    ),
    HOLDER_NAME: (
        "titulaire",
        "titulaire actuel",
        "attributaire",
        "attributaire actuel",
        "prestataire actuel",
        "fournisseur actuel",
        "entreprise titulaire",
        "titulaire sortant",
        "prestataire",
        "fournisseur",
    ),
    CPV: ("cpv", "code cpv", "codes cpv"),
    LAUNCH_DATE: (
        "lancement",
        "date de lancement",
        "date previsionnelle de lancement",
        "publication",
        "date de publication",
        "mise en concurrence",
        "date de consultation",
        "lancement de la consultation",
    ),
    NOTIFICATION_DATE: (
        "notification",
        "date de notification",
        "date de notification souhaitee",
        "attribution",
        "date d attribution",
        "debut d execution",
        "date de debut",
        "demarrage",
        "prise d effet",
    ),
    AMOUNT: (
        "montant",
        "estimation",
        "budget",
        "cout",
        "valeur",
        "enveloppe",
        "montant estime",
        "montant previsionnel",
        "montant estime ht",
        "valeur estimee",
    ),
    DURATION: ("duree", "duree du marche", "duree previsionnelle", "duree totale"),
    PROCEDURE: (
        "procedure",
        "type de procedure",
        "mode de passation",
        "procedure envisagee",
        "mode de consultation",
        "procedure de passation",
    ),
    NATURE: ("nature", "nature du marche", "type de marche", "type d achat", "categorie d achat", "type"),
    PLACE: (
        "lieu",
        "lieu d execution",
        "lieu de livraison",
        "lieux d execution",
        "localisation",
        "commune",
        "site",
        "territoire",
        "code postal",
        "zone geographique",
        "adresse",
    ),
    RECURRING: (
        "recurrent",
        "recurrente",
        "recurrence",
        "achat recurrent",
        "marche recurrent",
        "reconductible",
    ),
    BUYER: (
        "acheteur",
        "service acheteur",
        "acheteur referent",
        "gestionnaire",
        "charge d affaires",
        "referent achat",
        "responsable achat",
        "pouvoir adjudicateur",
    ),
    SERVICE: (
        "service",
        "direction",
        "service prescripteur",
        "prescripteur",
        "service demandeur",
        "service beneficiaire",
        "direction operationnelle",
        "pole",
        "entite",
    ),
    OBJECT: (
        "objet",
        "intitule",
        "libelle",
        "designation",
        "description",
        "besoin",
        "objet du marche",
        "objet de la consultation",
        "libelle de la consultation",
        "intitule du marche",
        "intitule de la consultation",
    ),
    REFERENCE: (
        "reference",
        "ref",
        "n",
        "no",
        "num",
        "numero",
        "id",
        "identifiant",
        "code",
        "n consultation",
        "numero de consultation",
        "n de consultation",
        "n marche",
        "numero de marche",
        "n de marche",
        "reference interne",
        "code operation",
    ),
}

# (tokens, field, order) for every phrase, longest first so that the first hit is the most specific.
_PHRASE_TABLE = sorted(
    (
        (tuple(phrase.split()), field_name, order)
        for order, (field_name, phrases) in enumerate(_PHRASES.items())
        for phrase in phrases
    ),
    key=lambda item: (-len(item[0]), item[2]),
)

# A header longer than this is a sentence (a note, a title), not a column name.
_MAX_HEADER_WORDS = 12

_PER_YEAR_WORDS = re.compile(
    r"\b(?:annuel|annuelle|annuels|annuelles|par an|an)\b$|\bannuel|\bpar an\b|/\s*an\b"
)
_WHOLE_WORDS = re.compile(
    r"\b(?:total|totale|global|globale|pluriannuel|pluriannuelle|sur la duree|duree totale"
    r"|toutes reconductions|reconductions comprises|sur toute la duree)\b"
)
_YEARS_UNIT = re.compile(r"\b(?:ans|annees|an|annee)\b")
_TTC = re.compile(r"\bttc\b")


@dataclass(frozen=True)
class HeaderMatch:
    field: str
    # The number of words of the phrase found: the header row is the one whose cells match best.
    strength: int
    # For a duration column: the unit of bare numbers ("Durée (ans)").
    duration_unit: str = "mois"
    # For an amount column whose header says TTC.
    includes_tax: bool = False


def normalise_header(label: object) -> str:
    """The folded form two headers are compared in: `Montant  Estimé (€ HT)` == `montant estime ht`."""
    # "€" and "°" are signs to `fold`: they become spaces like any punctuation.
    return "" if label is None else fold(str(label))


def _find(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tokens[i : i + size] == phrase for i in range(len(tokens) - size + 1))


def match_header(label: object) -> HeaderMatch | None:
    """The field a column header names, or None when it names none of them."""
    folded = normalise_header(label)
    tokens = tuple(folded.split())
    if not tokens or len(tokens) > _MAX_HEADER_WORDS:
        return None
    for phrase, field_name, _ in _PHRASE_TABLE:
        if _find(tokens, phrase):
            if field_name is None:
                return None
            return _refine(field_name, len(phrase), folded, str(label))
    return None


def _refine(field_name: str, strength: int, folded: str, raw: str) -> HeaderMatch:
    if field_name == AMOUNT:
        # "Estimation annuelle", "Montant HT/an" -> per year; "Montant total sur la durée" -> whole.
        if _PER_YEAR_WORDS.search(folded) or re.search(r"/\s*an\b", raw.lower()):
            field_name = AMOUNT_ANNUAL
        elif _WHOLE_WORDS.search(folded):
            field_name = AMOUNT_TOTAL
        return HeaderMatch(field_name, strength, includes_tax=bool(_TTC.search(folded)))
    if field_name == DURATION and _YEARS_UNIT.search(folded) and "mois" not in folded.split():
        return HeaderMatch(field_name, strength, duration_unit="ans")
    return HeaderMatch(field_name, strength)
