"""Text folding shared by the rules: what buyers type must match regardless of accents, case, hyphens."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, every run of punctuation or space turned into one space.

    "Île-de-France" and "ile de  france" fold to the same string; "Œ" becomes "oe".
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", bare.lower()).strip()
