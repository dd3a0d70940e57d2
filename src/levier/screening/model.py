"""What the screening engine reads and returns: plain frozen dataclasses, no Django.

The Django side builds `PurchaseInput` rows from the plan, `StructureEntry` rows from the directory
(once, then `DirectoryIndex.build(entries)`), a `Policy` from the organisation's settings, and calls
`screen`. Everything a user reads (labels, factors, justifications) is French.

Example::

    from datetime import date
    from levier.screening import DirectoryIndex, Policy, PlaceInput, PurchaseInput, StructureEntry, screen

    index = DirectoryIndex.build([
        StructureEntry(id=1, name="ESAT Les Ateliers", kinds=("ESAT",), sectors=("restauration",),
                       lat=45.76, lon=4.83, departement="69", turnover=900_000),
    ])
    purchase = PurchaseInput(
        key="2027-12", object="Restauration collective des crèches", cpv="55523100", nature="services",
        annual_amount=400_000, duration_months=48, launch_date=date(2027, 1, 15),
        place=PlaceInput(label="Lyon", departement="69", lat=45.76, lon=4.83),
    )
    result = screen(purchase, index, Policy(buyer_kind="commune"))
    result.recommendation.label_fr      # "Réserver aux ESAT et EA (L2113-12)" or another option
    result.frame.obligation_applies     # True: L2112-2-1 applies (after 21/08/2026, above EU threshold)
    [f.text_fr for f in result.recommendation.factors]
    result.to_dict()                    # JSON-ready, for storage or the API
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# Kinds of provision that decide the default radius of a structure whose intervention area is unknown.
PROVISION_ON_SITE = "on_site"
PROVISION_DELIVERED = "delivered"

# Option codes, in no particular order (the engine ranks them).
RESERVE_DISABILITY = "reserve_disability"  # L2113-12: ESAT, EA
RESERVE_INSERTION = "reserve_insertion"  # L2113-13: SIAE
RESERVE_BOTH = "reserve_both"  # L2113-14
RESERVE_ESS = "reserve_ess"  # L2113-15
RESERVE_LOTS = "reserve_lots"  # reserve one or more lots
CLAUSE = "clause"  # insertion clause in the execution conditions (L2112-2)
CRITERION = "criterion"  # social award criterion (R2152-7)
CLAUSE_AND_CRITERION = "clause_criterion"
NONE = "none"

RESERVATIONS = (RESERVE_DISABILITY, RESERVE_INSERTION, RESERVE_BOTH, RESERVE_ESS)

# Which structure kinds each reservation opens to.
DISABILITY_KINDS = frozenset({"EA", "EATT", "ESAT"})
INSERTION_KINDS = frozenset({"ACI", "AI", "EI", "ETTI", "EITI"})
ESS_KINDS = frozenset({"ESS"})
KINDS_BY_OPTION: dict[str, frozenset[str]] = {
    RESERVE_DISABILITY: DISABILITY_KINDS,
    RESERVE_INSERTION: INSERTION_KINDS,
    RESERVE_BOTH: DISABILITY_KINDS | INSERTION_KINDS,
    # Any inclusive structure can be the partner of a clause (hire, staff provision, subcontracting).
    CLAUSE: DISABILITY_KINDS | INSERTION_KINDS | frozenset({"GEIQ"}),
    CRITERION: DISABILITY_KINDS | INSERTION_KINDS | frozenset({"GEIQ"}),
    CLAUSE_AND_CRITERION: DISABILITY_KINDS | INSERTION_KINDS | frozenset({"GEIQ"}),
    RESERVE_ESS: ESS_KINDS,
}


# --- Inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceInput:
    """Where the contract is carried out: any of commune (INSEE), département, position."""

    label: str = ""
    commune: str | None = None
    departement: str | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class LotInput:
    """One lot. Fields left None take the purchase's value (same CPV, place, duration)."""

    key: str
    title: str = ""
    cpv: str | None = None
    nature: str | None = None
    annual_amount: float | None = None
    total_amount: float | None = None
    duration_months: int | None = None
    place: PlaceInput | None = None
    reserved: str = ""  # reservation already planned on the lot (plans.Reservation value), "" when none


@dataclass(frozen=True)
class PurchaseInput:
    """A planned purchase. Amounts are HT; give at least one of annual_amount and total_amount.

    `planned_*` say which social consideration the plan already carries, so the report can list the
    purchases where one is compulsory but none is planned.
    """

    key: str
    object: str
    cpv: str | None = None
    nature: str | None = None  # "works", "supplies", "services"; None: from the CPV
    annual_amount: float | None = None
    total_amount: float | None = None
    duration_months: int | None = None
    place: PlaceInput | None = None
    launch_date: date | None = None
    current_holder_siret: str = ""
    lots: tuple[LotInput, ...] = ()
    # Several places of execution (schools, parks, sites): the ground for geographic lots.
    sites: tuple[PlaceInput, ...] = ()
    # Secondary CPV codes of a purchase spanning several trades: the ground for lots by trade.
    other_cpvs: tuple[str, ...] = ()
    defence_or_security: bool = False
    planned_reservation: str = ""
    planned_clause: bool = False
    planned_criterion: bool = False


