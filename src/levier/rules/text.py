"""Text folding shared by the rules and the readers: what buyers type must match regardless of accents,
case, hyphens.

One primitive, `unaccent`, takes accents off in one of two ways, and the folds built on it differ only in
what they do with the signs left over:

- by Unicode decomposition (the default): letters lose their accents, "²" becomes "2", "œ" becomes "oe",
  and signs stay as they are ("€", "°", "’", "–"), so that `fold` turns them into spaces;
- by transliteration (`transliterate=True`, unidecode): every character is spelled in ASCII, "€" as "eur",
  "’" as "'", "–" as "-", "æ" as "ae", "°" as "deg". The readers of French values use it, since the
  apostrophe of "l’an" and the euro of "12 000 €" carry meaning there.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def unaccent(text: str, *, transliterate: bool = False) -> str:
    """`text` in lower case without accents, by decomposition or, with `transliterate`, spelled in ASCII."""
    if transliterate:
        return unidecode(text).lower()
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def fold(text: str, *, transliterate: bool = False) -> str:
    """Lower case, accents removed, every run of punctuation or space turned into one space.

    "Île-de-France" and "ile de  france" fold to the same string; "Œ" becomes "oe". With `transliterate`,
    signs are spelled first: "Montant (€)" folds to "montant eur" instead of "montant".
    """
    return _NON_ALNUM.sub(" ", unaccent(text, transliterate=transliterate)).strip()


def fold_words(text: str) -> str:
    """Transliterated to lower-case ASCII with one space between words, punctuation kept.

    The form French values are matched in: "12 000 € H.T. / l’an" gives "12 000 eur h.t. / l'an".
    """
    return " ".join(unaccent(text, transliterate=True).split())
