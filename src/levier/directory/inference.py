"""What Levier deduces about a structure when its source does not say: sectors and ways of working.

Sectors come first from the NAF code (the taxonomy's `naf_prefixes`, rules/data/sectors.json), then, when
the NAF code says nothing about the trade, from the name through the rules core's classifier; both are
stored with `inferred=True`. The classifier's guesses on bare names are often wrong ("Communauté
d'agglomération du Pays de Laon" reads like green spaces), so only a confident first guess is kept.

Sector names of other taxonomies (le marché de l'inclusion's `sectors`, an EA file's "secteurs d'activité")
are mapped onto Levier's taxonomy the same way: by code when it is one of ours, else by the classifier.

Pure Python: no database; the import service and the factory of benchmark data share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from levier.rules.classify import Classifier
from levier.rules.sectors import Sector, Taxonomy, load_taxonomy
from levier.rules.text import fold

# The classifier's score (0-1) the first sector guessed from a name must reach to be kept. Chosen on the
# SIAE and ESAT names of the national lists: at 0.4 "CAP INTERIM 02" (staff provision, 0.66) and
# "ASSOC AID SERVICES" (home help, 0.44) are kept, "COMMUNAUTE AGGLOMERATION DU PAYS DE LAON" (0.45 green
# spaces) is the kind of error that remains; below, most guesses are noise.
NAME_SCORE_MIN = 0.4
# A sector label of another taxonomy is a short, clear phrase: a lower bar suffices.
LABEL_SCORE_MIN = 0.2

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


def sectors_from_naf(naf: str | None, taxonomy: Taxonomy | None = None) -> list[Sector]:
    """Sectors whose NAF prefixes cover the code, keeping only the most specific matches."""
    if not naf:
        return []
    taxonomy = taxonomy or load_taxonomy()
    found = taxonomy.sectors_for_naf(naf)
    if not found:
        return []
    best = max(len(p) for p in found[0].naf_prefixes if naf.startswith(p))
    return [s for s in found if any(naf.startswith(p) and len(p) == best for p in s.naf_prefixes)]


def sectors_from_text(text: str | None, minimum: float) -> list[Sector]:
    """The classifier's first sector for a free text, when its score reaches `minimum`."""
    if not text or not fold(text):
        return []
    classification = _classifier().classify(text, limit=1)
    if not classification.sectors or classification.sectors[0].score < minimum:
        return []
    sector = _classifier().taxonomy.get(classification.sectors[0].code)
    return [sector] if sector is not None else []


def infer_sectors(naf: str | None, name: str | None, kinds: Iterable[str] = ()) -> list[Sector]:
    """Sectors deduced from the NAF code, else from the name; sectors no such kind works in are dropped."""
    kinds = set(kinds)
    found = sectors_from_naf(naf) or sectors_from_text(name, NAME_SCORE_MIN)
    if kinds:
        compatible = [s for s in found if not s.structure_kinds or kinds & set(s.structure_kinds)]
        found = compatible or found
    return found


def map_sector_labels(labels: Iterable[str]) -> list[tuple[Sector, bool]]:
    """Levier sectors for the sector names of a source; the flag says whether the mapping was guessed."""
    taxonomy = load_taxonomy()
    by_label = {fold(sector.label): sector for sector in taxonomy.sectors}
    mapped: dict[str, tuple[Sector, bool]] = {}
    for label in labels:
        sector = taxonomy.get(label) or by_label.get(fold(label))
        if sector is not None:
            mapped.setdefault(sector.code, (sector, False))
            continue
        for guessed in sectors_from_text(label.replace("-", " "), LABEL_SCORE_MIN):
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
