"""Amount bands of the benchmark, cut at the thresholds in force on a reference date (rules.legal).

No competition needed, publicity, EU supplies and services, EU works: the bands follow the legal frame when
it changes, and the pre-aggregated table of the store records the cuts it was built with.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from levier.rules import legal


@dataclass(frozen=True)
class Band:
    key: str
    label_fr: str
    low: float
    high: float | None


def _euros(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") + " €"


def amount_bands(on: dt.date | None = None) -> list[Band]:
    """Bands cut at the thresholds in force on `on` (today by default): no competition, publicity, EU."""
    day = on or dt.date.today()
    cuts = sorted(
        {
            legal.no_publicity_threshold("services", day).amount,
            legal.threshold_in_force("publicity_boamp", day, "services", "any").amount,
            legal.eu_threshold("services", legal.BUYER_GROUP_OTHER, day).amount,
            legal.eu_threshold("works", legal.BUYER_GROUP_OTHER, day).amount,
        }
    )
    bands = [Band("0", f"moins de {_euros(cuts[0])}", 0, cuts[0])]
    for index, (low, high) in enumerate(itertools.pairwise(cuts), 1):
        bands.append(Band(str(index), f"de {_euros(low)} à {_euros(high)}", low, high))
    bands.append(Band(str(len(cuts)), f"{_euros(cuts[-1])} et plus", cuts[-1], None))
    return bands


def band_sql(bands: list[Band]) -> str:
    cases = " ".join(
        f"WHEN amount < {band.high} THEN '{band.key}'" for band in bands if band.high is not None
    )
    return f"CASE WHEN amount IS NULL THEN NULL {cases} ELSE '{bands[-1].key}' END"
