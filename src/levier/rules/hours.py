"""Insertion hours a clause can require: amount HT × labour share × insertion rate ÷ loaded hourly cost.

Example (DESIGN §4): 1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h.

- The labour share depends on the trade; the sectors module supplies it (`labour_share` of a sector),
  passed in here as a number or as a mapping from sector code, so that each organisation's edited
  table is used rather than a constant.
- Cleaning and other contracts where staff are taken over from the previous holder: the effort
  counts only on newly assigned staff, so `taken_over_share` (share of the labour already employed
  and transferred) reduces the base.
- Rounding: to the nearest hour, halves up, never below zero. When hours are spread over years or
  tranches, each part is rounded by the largest-remainder method so that the parts add up exactly to
  the rounded total (a facilitator checks the sum against the clause).

Computations use Decimal so that a displayed calculation gives exactly the displayed result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache, wraps
from importlib import resources
from typing import Any


class HoursError(ValueError):
    """Inputs that cannot give a number of hours."""


@dataclass(frozen=True)
class HoursDefaults:
    insertion_rate: float
    hourly_cost: float
    valid_from: date
    valid_to: date | None
    insertion_rate_source: str
    hourly_cost_source: str
    editable: bool = True


@cache
def _defaults_table() -> tuple[HoursDefaults, ...]:
    raw = json.loads(
        resources.files("levier.rules").joinpath("data", "hours_defaults.json").read_text("utf-8")
    )
    return tuple(
        HoursDefaults(
            insertion_rate=float(item["insertion_rate"]),
            hourly_cost=float(item["hourly_cost"]),
            valid_from=date.fromisoformat(item["valid_from"]),
            valid_to=date.fromisoformat(item["valid_to"]) if item["valid_to"] else None,
            insertion_rate_source=item["insertion_rate_source"],
            hourly_cost_source=item["hourly_cost_source"],
            editable=bool(item.get("editable", True)),
        )
        for item in raw["defaults"]
    )


def defaults(on: date | None = None) -> HoursDefaults:
    """The default rate and hourly cost in force on a date (today when omitted)."""
    day = on or date.today()
    for item in _defaults_table():
        if item.valid_from <= day and (item.valid_to is None or day <= item.valid_to):
            return item
    raise HoursError(f"Aucune valeur par défaut des heures d'insertion pour le {day:%d/%m/%Y}.")


def _decimal(value: object, name_fr: str) -> Decimal:
    if isinstance(value, bool):
        raise HoursError(f"{name_fr} : nombre attendu.")
    try:
        number = (
            Decimal(str(value).replace(",", ".").strip()) if isinstance(value, str) else Decimal(str(value))
        )
    except (InvalidOperation, ValueError) as exc:
        raise HoursError(f"{name_fr} : nombre attendu, reçu « {value} ».") from exc
    if not number.is_finite():
        raise HoursError(f"{name_fr} : nombre fini attendu.")
    return number


def _share(value: object, name_fr: str) -> Decimal:
    """A share given as 0.5 or as 50 (percent); 0 to 1 after normalisation."""
    number = _decimal(value, name_fr)
    if number > 1:
        number = number / 100
    if number < 0 or number > 1:
        raise HoursError(f"{name_fr} : part entre 0 et 100 % attendue, reçu « {value} ».")
    return number


_ONE = Decimal(1)
_CENT = Decimal("0.01")
# Whole numbers below this bound are written without the Decimal round trip: with up to `_FAST_DECIMALS`
# decimals their quantized value holds at most 26 digits, well inside Decimal's 28, so nothing is rounded
# and no error can arise there; the digits are the same.
_FAST_INT_BOUND = 10**18
_FAST_DECIMALS = 8
# Floats that are whole and below this bound print as "123.0" (no exponent), so their Decimal is that integer.
_FAST_FLOAT_BOUND = 1e15


def round_hours(value: Decimal) -> int:
    """Nearest hour, halves up; never negative."""
    return max(0, int(value.quantize(_ONE, rounding=ROUND_HALF_UP)))


@cache
def _quantum(decimals: int) -> Decimal:
    return _ONE.scaleb(-decimals)


def _grouped(whole: int) -> str:
    """1234567 -> "1 234 567" (a negative number keeps its sign)."""
    return f"{whole:,}".replace(",", " ")


def format_number_fr(value: Decimal | float | int, decimals: int = 2) -> str:
    """1000000 -> "1 000 000", 27.5 -> "27,5", 12000.5 -> "12 000,5"."""
    if type(value) is int and 0 <= decimals <= _FAST_DECIMALS and -_FAST_INT_BOUND < value < _FAST_INT_BOUND:
        return _grouped(value)
    number = Decimal(str(value)).quantize(_quantum(decimals), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    grouped = _grouped(int(integer))
    fraction = fraction.rstrip("0")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def format_money_fr(value: Decimal | float | int) -> str:
    """Euros: "1 000 000 €", "12 000,50 €" (cents shown only when there are some)."""
    kind = type(value)
    if kind is int and -_FAST_INT_BOUND < value < _FAST_INT_BOUND:  # type: ignore[operator]
        return f"{_grouped(value)} €"  # type: ignore[arg-type]
    if kind is float and value.is_integer() and -_FAST_FLOAT_BOUND < value < _FAST_FLOAT_BOUND:  # type: ignore[union-attr]
        return f"{_grouped(int(value))} €"
    number = Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)
    # Quantized to the cent, the number reads "whole.cc": no cents shown when they are "00".
    sign = "-" if number < 0 else ""
    whole, _, cents = f"{abs(number):f}".partition(".")
    grouped = _grouped(int(whole))
    return f"{sign}{grouped} €" if cents == "00" else f"{sign}{grouped},{cents} €"


def format_percent_fr(share: Decimal | float) -> str:
    try:
        return _format_percent(share)
    except TypeError:  # unhashable (or a signalling NaN): the same text, without the memo
        return _format_percent.__wrapped__(share)


# Screenings format the same few shares and rates (labour share of a trade, insertion rate) again and again;
# equal values of one type give the same text (zero's sign included: "-0" is written "0").
@lru_cache(maxsize=1024, typed=True)
def _format_percent(share: Decimal | float) -> str:
    return f"{format_number_fr(Decimal(str(share)) * 100, 2)} %"


# --- The terms of the calculation but the amount, checked, converted and written once per value -----------
# A screening run computes hours for thousands of amounts with the same few shares, rate and cost.


def _memoised_for_plain_numbers(function):
    """`function` memoised when every argument is an int or a non-zero float: their Decimal (made from
    `str`) then depends on the value alone. The equal 0.0 and -0.0 give Decimal("0.0") and Decimal("-0.0"),
    equal Decimals may differ in exponent: those are computed each time, as are errors (never memoised)."""
    memoised = lru_cache(maxsize=1024, typed=True)(function)

    @wraps(function)
    def call(*values):
        for value in values:
            kind = type(value)
            if not (kind is int or (kind is float and value)):
                return function(*values)
        return memoised(*values)

    return call


@_memoised_for_plain_numbers
def _labour_terms(labour_share: object) -> tuple[Decimal, str]:
    share = _share(labour_share, "Part de main-d'œuvre")
    return share, format_percent_fr(share)


@_memoised_for_plain_numbers
def _other_terms(
    insertion_rate: object, hourly_cost: object, taken_over_share: object
) -> tuple[Decimal, Decimal, Decimal, str]:
    """Rate, cost and taken-over share (checked in that order), and the text from the taken-over share to
    the "=" sign: " × (1 − 20 % de personnel repris) × 5 % ÷ 30 €/h = "."""
    rate = _share(insertion_rate, "Taux d'insertion")
    cost = _decimal(hourly_cost, "Coût horaire chargé")
    if cost <= 0:
        raise HoursError("Coût horaire chargé : un montant strictement positif est attendu.")
    taken_over = _share(taken_over_share, "Part du personnel repris")
    taken_text = f" × (1 − {format_percent_fr(taken_over)} de personnel repris)" if taken_over else ""
    return (
        rate,
        cost,
        taken_over,
        f"{taken_text} × {format_percent_fr(rate)} ÷ {format_number_fr(cost)} €/h = ",
    )


@dataclass(frozen=True)
class HoursResult:
    """The hours and everything they were computed from, with the calculation in French."""

    amount_ht: Decimal
    labour_share: Decimal
    insertion_rate: Decimal
    hourly_cost: Decimal
    taken_over_share: Decimal
    hours_exact: Decimal
    hours: int
    explanation: str
    sector: str | None = None
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def labour_amount(self) -> Decimal:
        """The part of the amount paying for newly assigned labour."""
        return self.amount_ht * self.labour_share * (1 - self.taken_over_share)

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount_ht": float(self.amount_ht),
            "labour_share": float(self.labour_share),
            "insertion_rate": float(self.insertion_rate),
            "hourly_cost": float(self.hourly_cost),
            "taken_over_share": float(self.taken_over_share),
            "hours_exact": float(self.hours_exact),
            "hours": self.hours,
            "explanation": self.explanation,
            "sector": self.sector,
            "sources": dict(self.sources),
        }


def insertion_hours(
    amount_ht: object,
    labour_share: object | None = None,
    insertion_rate: object | None = None,
    hourly_cost: object | None = None,
    *,
    taken_over_share: object = 0,
    sector: str | None = None,
    labour_shares: Mapping[str, object] | None = None,
    on: date | None = None,
) -> HoursResult:
    """Hours of insertion work a clause can require on a contract.

    `labour_share` may be left out when `sector` and `labour_shares` (sector code -> share, from the
    sectors table) are given. `insertion_rate` and `hourly_cost` default to the dated defaults
    (5 %, 30 €/h), which each organisation may override. Shares accept 0.5 or 50.
    """
    sources: dict[str, str] = {}
    amount = _decimal(amount_ht, "Montant HT")
    if amount < 0:
        raise HoursError("Montant HT : un montant négatif ne donne pas d'heures d'insertion.")
    if labour_share is None:
        if sector is None:
            raise HoursError("Part de main-d'œuvre : indiquez-la ou choisissez un secteur.")
        if not labour_shares or sector not in labour_shares:
            raise HoursError(f"Secteur « {sector} » inconnu : sa part de main-d'œuvre n'est pas renseignée.")
        labour_share = labour_shares[sector]
        sources["labour_share"] = f"secteur {sector}"
    share, share_text = _labour_terms(labour_share)
    fallback = defaults(on) if insertion_rate is None or hourly_cost is None else None
    if insertion_rate is None:
        insertion_rate = fallback.insertion_rate  # type: ignore[union-attr]
        sources["insertion_rate"] = fallback.insertion_rate_source  # type: ignore[union-attr]
    if hourly_cost is None:
        hourly_cost = fallback.hourly_cost  # type: ignore[union-attr]
        sources["hourly_cost"] = fallback.hourly_cost_source  # type: ignore[union-attr]
    rate, cost, taken_over, rest_text = _other_terms(insertion_rate, hourly_cost, taken_over_share)

    exact = amount * share * (1 - taken_over) * rate / cost
    hours = round_hours(exact)
    explanation = f"{format_money_fr(amount)} × {share_text}{rest_text}{format_number_fr(hours)} h"
    return HoursResult(
        amount_ht=amount,
        labour_share=share,
        insertion_rate=rate,
        hourly_cost=cost,
        taken_over_share=taken_over,
        hours_exact=exact,
        hours=hours,
        explanation=explanation,
        sector=sector,
        sources=sources,
    )


# --- Spreading over years and tranches ------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodHours:
    label: str
    weight: Decimal  # months in the period, or the tranche's amount
    hours: int

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "weight": float(self.weight), "hours": self.hours}


@dataclass(frozen=True)
class HoursSpread:
    total: HoursResult
    periods: tuple[PeriodHours, ...]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total.to_dict(),
            "periods": [p.to_dict() for p in self.periods],
            "explanation": self.explanation,
        }


def apportion(total: int, weights: Sequence[Decimal]) -> list[int]:
    """Split a whole number in proportion to weights; parts are whole and add up to `total`.

    Largest remainder: each part gets the floor of its exact share, the hours left go to the
    largest remainders (earliest part first on ties).
    """
    if total < 0:
        raise HoursError("Un nombre d'heures négatif ne se répartit pas.")
    weight_sum = sum(weights, Decimal(0))
    if not weights:
        return []
    if weight_sum <= 0:
        raise HoursError("Répartition impossible : les poids (durées ou montants) sont nuls.")
    exact = [Decimal(total) * w / weight_sum for w in weights]
    parts = [int(e) for e in exact]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in order[:left]:
        parts[index] += 1
    return parts


def _months_per_year(start: date, duration_months: int) -> list[tuple[int, int]]:
    counts: dict[int, int] = {}
    year, month = start.year, start.month
    for _ in range(duration_months):
        counts[year] = counts.get(year, 0) + 1
        month += 1
        if month > 12:
            month, year = 1, year + 1
    return sorted(counts.items())


def spread_over_years(result: HoursResult, start: date, duration_months: int) -> HoursSpread:
    """Hours per calendar year, in proportion to the contract's months in each year."""
    if duration_months <= 0:
        raise HoursError("Durée du marché : un nombre de mois positif est attendu.")
    per_year = _months_per_year(start, int(duration_months))
    weights = [Decimal(months) for _year, months in per_year]
    parts = apportion(result.hours, weights)
    periods = tuple(
        PeriodHours(label=str(year), weight=Decimal(months), hours=hours)
        for (year, months), hours in zip(per_year, parts, strict=True)
    )
    detail = " ; ".join(f"{p.label} : {p.hours} h ({int(p.weight)} mois)" for p in periods)
    explanation = (
        f"{result.hours} h sur {duration_months} mois à partir du {start:%d/%m/%Y}, au prorata des mois "
        f"de chaque année : {detail}."
    )
    return HoursSpread(total=result, periods=periods, explanation=explanation)


def spread_over_tranches(
    result: HoursResult, tranche_amounts: Sequence[object], labels: Sequence[str] | None = None
) -> HoursSpread:
    """Hours per tranche (tranche ferme, tranches optionnelles), in proportion to their amounts."""
    amounts = [_decimal(value, "Montant de tranche") for value in tranche_amounts]
    if any(value < 0 for value in amounts):
        raise HoursError("Montant de tranche : un montant négatif n'est pas possible.")
    if labels is None:
        labels = ["Tranche ferme", *(f"Tranche optionnelle {i}" for i in range(1, len(amounts)))]
    if len(labels) != len(amounts):
        raise HoursError("Autant de libellés que de tranches sont attendus.")
    parts = apportion(result.hours, amounts)
    periods = tuple(
        PeriodHours(label=label, weight=amount, hours=hours)
        for label, amount, hours in zip(labels, amounts, parts, strict=True)
    )
    detail = " ; ".join(f"{p.label} : {p.hours} h ({format_money_fr(p.weight)})" for p in periods)
    explanation = f"{result.hours} h réparties au prorata des montants des tranches : {detail}."
    return HoursSpread(total=result, periods=periods, explanation=explanation)
