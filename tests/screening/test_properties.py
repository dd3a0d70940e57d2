"""Monotonic properties: more capable candidates never lower a reservation's score; a larger amount never
lowers the insertion hours."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from levier.screening import DirectoryIndex, Policy, screen
from levier.screening.model import RESERVATIONS
from levier.screening.options import supply_factor

from .builders import GRENOBLE, LYON, VILLEURBANNE, purchase, structure

KINDS = ("EA", "ESAT", "EI", "ACI", "AI", "ETTI", "GEIQ", "ESS")
PLACES = (LYON, VILLEURBANNE, GRENOBLE)

structures = st.builds(
    lambda kind, place, turnover, radius: (kind, place, turnover, radius),
    st.sampled_from(KINDS),
    st.sampled_from(PLACES),
    st.one_of(st.none(), st.integers(50_000, 5_000_000)),
    st.one_of(st.none(), st.integers(5, 300)),
)


def _entries(specs, start=0):
    return [
        structure(start + i, kind, "nettoyage-locaux", place, turnover=turnover, radius=radius)
        for i, (kind, place, turnover, radius) in enumerate(specs)
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(structures, max_size=12),
    st.lists(structures, min_size=1, max_size=6),
    st.integers(10_000, 3_000_000),
    st.integers(1, 8),
)
def test_more_structures_never_lower_a_reservation_score(base, extra, annual, minimum):
    policy = Policy(min_candidates_to_reserve=minimum)
    p = purchase("90910000", annual, months=24)
    before = screen(p, DirectoryIndex.build(_entries(base)), policy)
    after = screen(p, DirectoryIndex.build(_entries(base) + _entries(extra, start=100)), policy)
    for code in RESERVATIONS:
        if before.option(code) is not None:
            assert after.option(code).candidate_count >= before.option(code).candidate_count
            assert after.option(code).score >= before.option(code).score, code


@given(st.integers(0, 200), st.integers(0, 200), st.integers(1, 20))
def test_supply_points_never_fall_as_candidates_grow(n, more, minimum):
    low, _ = supply_factor(n, minimum, "EA")
    high, _ = supply_factor(n + more, minimum, "EA")
    assert high.weight >= low.weight


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 50_000_000),
    st.integers(0, 50_000_000),
    st.sampled_from(("90910000", "55523100", "79411000", "45442100", "77310000")),
    st.one_of(st.none(), st.integers(1, 96)),
)
def test_a_larger_amount_never_lowers_the_hours(amount, increase, cpv, months):
    index = DirectoryIndex.build([])
    small = purchase(cpv, None, total_amount=amount, months=months)
    large = replace(small, total_amount=amount + increase)
    small_hours = screen(small, index).hours
    large_hours = screen(large, index).hours
    assert small_hours is not None and large_hours >= small_hours
