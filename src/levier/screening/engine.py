"""Screen a planned purchase: legal frame, supply, hours, ranked options, lot splits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date
from functools import lru_cache

from levier.rules.hours import HoursError, HoursResult, insertion_hours
from levier.rules.legal import LegalFrameError, OrganisationPolicy, legal_frame
from levier.screening import options as opts
from levier.screening.index import DirectoryIndex
from levier.screening.model import (
    RESERVE_LOTS,
    LotInput,
    LotScreening,
    Option,
    PlaceInput,
    Policy,
    PurchaseInput,
    Screening,
)
from levier.screening.splits import propose_splits

NationalRate = float | Callable[[str], float | None] | None


def amounts(
    annual: float | None, total: float | None, months: int | None
) -> tuple[float | None, float | None]:
    """(yearly, whole-duration) amounts, one derived from the other and the duration when missing."""
    years = (months / 12) if months else None
    if annual is None and total is not None:
        annual = total / years if years and years > 1 else total
    if total is None and annual is not None:
        total = annual * years if years and years > 1 else annual
    return (float(annual) if annual is not None else None, float(total) if total is not None else None)


def _rate(national_rate: NationalRate, cpv: str | None) -> float | None:
    if national_rate is None or isinstance(national_rate, (int, float)):
        return float(national_rate) if national_rate is not None else None
    return national_rate(cpv) if cpv else None


def _hours(
    total: float | None, sectors: tuple[str, ...], index: DirectoryIndex, policy: Policy, on: date | None
) -> tuple[HoursResult | None, float | None]:
    if not sectors:
        return None, None
    sector = sectors[0]
    share = policy.labour_shares.get(sector)
    if share is None:
        found = index.taxonomy.get(sector)
        share = found.labour_share if found is not None else None
    if share is None or total is None:
        return None, share
    try:
        result = insertion_hours(
            total, share, policy.insertion_rate, policy.hourly_cost, sector=sector, on=on
        )
    except HoursError:
        return None, share
    return result, share


# One organisation's readings for every purchase of a run: one (frozen) object per pair of values.
_organisation_policy = lru_cache(maxsize=64, typed=True)(OrganisationPolicy)


def _assess(
    *,
    cpv: str | None,
    nature: str | None,
    annual: float | None,
    total: float | None,
    months: int | None,
    place: PlaceInput | None,
    frame,
    compulsory: bool,
    purchase: PurchaseInput,
    index: DirectoryIndex,
    policy: Policy,
    national_rate: NationalRate,
) -> tuple[list[Option], opts.Context, tuple[str, ...]]:
    sectors = index.sectors_for_cpv(cpv) if cpv else ()
    # Clause partners need not carry the whole contract; reservation candidates must (capacity).
    nearby = index.candidates(sectors, place, None, policy) if sectors else []
    candidates = [c for c in nearby if c.capacity is None or not annual or annual <= c.capacity]
    hours, share = _hours(total, sectors, index, policy, purchase.launch_date)
    ctx = opts.Context(
        frame=frame,
        compulsory=compulsory,
        policy=policy,
        sectors=sectors,
        usual_kinds=index.usual_kinds(sectors),
        labour_share=share,
        annual_amount=annual,
        total_amount=total,
        duration_months=months,
        nature=nature or (frame.nature if frame is not None else None),
        national_rate=_rate(national_rate, cpv),
        incumbent=index.by_siret(purchase.current_holder_siret),
        hours=hours,
    )
    found = [opts.reservation_option(code, candidates, ctx) for code in opts.reservation_codes(frame)]
    found.extend(opts.clause_options(nearby, ctx))
    return found, ctx, sectors


def _lot_screening(
    lot: LotInput,
    purchase: PurchaseInput,
    frame,
    compulsory: bool,
    index: DirectoryIndex,
    policy: Policy,
    national_rate: NationalRate,
) -> LotScreening:
    months = lot.duration_months or purchase.duration_months
    annual, total = amounts(lot.annual_amount, lot.total_amount, months)
    found, ctx, _sectors = _assess(
        cpv=lot.cpv or purchase.cpv,
        nature=lot.nature or purchase.nature,
        annual=annual,
        total=total,
        months=months,
        place=lot.place or purchase.place,
        frame=frame,
        compulsory=compulsory,
        purchase=purchase,
        index=index,
        policy=policy,
        national_rate=national_rate,
    )
    found.append(opts.none_option(ctx, found))
    return LotScreening(
        key=lot.key,
        title=lot.title,
        annual_amount=annual,
        options=opts.rank(found),
        hours=ctx.hours.hours if ctx.hours else None,
    )


def _lots_option(lots: tuple[LotScreening, ...], policy: Policy) -> Option | None:
    """Reserve the lots that can be reserved, when some can and the rest keep a clause."""
    reservable = []
    for lot in lots:
        best = next(
            (o for o in lot.options if o.code in opts.RESERVATIONS and not o.risky and o.candidates), None
        )
        if best is not None and best.candidate_count >= policy.min_candidates_to_reserve:
            reservable.append((lot, best))
    if not reservable:
        return None
    factors = [
        opts.Factor(
            "lots",
            f"Lot {lot.key} ({lot.title or 'sans intitulé'}) : {best.label_fr}, {best.candidate_count} "
            "structures capables.",
            0.0,
        )
        for lot, best in reservable
    ]
    score = max(best.score for _lot, best in reservable) - (0 if len(reservable) == len(lots) else 5)
    factors.append(opts.Factor("lots_share", f"{len(reservable)} lot(s) réservable(s) sur {len(lots)}.", 0.0))
    candidates = tuple({c.id: c for _l, best in reservable for c in best.candidates}.values())
    articles = tuple(sorted({a for _l, best in reservable for a in best.articles}))
    return Option(
        code=RESERVE_LOTS,
        label_fr=f"Réserver {len(reservable)} lot(s) : {', '.join(lot.key for lot, _b in reservable)}",
        articles=articles,
        score=round(max(score, 0.0), 1),
        factors=tuple(factors),
        candidates=candidates,
        lots=tuple(lot.key for lot, _b in reservable),
        meets_obligation=all(best.meets_obligation for _l, best in reservable)
        and len(reservable) == len(lots),
    )


def screen(
    purchase: PurchaseInput,
    index: DirectoryIndex,
    policy: Policy | None = None,
    national_rate: NationalRate = None,
) -> Screening:
    """Screen one planned purchase; `national_rate` is a share (0.187) or a callable cpv -> share."""
    policy = policy or Policy()
    notes: list[str] = []
    annual, total = amounts(purchase.annual_amount, purchase.total_amount, purchase.duration_months)
    if purchase.lots and total is None:
        lot_totals = [
            amounts(lot.annual_amount, lot.total_amount, lot.duration_months or purchase.duration_months)
            for lot in purchase.lots
        ]
        if all(t is not None for _a, t in lot_totals):
            total = sum(t for _a, t in lot_totals)  # type: ignore[misc]
            annual = sum(a for a, _t in lot_totals)  # type: ignore[misc]
    frame = None
    if total is not None and purchase.launch_date is not None:
        try:
            frame = legal_frame(
                total,
                purchase.nature or "",
                policy.buyer_kind,
                purchase.launch_date,
                purchase.cpv,
                policy=_organisation_policy(policy.reserved_meets_obligation, policy.central_government),
                defence_or_security=purchase.defence_or_security,
            )
        except LegalFrameError as error:
            notes.append(f"Cadre juridique non établi : {error}")
    else:
        notes.append("Cadre juridique non établi : montant ou date de lancement manquant.")
    compulsory = bool(frame and frame.obligation_applies)
    if not purchase.cpv:
        notes.append("Sans code CPV, l'offre des structures ne peut pas être rapprochée de l'achat.")

    found, ctx, sectors = _assess(
        cpv=purchase.cpv,
        nature=purchase.nature,
        annual=annual,
        total=total,
        months=purchase.duration_months,
        place=purchase.place,
        frame=frame,
        compulsory=compulsory,
        purchase=purchase,
        index=index,
        policy=policy,
        national_rate=national_rate,
    )
    lots = tuple(
        _lot_screening(lot, purchase, frame, compulsory, index, policy, national_rate)
        for lot in purchase.lots
    )
    lots_option = _lots_option(lots, policy)
    if lots_option is not None:
        found.append(lots_option)

    best_reservation = max(
        (o for o in found if o.code in opts.RESERVATIONS), key=lambda o: o.candidate_count, default=None
    )
    splits = ()
    if (
        sectors
        and annual
        and (best_reservation is None or best_reservation.candidate_count < policy.min_candidates_to_reserve)
    ):
        before = {o.code: o.candidate_count for o in found if o.code in opts.RESERVATIONS}
        splits = propose_splits(purchase, sectors, annual, index, policy, frame, before)
        useful = [s for s in splits if s.candidates_after > s.candidates_before]
        if useful and lots_option is None:
            split = max(useful, key=lambda s: s.candidates_after)
            option = next(o for o in found if o.code == split.option)
            after = replace(
                option,
                candidates=tuple({c.id: c for lot in split.lots for c in lot.candidates}.values()),
            )
            supply, risky = opts.supply_factor(
                min(lot.candidate_count for lot in split.lots),
                policy.min_candidates_to_reserve,
                opts.KIND_GROUPS_FR[split.option],
            )
            factors = [supply, opts.Factor("split", split.summary_fr, -5.0)]
            if not risky:
                factors.append(opts.effect_factor())
            factors.extend(
                f for f in option.factors if f.code not in {"supply", "amount", "capacity_unknown"}
            )
            found.append(
                replace(
                    after,
                    code=RESERVE_LOTS,
                    label_fr=f"{split.label_fr}, réservés ({', '.join(option.articles)})",
                    score=opts.total_score(factors),
                    factors=tuple(factors),
                    risky=risky,
                    lots=tuple(lot.label_fr for lot in split.lots),
                    warnings_fr=(),
                )
            )
    found.append(opts.none_option(ctx, found))
    ranked = opts.rank(found)
    planned = bool(purchase.planned_reservation or purchase.planned_clause or purchase.planned_criterion)
    planned = planned or any(lot.reserved for lot in purchase.lots)
    return Screening(
        purchase_key=purchase.key,
        frame=frame,
        compulsory=compulsory,
        options=ranked,
        lots=lots,
        splits=tuple(splits),
        hours=ctx.hours.hours if ctx.hours else None,
        sectors=sectors,
        labour_share=ctx.labour_share,
        notes_fr=tuple(notes),
        compulsory_unmet=compulsory and not planned,
    )


def screen_many(
    purchases: Iterable[PurchaseInput],
    index: DirectoryIndex,
    policy: Policy | None = None,
    national_rate: NationalRate = None,
) -> Iterator[Screening]:
    """Screen purchases one after the other against the same index (a generator, for progress bars)."""
    policy = policy or Policy()
    for purchase in purchases:
        yield screen(purchase, index, policy, national_rate)
