"""Sub-areas of a wide place of execution, the ground for geographic lots when a purchase has one place.

A purchase carried out over a région is cut along its départements (shipped reference data). One carried
out over a département is cut into nine sectors around its chef-lieu: the centre and eight directions
(nord, nord-est, ... at `SECTOR_OFFSET_KM`), each a point the engine can group into lots and test against
the structures' areas (`splits.propose_splits` reads `PurchaseInput.sites`). A sector is named
"<département> <direction>" so that a lot made from it keeps a place that `sector_place` finds again.

The chef-lieu stands for the centre of the département (the shipped table has no other point): sectors
are an approximation, good enough to show whether nearby structures could carry a lot each.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from levier.rules.geography import Geography, get_geography
from levier.screening.model import PlaceInput
from levier.screening.splits import middle_place

# Half the width of a typical département (about 6,000 km²): the middle of an outer sector.
SECTOR_OFFSET_KM = 25.0
KM_PER_DEGREE = 111.2
DIRECTIONS = (
    ("nord", 0),
    ("nord-est", 45),
    ("est", 90),
    ("sud-est", 135),
    ("sud", 180),
    ("sud-ouest", 225),
    ("ouest", 270),
    ("nord-ouest", 315),
)
CENTRE = "centre"
_SECTOR = re.compile(
    r"^(?P<name>.+) (?P<direction>centre|nord-est|nord-ouest|sud-est|sud-ouest|nord|sud|est|ouest)$"
)


def _shifted(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    rad = math.radians(bearing)
    dlat = km * math.cos(rad) / KM_PER_DEGREE
    dlon = km * math.sin(rad) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + dlat, 4), round(lon + dlon, 4)


def departement_sectors(code: str, geography: Geography | None = None) -> tuple[PlaceInput, ...]:
    """The centre and eight outer sectors of a département, or () when it is unknown."""
    dep = (geography or get_geography()).departements.get(code)
    if dep is None:
        return ()
    found = [PlaceInput(label=f"{dep.name} {CENTRE}", departement=dep.code, lat=dep.lat, lon=dep.lon)]
    for direction, bearing in DIRECTIONS:
        lat, lon = _shifted(dep.lat, dep.lon, bearing, SECTOR_OFFSET_KM)
        found.append(PlaceInput(label=f"{dep.name} {direction}", departement=dep.code, lat=lat, lon=lon))
    return tuple(found)


def region_departements(code: str, geography: Geography | None = None) -> tuple[PlaceInput, ...]:
    """The départements of a région as places, or () when it is unknown."""
    geography = geography or get_geography()
    found = []
    for dep_code in geography.departements_of_region(code):
        dep = geography.departements[dep_code]
        found.append(PlaceInput(label=dep.name, departement=dep.code, lat=dep.lat, lon=dep.lon))
    return tuple(found)


def sector_place(label: str, geography: Geography | None = None) -> PlaceInput | None:
    """The sector a lot's place names ("Doubs nord-est"), or None when the text is no sector's name.

    A lot made from several sectors is named after them, comma-separated: its place is their middle."""
    geography = geography or get_geography()
    by_name = {dep.name: dep.code for dep in geography.departements.values()}
    points = []
    for part in (p.strip() for p in label.split(",")):
        match = _SECTOR.match(part)
        if match is None or match["name"] not in by_name:
            return None
        sectors = {s.label: s for s in departement_sectors(by_name[match["name"]], geography)}
        points.append(sectors[part])
    if not points:
        return None
    middle = middle_place(label, [p.departement for p in points], [(p.lat, p.lon) for p in points])
    return replace(middle, lat=round(middle.lat, 4), lon=round(middle.lon, 4))  # type: ignore[arg-type]