@dataclass(frozen=True)
class StructureEntry:
    """One directory structure, as the in-memory index holds it.

    area_kind: "radius" (area_radius_km around lat/lon), "departements" (area_departements),
    "national", or "" (unknown: the policy's default radius for the kind of provision applies).
    Capacity: `max_contract_amount` when known, else a share of `turnover`, else estimated from
    `headcount` or `esat_capacity`; a structure with none of them is kept with "capacité inconnue".
    """

    id: int | str
    name: str
    kinds: tuple[str, ...]
    sectors: tuple[str, ...]
    siret: str = ""
    lat: float | None = None
    lon: float | None = None
    departement: str = ""
    area_kind: str = ""
    area_radius_km: float | None = None
    area_departements: tuple[str, ...] = ()
    headcount: int | None = None
    esat_capacity: int | None = None
    turnover: float | None = None
    max_contract_amount: float | None = None
    capacity_basis: str = ""  # "entered", "declared", "estimated" (directory.Basis)


@dataclass(frozen=True)
class Policy:
    """An organisation's screening settings, with Levier's defaults.

    Rates left None take the dated defaults of the rules core (rules.hours.defaults).
    """

    buyer_kind: str = "commune"
    central_government: bool | None = None
    reserved_meets_obligation: bool = True
    min_candidates_to_reserve: int = 3
    # Largest share of a structure's yearly turnover one contract (or lot) may take, per year.
    max_turnover_share: float = 0.5
    insertion_rate: float | None = None
    hourly_cost: float | None = None
    # Default intervention radius (km) of a structure whose area is unknown, by kind of provision.
    radius_on_site_km: float = 50.0
    radius_delivered_km: float = 200.0
    # Yearly turnover per worker used when only a headcount (or ESAT places) is known.
    turnover_per_worker: float = 50_000.0
    turnover_per_esat_place: float = 15_000.0
    # Below this many hours a clause is too small to follow.
    min_clause_hours: int = 70
    labour_shares: Mapping[str, float] = field(default_factory=dict)  # sector code -> own share


# --- Outputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One reason behind a score: `weight` is the points it adds (negative: it takes some away)."""

    code: str
    text_fr: str
    weight: float


@dataclass(frozen=True)
class Candidate:
    id: int | str
    name: str
    kinds: tuple[str, ...]
    distance_km: float | None
    capacity: float | None  # largest yearly amount it can carry; None when unknown
    capacity_known: bool


@dataclass(frozen=True)
class Option:
    code: str
    label_fr: str
    articles: tuple[str, ...]
    score: float  # 0 to 100; the ranking key
    factors: tuple[Factor, ...]
    candidates: tuple[Candidate, ...] = ()
    candidate_counts: Mapping[str, int] = field(default_factory=dict)  # kind -> capable structures
    hours: int | None = None  # insertion hours, clause options only
    hours_explanation: str = ""
    lots: tuple[str, ...] = ()  # lot keys, for RESERVE_LOTS
    risky: bool = False
    warnings_fr: tuple[str, ...] = ()
    justification_fr: str = ""  # for NONE when a consideration is compulsory
    meets_obligation: bool = False

    @property
    def candidate_count(self) -> int:
        return len(self.candidates)


@dataclass(frozen=True)
class SplitLot:
    """One proposed lot: what the buyer needs to create it (number, title, amount, place, CPV)."""

    label_fr: str
    annual_amount: float
    departements: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    cpv: str | None = None
    candidates: tuple[Candidate, ...] = ()
    number: str = ""
    title: str = ""
    place: PlaceInput | None = None
    share: float = 0.0  # share of the purchase's amount

    @property
    def candidate_count(self) -> int:
        return len(self.candidates)


@dataclass(frozen=True)
class LotSplit:
    """A way to cut a purchase so that reserved lots find capable bidders."""

    basis: str  # "geography" or "trade"
    label_fr: str
    option: str  # the reservation it enables (RESERVE_* code)
    candidates_before: int
    candidates_after: int  # distinct capable structures over the lots
    lots: tuple[SplitLot, ...]
    summary_fr: str


@dataclass(frozen=True)
class LotScreening:
    key: str
    title: str
    annual_amount: float | None
    options: tuple[Option, ...]
    hours: int | None

    @property
    def recommendation(self) -> Option:
        return self.options[0]


@dataclass(frozen=True)
class Screening:
    purchase_key: str
    frame: Any  # levier.rules.legal.Frame; None when the legal frame could not be built (see notes_fr)
    compulsory: bool  # a social consideration is compulsory (L2112-2-1)
    options: tuple[Option, ...]  # ranked, best first
    lots: tuple[LotScreening, ...]
    splits: tuple[LotSplit, ...]
    hours: int | None
    sectors: tuple[str, ...]
    labour_share: float | None
    notes_fr: tuple[str, ...] = ()
    compulsory_unmet: bool = False  # compulsory and the plan carries nothing yet

    @property
    def recommendation(self) -> Option:
        return self.options[0]

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["frame"] = self.frame.to_dict() if self.frame is not None else None
        data["recommendation"] = self.recommendation.code
        return data
