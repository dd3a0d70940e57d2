"""The normalised contract every DECP reader yields, whatever the source format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

KIND_CONTRACT = "marche"
KIND_CONCESSION = "concession"

# The values of `considerationsSociales` (schema 2.0.x), in the order reports show them.
SOCIAL_CLAUSE = "Clause sociale"
SOCIAL_CRITERION = "Critère social"
SOCIAL_RESERVED = "Marché réservé"
SOCIAL_RESERVED_CONCESSION = "Concession réservée"
SOCIAL_NONE = "Pas de considération sociale"
SOCIAL_VALUES = (SOCIAL_CLAUSE, SOCIAL_CRITERION, SOCIAL_RESERVED, SOCIAL_RESERVED_CONCESSION, SOCIAL_NONE)


@dataclass(slots=True)
class Holder:
    """A holder (titulaire, concessionnaire): its identifier as published and the SIRET when it is one."""

    identifier: str
    id_type: str
    siret: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Contract:
    """One awarded contract (or concession) with its modifications applied.

    `social` is None when the source does not publish social considerations (2019 format): such contracts
    are left out of every share of social considerations rather than counted as "none".
    """

    contract_id: str
    buyer_id: str
    kind: str = KIND_CONTRACT
    source_format: str = ""
    position: int = 0
    buyer_siret: str | None = None
    buyer_name: str | None = None
    buyer_kind: str = "autre"
    object: str = ""
    cpv: str | None = None
    nature: str | None = None
    legal_nature: str | None = None
    procedure: str | None = None
    place_code: str | None = None
    place_type: str | None = None
    departement: str | None = None
    region: str | None = None
    notified_on: dt.date | None = None
    published_on: dt.date | None = None
    duration_months: int | None = None
    initial_duration_months: int | None = None
    amount: float | None = None
    initial_amount: float | None = None
    modifications: int = 0
    social: tuple[str, ...] | None = None
    holders: list[Holder] = field(default_factory=list)
    initial_holders: list[Holder] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return self.notified_on.year if self.notified_on else None

    @property
    def social_known(self) -> bool:
        return self.social is not None

    def has_social(self, value: str) -> bool:
        return self.social is not None and value in self.social

    @property
    def reserved(self) -> bool:
        return self.has_social(SOCIAL_RESERVED) or self.has_social(SOCIAL_RESERVED_CONCESSION)

    @property
    def any_social(self) -> bool | None:
        """At least one social consideration (clause, criterion or reservation); None when unknown."""
        if self.social is None:
            return None
        return any(value != SOCIAL_NONE for value in self.social)
