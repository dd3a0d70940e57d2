"""The options of one purchase or lot, each with a score out of 100 and its factors in French.

Scores add points factor by factor so that every point can be explained: supply (capable candidates
against the organisation's minimum), labour intensity, the national rate for similar contracts, an
inclusive incumbent, amount, duration and nature. Supply only ever adds points as it grows, so more
capable candidates never lower a reservation's score (tests check it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from levier.rules.hours import HoursResult, format_money_fr, format_percent_fr
from levier.rules.legal import Frame, articles, ess_reservation_issues
from levier.screening.model import (
    CLAUSE,
    CLAUSE_AND_CRITERION,
    CRITERION,
    KINDS_BY_OPTION,
    NONE,
    RESERVATIONS,
    RESERVE_BOTH,
    RESERVE_DISABILITY,
    RESERVE_ESS,
    RESERVE_INSERTION,
    Candidate,
    Factor,
    Option,
    Policy,
    StructureEntry,
)

# Option code -> id of the article in rules/data/articles.json.
ARTICLE_IDS = {
    RESERVE_DISABILITY: "reserved_disability",
    RESERVE_INSERTION: "reserved_insertion",
    RESERVE_BOTH: "reserved_both",
    RESERVE_ESS: "reserved_ess",
    CLAUSE: "insertion_clause",
    CRITERION: "social_criterion",
}
KIND_GROUPS_FR = {
    RESERVE_DISABILITY: "ESAT et EA",
    RESERVE_INSERTION: "SIAE",
    RESERVE_BOTH: "ESAT, EA et SIAE",
    RESERVE_ESS: "entreprises de l'ESS",
}
ORDER = (
    RESERVE_DISABILITY,
    RESERVE_INSERTION,
    RESERVE_BOTH,
    RESERVE_ESS,
    "reserve_lots",
    CLAUSE,
    CLAUSE_AND_CRITERION,
    CRITERION,
    NONE,
)


@cache
def article(code: str) -> str:
    return articles()[ARTICLE_IDS[code]].article


@dataclass(frozen=True)
class Context:
    """What every option of one purchase or lot is weighed on."""

    frame: Frame | None
    compulsory: bool
    policy: Policy
    sectors: tuple[str, ...]
    usual_kinds: frozenset[str]
    labour_share: float | None
    annual_amount: float | None
    total_amount: float | None
    duration_months: int | None
    nature: str | None
    national_rate: float | None
    incumbent: StructureEntry | None
    hours: HoursResult | None


def _counts(candidates: Sequence[Candidate], kinds: frozenset[str]) -> dict[str, int]:
    counter: dict[str, int] = {}
    for candidate in candidates:
        for kind in candidate.kinds:
            if kind in kinds:
                counter[kind] = counter.get(kind, 0) + 1
    return dict(sorted(counter.items()))


def _counts_fr(counts: dict[str, int]) -> str:
    return _counts_text(tuple(counts.items()))


@lru_cache(maxsize=4096)
def _counts_text(counts: tuple[tuple[str, int], ...]) -> str:
    return ", ".join([f"{n} {kind}" for kind, n in counts]) or "aucune"


# Factors and labels repeat from one purchase to the next: those that depend on a few discrete values are
# made once per value (functools caches; a Factor is frozen, so sharing one is safe).


@lru_cache(maxsize=4096)
def supply_factor(count: int, minimum: int, group_fr: str) -> tuple[Factor, bool]:
    """Points for the number of capable candidates (never fewer for more), and whether it is risky."""
    minimum = max(minimum, 1)
    # 0 → 0 points; the minimum → 30; three times the minimum and more → 45.
    if count >= minimum:
        points = 30 + 15 * min(count - minimum, 2 * minimum) / (2 * minimum)
    else:
        points = 30 * count / minimum - 10 * (minimum - count) / minimum
    risky = 0 < count < minimum
    if count == 0:
        text = f"Aucune structure capable ({group_fr}) ne couvre le lieu, le métier et le volume."
    elif risky:
        text = (
            f"{count} structure(s) capable(s) ({group_fr}) seulement, pour un minimum de {minimum} fixé "
            "par l'organisation : risque de consultation infructueuse."
        )
    else:
        text = f"{count} structures capables ({group_fr}) : au moins {minimum}, la concurrence est possible."
    return Factor("supply", text, round(points, 1)), risky


def _labour_factor(ctx: Context, weight: float) -> Factor | None:
    return None if ctx.labour_share is None else _labour_factor_for(ctx.labour_share, weight)


@lru_cache(maxsize=1024)
def _labour_factor_for(share: float, weight: float) -> Factor:
    level = "forte" if share >= 0.6 else "moyenne" if share >= 0.35 else "faible"
    return Factor(
        "labour",
        f"Intensité de main-d'œuvre {level} ({format_percent_fr(share)} du prix) dans ce métier.",
        round(weight * share, 1),
    )


def _rate_factor(ctx: Context, weight: float) -> Factor | None:
    if ctx.national_rate is None:
        return None
    return _rate_factor_for(ctx.national_rate, weight)


@lru_cache(maxsize=4096, typed=True)
def _rate_factor_for(rate: float, weight: float) -> Factor:
    return Factor(
        "national_rate",
        f"Au niveau national, {format_percent_fr(rate)} des marchés comparables (même CPV) portent une "
        "considération sociale.",
        round(weight * min(rate / 0.3, 1.0), 1),
    )


def _incumbent_factor(ctx: Context, kinds: frozenset[str]) -> Factor | None:
    if ctx.incumbent is None:
        return None
    if kinds.isdisjoint(ctx.incumbent.kinds):
        return None
    return Factor(
        "incumbent",
        f"Le marché en cours est tenu par une structure inclusive ({ctx.incumbent.name}, "
        f"{'/'.join(ctx.incumbent.kinds)}) : la réservation prolonge une relation qui fonctionne.",
        15.0,
    )


_WORKS_RESERVED = Factor(
    "nature", "Travaux : les structures inclusives y interviennent surtout en sous-traitance.", -10.0
)
_WORKS_CLAUSE = Factor("nature", "Travaux : la clause d'insertion y est l'usage le plus répandu.", 5.0)
_SERVICES_RESERVED = Factor("nature", "Services : le cœur de l'offre des structures inclusives.", 5.0)


def _nature_factor(ctx: Context, reservation: bool) -> Factor | None:
    if ctx.nature == "works" and reservation:
        return _WORKS_RESERVED
    if ctx.nature == "works":
        return _WORKS_CLAUSE
    if ctx.nature == "services" and reservation:
        return _SERVICES_RESERVED
    return None


def _amount_text(ctx: Context) -> str:
    amount = ctx.annual_amount
    return _yearly_fr(round(amount)) if amount else "montant annuel inconnu"


@lru_cache(maxsize=4096)
def _yearly_fr(amount: int) -> str:
    return format_money_fr(amount) + " HT par an"


_EFFECT = Factor(
    "effect",
    "Tout le marché est exécuté par des structures inclusives : l'effet social le plus fort.",
    15.0,
)
_BOTH = Factor(
    "both",
    "Réservation conjointe (L2113-14) : moins courante, à réserver aux deux publics.",
    -2.0,
)
_RESERVED_MEETS = Factor(
    "obligation",
    "Satisfait l'obligation de considération sociale (L2112-2-1) selon le paramétrage de l'organisation.",
    15.0,
)


def effect_factor() -> Factor:
    return _EFFECT


@lru_cache(maxsize=256)
def _usual_kinds_factor(kinds: frozenset[str], usual_kinds: frozenset[str], group_fr: str) -> Factor:
    usual = kinds & usual_kinds
    if usual:
        return Factor("usual_kinds", f"Métier habituel des {', '.join(sorted(usual))}.", 5.0)
    return Factor("usual_kinds", f"Métier peu courant chez les {group_fr}.", -5.0)


@lru_cache(maxsize=256)
def _long_duration_factor(months: int) -> Factor:
    return Factor(
        "duration",
        f"Durée longue ({months} mois) : engagement lourd pour une petite structure.",
        -3.0,
    )


@cache
def _reservation_label(code: str) -> str:
    return f"Réserver aux {KIND_GROUPS_FR[code]} ({article(code)})"


def reservation_option(code: str, candidates: Sequence[Candidate], ctx: Context) -> Option:
    kinds = KINDS_BY_OPTION[code]
    chosen = [c for c in candidates if not kinds.isdisjoint(c.kinds)]
    group_fr = KIND_GROUPS_FR[code]
    supply, risky = supply_factor(len(chosen), ctx.policy.min_candidates_to_reserve, group_fr)
    factors: list[Factor] = [supply]
    counts = _counts(chosen, kinds)
    factors.append(
        Factor(
            "amount",
            f"Volume : {_amount_text(ctx)}, comparé à la capacité de chaque structure ; par type : "
            f"{_counts_fr(counts)}.",
            0.0,
        )
    )
    unknown = sum(1 for c in chosen if not c.capacity_known)
    if unknown:
        factors.append(
            Factor("capacity_unknown", f"Capacité inconnue pour {unknown} d'entre elles : à vérifier.", 0.0)
        )
    if ctx.usual_kinds:
        factors.append(_usual_kinds_factor(kinds, ctx.usual_kinds, group_fr))
    for factor in (
        _labour_factor(ctx, 15.0),
        _rate_factor(ctx, 10.0),
        _incumbent_factor(ctx, kinds),
        _nature_factor(ctx, True),
    ):
        if factor is not None:
            factors.append(factor)
    warnings: list[str] = []
    if code == RESERVE_ESS:
        warnings.extend(ess_reservation_issues(ctx.duration_months, False))
        if warnings:
            factors.append(Factor("duration", warnings[0], -30.0))
    elif ctx.duration_months and ctx.duration_months > 48:
        factors.append(_long_duration_factor(ctx.duration_months))
    if len(chosen) >= ctx.policy.min_candidates_to_reserve:
        factors.append(_EFFECT)
    if code == RESERVE_BOTH:
        factors.append(_BOTH)
    meets = bool(ctx.compulsory and ctx.frame is not None and ctx.frame.reserved_meets_obligation)
    if meets:
        factors.append(_RESERVED_MEETS)
    if risky:
        warnings.append(
            f"Seulement {len(chosen)} candidat(s) capable(s) : réserver expose à une consultation "
            "infructueuse ; vérifier la capacité avant de lancer (sourcing)."
        )
    score = total_score(factors)
    if not chosen:
        score = 0.0
    return Option(
        code=code,
        label_fr=_reservation_label(code),
        articles=(article(code),),
        score=score,
        factors=tuple(factors),
        candidates=tuple(chosen),
        candidate_counts=counts,
        risky=risky,
        warnings_fr=tuple(warnings),
        meets_obligation=meets,
    )


def _hours_factor(ctx: Context) -> Factor:
    if ctx.hours is None:
        return Factor("hours", "Heures d'insertion non calculables (montant ou métier inconnu).", 0.0)
    hours = ctx.hours.hours
    minimum = ctx.policy.min_clause_hours
    if hours < minimum:
        return Factor(
            "hours",
            f"{hours} heures d'insertion seulement ({ctx.hours.explanation}), sous le seuil de suivi de "
            f"{minimum} heures fixé par l'organisation.",
            -15.0,
        )
    # 15 points at the minimum, up to 30 for ten times the minimum and more.
    points = 15 + 15 * min((hours - minimum) / (9 * minimum), 1.0)
    return Factor("hours", f"{hours} heures d'insertion ({ctx.hours.explanation}).", round(points, 1))


_NO_PARTNERS = Factor(
    "partners", "Aucune structure inclusive du métier à proximité pour porter la clause.", -5.0
)
_CLAUSE_MEETS = Factor(
    "obligation",
    "Satisfait l'obligation de considération sociale dans les conditions d'exécution (L2112-2-1).",
    15.0,
)
_CRITERION_ALONE = Factor(
    "criterion", "Le critère valorise l'offre sans rien imposer : effet plus incertain.", 5.0
)
_CRITERION_FAILS = Factor(
    "obligation",
    "Un critère d'attribution seul ne satisfait pas l'obligation, qui porte sur les conditions "
    "d'exécution (L2112-2-1).",
    -20.0,
)
_CRITERION_ADDS = Factor(
    "criterion", "Montant élevé : un critère social renforce la clause sans la remplacer.", 4.0
)
_CRITERION_WEIGHS = Factor(
    "criterion", "Un critère en plus de la clause alourdit l'analyse pour un gain faible.", -4.0
)


@lru_cache(maxsize=4096)
def _partners_factor(count: int, counts: tuple[tuple[str, int], ...]) -> Factor:
    return Factor(
        "partners",
        f"{count} structures inclusives peuvent aider les entreprises à exécuter la clause "
        f"(embauche, mise à disposition, sous-traitance) : {_counts_fr(dict(counts))}.",
        round(5 + 5 * min(count, 10) / 10, 1),
    )


@lru_cache(maxsize=256)
def _followed_duration_factor(months: int) -> Factor:
    return Factor("duration", f"Durée de {months} mois : des parcours d'insertion suivis.", 3.0)


@lru_cache(maxsize=256, typed=True)
def _clause_label(rate) -> str:
    if rate is None:
        return f"Clause d'insertion ({article(CLAUSE)})"
    return f"Clause d'insertion de {format_percent_fr(rate)} des heures ({article(CLAUSE)})"


@cache
def _labels() -> dict[str, str]:
    return {
        "criterion": f"Critère social d'attribution ({article(CRITERION)})",
        "both": f"Clause d'insertion et critère social ({article(CLAUSE)}, {article(CRITERION)})",
    }


def clause_options(candidates: Sequence[Candidate], ctx: Context) -> list[Option]:
    partners = [c for c in candidates if not KINDS_BY_OPTION[CLAUSE].isdisjoint(c.kinds)]
    counts = _counts(partners, KINDS_BY_OPTION[CLAUSE])
    hours = ctx.hours.hours if ctx.hours else None
    explanation = ctx.hours.explanation if ctx.hours else ""
    base: list[Factor] = [_hours_factor(ctx)]
    base.append(_partners_factor(len(partners), tuple(counts.items())) if partners else _NO_PARTNERS)
    for factor in (_labour_factor(ctx, 20.0), _rate_factor(ctx, 10.0), _nature_factor(ctx, False)):
        if factor is not None:
            base.append(factor)
    if ctx.duration_months and ctx.duration_months >= 24:
        base.append(_followed_duration_factor(ctx.duration_months))
    rate = ctx.hours.insertion_rate if ctx.hours else None
    clause_label = _clause_label(rate)
    partners_found = tuple(partners)

    clause_factors = list(base) + ([_CLAUSE_MEETS] if ctx.compulsory else [])
    clause = Option(
        code=CLAUSE,
        label_fr=clause_label,
        articles=(article(CLAUSE),),
        score=total_score(clause_factors),
        factors=tuple(clause_factors),
        candidates=partners_found,
        candidate_counts=counts,
        hours=hours,
        hours_explanation=explanation,
        meets_obligation=ctx.compulsory,
    )

    criterion_factors = [f for f in base if f.code != "hours"]
    criterion_factors.append(_CRITERION_ALONE)
    if ctx.compulsory:
        criterion_factors.append(_CRITERION_FAILS)
    criterion = Option(
        code=CRITERION,
        label_fr=_labels()["criterion"],
        articles=(article(CRITERION),),
        score=total_score(criterion_factors),
        factors=tuple(criterion_factors),
        candidates=partners_found,
        candidate_counts=counts,
    )

    both_factors = list(clause_factors)
    eu = ctx.frame.eu_threshold if ctx.frame is not None else None
    if eu is not None and eu.crossed and hours is not None and hours >= ctx.policy.min_clause_hours:
        both_factors.append(_CRITERION_ADDS)
    else:
        both_factors.append(_CRITERION_WEIGHS)
    both = Option(
        code=CLAUSE_AND_CRITERION,
        label_fr=_labels()["both"],
        articles=(article(CLAUSE), article(CRITERION)),
        score=total_score(both_factors),
        factors=tuple(both_factors),
        candidates=partners_found,
        candidate_counts=counts,
        hours=hours,
        hours_explanation=explanation,
        meets_obligation=ctx.compulsory,
    )
    return [clause, both, criterion]


_FREE = Factor("free", "Aucune considération sociale n'est imposée pour ce marché.", 15.0)
_FEW_HOURS = Factor("hours", "Trop peu d'heures pour qu'une clause vaille son suivi.", 15.0)
_NO_SUPPLY = Factor("supply", "Aucune structure inclusive capable à proximité.", 10.0)


def none_option(ctx: Context, others: Sequence[Option]) -> Option:
    factors: list[Factor] = []
    justification = ""
    if ctx.compulsory:
        exemptions = ctx.frame.obligation_exemptions if ctx.frame is not None else ()
        reasons = "; ".join(e.label_fr for e in exemptions)
        justification = (
            "Une considération sociale est obligatoire (L2112-2-1) : y renoncer exige de justifier dans les "
            f"documents de la consultation l'un des motifs prévus : {reasons}."
        )
        factors.append(Factor("obligation", justification, -40.0))
        score = 0.0
    else:
        factors.append(_FREE)
        if ctx.hours is not None and ctx.hours.hours < ctx.policy.min_clause_hours:
            factors.append(_FEW_HOURS)
        if not any(o.candidates for o in others):
            factors.append(_NO_SUPPLY)
        score = total_score(factors)
    return Option(
        code=NONE,
        label_fr="Pas de considération sociale",
        articles=(),
        score=score,
        factors=tuple(factors),
        justification_fr=justification,
    )


def total_score(factors: Sequence[Factor]) -> float:
    return round(max(0.0, min(100.0, sum([f.weight for f in factors]))), 1)


_POSITION = {code: i for i, code in enumerate(ORDER)}


def rank(options: Sequence[Option]) -> tuple[Option, ...]:
    return tuple(sorted(options, key=lambda o: (-o.score, _POSITION.get(o.code, len(ORDER)))))


def reservation_codes(frame: Frame | None) -> tuple[str, ...]:
    """The reservations the legal frame allows (L2113-15 only for the social-services CPV list)."""
    if frame is None:
        return tuple(code for code in RESERVATIONS if code != RESERVE_ESS)
    return _reservations_among(tuple(item.article for item in frame.allowed))


@lru_cache(maxsize=64)
def _reservations_among(allowed_articles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for code in RESERVATIONS if article(code) in allowed_articles)
