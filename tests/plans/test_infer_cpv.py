"""The import's CPV guesses are cached by token sequence: the cache must never change an answer."""

from levier.ingest.decp_pairs import read_pairs
from levier.plans import importing
from tests.paths import SHARED_DATA

SAMPLE = SHARED_DATA / "decp" / "samples" / "decp2019_e-marchespublics_2019-04-03.json"


def test_cached_guesses_equal_direct_classification_on_real_objects():
    objects = [pair.objet for pair in read_pairs([SAMPLE])][:150]
    # Variants that differ only by case, accents, punctuation and numbers share a cache entry.
    objects += [text.upper() + " (site 2)" for text in objects[:30]]
    importing._INFERRED_BY_WORDS.clear()
    classifier = importing._classifier()
    for text in objects:
        direct = classifier.classify(text, limit=1).cpv
        assert importing.infer_cpv(text) == (direct[0].code if direct else ""), text
    assert len(importing._INFERRED_BY_WORDS) < len(objects)
