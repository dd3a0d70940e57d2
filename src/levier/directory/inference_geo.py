"""Places for structures whose file gives no coordinates: the commune's point, else the département's.

Communes come from the user's reference file (`levier refdata communes`, read through
`levier.rules.geography`); without it every structure is placed at its département's chef-lieu and says
so (`precision="departement"`). The lookups are exact (INSEE code, postcode, then postcode and folded
name): a fuzzy match on 35,000 commune names would cost more than the whole import and could place a
structure in the wrong town.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from levier.rules.geography import Geography, Place, departement_of_postcode, normalize_departement_code
from levier.rules.text import fold

_CEDEX = re.compile(r"\s+cedex(\s+\d+)?$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def _name_key(name: str) -> str:
    words = _CEDEX.sub("", fold(name)).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


@dataclass(frozen=True)
class Located:
    lat: float
    lon: float
    precision: str  # "commune" or "departement" (PositionPrecision values)
    insee_code: str | None
    departement: str


class Geocoder:
    def __init__(self, geography: Geography) -> None:
        self.geography = geography
        self._by_postcode: dict[str, list[str]] = {}
        self._by_name: dict[str, list[str]] = {}
        for commune in geography.iter_communes():
            for postcode in commune.postcodes:
                self._by_postcode.setdefault(postcode, []).append(commune.code)
            self._by_name.setdefault(_name_key(commune.name), []).append(commune.code)

    @property
    def has_communes(self) -> bool:
        return bool(self.geography.communes)

    def _commune(self, insee_code: str | None, postcode: str | None, city: str | None) -> Place | None:
        if insee_code:
            place = self.geography.commune_place(insee_code)
            if place is not None:
                return place
        codes = self._by_postcode.get(postcode or "", [])
        if len(codes) > 1 and city:
            named = set(self._by_name.get(_name_key(city), ()))
            codes = [code for code in codes if code in named] or codes
        if len(codes) == 1:
            return self.geography.commune_place(codes[0])
        if not codes and city and postcode:
            # A CEDEX postcode belongs to no commune: the name within the postcode's département.
            departement = departement_of_postcode(postcode)
            named = [
                code
                for code in self._by_name.get(_name_key(city), ())
                if self.geography.communes[code].departement == departement
            ]
            if len(named) == 1:
                return self.geography.commune_place(named[0])
        return None

    def locate(
        self,
        insee_code: str | None,
        postcode: str | None,
        city: str | None,
        departement: str | None,
    ) -> Located | None:
        place = self._commune(insee_code, postcode, city) if self.has_communes else None
        if place is not None and place.has_position:
            # A commune without coordinates in the user's file stands at its département's chef-lieu.
            precision = "departement" if place.note_fr else "commune"
            return Located(place.lat, place.lon, precision, place.code, place.departement or "")
        code = normalize_departement_code(departement or "") if departement else None
        if code is None and postcode:
            code = departement_of_postcode(postcode)
        dep = self.geography.departements.get(code or "")
        if dep is None:
            return None
        return Located(dep.lat, dep.lon, "departement", None, dep.code)
