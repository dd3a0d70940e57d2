"""What Levier deduces about a structure when its source does not say: sectors and ways of working.

Sectors come first from the NAF code (the taxonomy's `naf_prefixes`, rules/data/sectors.json), then, when
the NAF code says nothing about the trade (8899B, 9499Z: most associations), from a trade word of the
taxonomy's vocabulary found in the name ("Recyclerie Dombes Val de Saône", "ESAT Les Cèdres
(horticulture)"); both are stored with `inferred=True`. Names are matched on whole phrases, the longest
first, rather than through the TF-IDF classifier: on the 5,141 ESAT and SIAE names the classifier's
confident guesses were wrong too often ("Communauté d'agglomération du Pays de Laon" read as green
spaces) and it costs 2 ms a name, a third of the import's time budget.

Sector names of other taxonomies (le marché de l'inclusion's `sectors`, an EA file's "secteurs d'activité")
are mapped onto Levier's taxonomy the same way: by code when it is one of ours, else by the classifier.

Pure Python: no database; the import service and the factory of benchmark data share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from levier.rules.classify import Classifier
from levier.rules.sectors import Sector, load_taxonomy
from levier.rules.text import fold

# A sector label of another taxonomy is a short, clear phrase: the classifier's first guess is kept when
# its score (0-1) reaches this.
LABEL_SCORE_MIN = 0.2
# Vocabulary words that name what an inclusive structure *is*, not its trade: "Tremplin insertion
# chantiers", "Régie de quartier", "Maison accueil solidarité" (read on the SIAE and ESAT names).
NAME_STOPWORDS = frozenset(
    {
        "insertion",
        "reinsertion",
        "regie",
        "accueil",
        "accompagnement",
        "jeunes",
        "jeunesse",
        "conseil",
        "ecole",
        "patrimoine",
        "stade",
        "restaurant",
        "valorisation",
        "mise a disposition",
    }
)
# Phrases shorter than this ("EV", "PC", "bus") or shared by more sectors than that are too vague.
PHRASE_MIN_LENGTH = 5
PHRASE_MAX_SECTORS = 3

# Kinds whose very nature is to place workers with clients (DESIGN.md §3: AI, ETTI, GEIQ, EATT).
STAFF_PROVISION_KINDS = frozenset({"AI", "ETTI", "GEIQ", "EATT"})
STAFF_PROVISION = "mise_a_disposition_personnel"

# What a source's offer kinds (levier.ingest.structures.OfferKind) mean in the rules core's provision
# kinds. Le marché's "PREST" (prestation de services) covers on-site and workshop work alike.
OFFER_TO_PROVISION = {
    "services": ("prestation_sur_site", "prestation_en_atelier"),
    "staff_provision": (STAFF_PROVISION,),
    "goods": ("fourniture_biens_produits",),
}


@lru_cache(maxsize=1)
def _classifier() -> Classifier:
    # The codes-only model (sectors' vocabulary, no CPV label file) gives the same answer on every
    # machine, which keeps imports idempotent whatever reference data a user has loaded.
    return Classifier(taxonomy=load_taxonomy())


@lru_cache(maxsize=4096)
def _sectors_from_naf(naf: str) -> tuple[Sector, ...]:
    found = load_taxonomy().sectors_for_naf(naf)
    if not found:
        return ()
    best = max(len(p) for p in found[0].naf_prefixes if naf.startswith(p))
    return tuple(s for s in found if any(naf.startswith(p) and len(p) == best for p in s.naf_prefixes))


def sectors_from_naf(naf: str | None) -> list[Sector]:
    """Sectors whose NAF prefixes cover the code, keeping only the most specific matches."""
    return list(_sectors_from_naf(naf)) if naf else []


@lru_cache(maxsize=1)
def _name_phrases() -> tuple[dict[str, tuple[str, ...]], int]:
    """Folded phrase -> sector codes, from the taxonomy's labels and keywords."""
    taxonomy = load_taxonomy()
    phrases: dict[str, set[str]] = {}
    for sector in taxonomy.sectors:
        for phrase in (sector.label, *sector.keywords):
            folded = fold(phrase)
            if len(folded) >= PHRASE_MIN_LENGTH and folded not in NAME_STOPWORDS:
                phrases.setdefault(folded, set()).add(sector.code)
    kept = {p: tuple(sorted(codes)) for p, codes in phrases.items() if len(codes) <= PHRASE_MAX_SECTORS}
    return kept, max(len(p.split()) for p in kept)


def sectors_from_name(name: str | None) -> list[Sector]:
    """Sectors of the longest trade phrase(s) of the taxonomy found, as whole words, in a name."""
    if not name:
        return []
    phrases, longest = _name_phrases()
    words = fold(name).split()
    best: list[str] = []
    best_length = 0
    for size in range(min(longest, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            codes = phrases.get(phrase)
            if codes is None or len(phrase) < best_length:
                continue
            if len(phrase) > best_length:
                best, best_length = [], len(phrase)
            best.extend(code for code in codes if code not in best)
    taxonomy = load_taxonomy()
    return [taxonomy.get(code) for code in best]


@lru_cache(maxsize=1024)
def _sectors_from_label(label: str) -> tuple[Sector, ...]:
    classification = _classifier().classify(label, limit=1)
    if not classification.sectors or classification.sectors[0].score < LABEL_SCORE_MIN:
        return ()
    sector = load_taxonomy().get(classification.sectors[0].code)
    return (sector,) if sector is not None else ()


def infer_sectors(naf: str | None, name: str | None, kinds: Iterable[str] = ()) -> list[Sector]:
    """Sectors deduced from the NAF code, else from the name; sectors no such kind works in are dropped."""
    kinds = set(kinds)
    found = sectors_from_naf(naf) or sectors_from_name(name)
    if kinds:
        compatible = [s for s in found if not s.structure_kinds or kinds & set(s.structure_kinds)]
        found = compatible or found
    return found


@lru_cache(maxsize=1)
def _sectors_by_label() -> dict[str, Sector]:
    return {fold(sector.label): sector for sector in load_taxonomy().sectors}


def map_sector_labels(labels: Iterable[str]) -> list[tuple[Sector, bool]]:
    """Levier sectors for the sector names of a source; the flag says whether the mapping was guessed."""
    taxonomy = load_taxonomy()
    by_label = _sectors_by_label()
    mapped: dict[str, tuple[Sector, bool]] = {}
    for label in labels:
        sector = taxonomy.get(label) or by_label.get(fold(label))
        if sector is not None:
            mapped.setdefault(sector.code, (sector, False))
            continue
        for guessed in sectors_from_name(label.replace("-", " ")) or _sectors_from_label(
            label.replace("-", " ")
        ):
            mapped.setdefault(guessed.code, (guessed, True))
    return list(mapped.values())


def provision_kinds(offer_kinds: Iterable[str], kinds: Iterable[str]) -> tuple[list[str], bool]:
    """The provision kinds a source gives, else those the kinds imply; the flag says "inferred"."""
    given = [kind for offer in offer_kinds for kind in OFFER_TO_PROVISION.get(offer, ())]
    if given:
        return sorted(set(given)), False
    if STAFF_PROVISION_KINDS & set(kinds):
        return [STAFF_PROVISION], True
    return [], True
