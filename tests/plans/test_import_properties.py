"""Damaged spreadsheets through the whole import service: numbers, dates and headers drawn by hypothesis.

Whatever the cells, the preview never raises, every problem is a French message naming its row, and the
commit is all or nothing: either every line read is in the plan (and importing again changes nothing), or
the commit is refused and the plan is as it was.
"""

from __future__ import annotations

import math

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from levier.organisations.roles import Role
from levier.plans.importing import ImportRejected, commit_import, preview_import
from levier.plans.models import ImportStatus, Lot, Plan, PlanImport, PlannedPurchase
from tests.ingest.plan_factory import HEADER_VARIANTS, xlsx_bytes

COLUMNS = ("reference", "object", "service", "amount_total", "duration", "launch_date", "notification_date")

_AMOUNT = st.one_of(
    st.none(),
    st.sampled_from(
        ["12 000,50 €", "1,2 M€", "150k€", "12,000", "NC", "-1 200", "1e14", "entre 40 et 90 k€"]
    ),
    st.text(alphabet="0123456789 ,.€kKM-", max_size=14),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**13, min_value=-(10**13)),
)
_DATE = st.one_of(
    st.none(),
    st.dates(),
    st.sampled_from(["15/03/2027", "mars 2027", "T2 2027", "2027", "31/02/2027", "0218-10-29", "fin 2027"]),
    st.text(alphabet="0123456789/-. TSQ", max_size=12),
    st.integers(min_value=-100, max_value=200_000),
)
_DURATION = st.one_of(
    st.none(), st.sampled_from(["36 mois", "3 ans", "1+1+1 ans", "ponctuel", "0"]), st.integers(-5, 2000)
)
_TEXT = st.one_of(st.none(), st.text(max_size=40))


def _header(draw, name: str) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(min_size=1, max_size=20))  # a header nobody recognises
    return draw(st.sampled_from(HEADER_VARIANTS[name]))


@st.composite
def damaged_plans(draw):
    headers = [_header(draw, name) for name in COLUMNS]
    rows = []
    for index in range(draw(st.integers(1, 8))):
        rows.append(
            [
                draw(st.one_of(st.just(f"R-{index}"), _TEXT)),
                draw(
                    st.one_of(st.sampled_from(["Nettoyage des locaux", "Lot 1 – Vitrerie", "Total"]), _TEXT)
                ),
                draw(st.one_of(st.sampled_from(["Direction des routes", "Inconnue"]), _TEXT)),
                draw(_AMOUNT),
                draw(_DURATION),
                draw(_DATE),
                draw(_DATE),
            ]
        )
    title_rows = draw(st.integers(0, 3))
    return headers, rows, title_rows, draw(st.sampled_from(["xlsx", "csv"]))


def _cell(value):
    if isinstance(value, str):
        return "".join(char for char in value if char.isprintable())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _content(headers, rows, title_rows, file_format) -> bytes:
    lines = [["Programmation des achats 2027"]] * title_rows + [headers] + rows
    if file_format == "csv":
        text = "\n".join(
            ";".join("" if v is None else str(_cell(v)).replace(";", ",") for v in row) for row in lines
        )
        return text.encode("cp1252", errors="replace")
    return xlsx_bytes([[_cell(value) for value in row] for row in lines])


@pytest.fixture
def city(make_org, member):
    org = make_org("ville-hypothese", "Ville de l'Hypothèse")
    buyer = get_user_model().objects.create(email="acheteur@exemple.invalid")
    member(buyer, org, Role.BUYER)
    return org, buyer


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=damaged_plans())
@pytest.mark.django_db
def test_damaged_files_are_reported_by_row_and_imported_all_or_nothing(city, plan):
    org, buyer = city
    Plan.objects.all().delete()
    PlanImport.objects.all().delete()
    content = _content(*plan)

    preview = preview_import(buyer, org, content, f"plan.{plan[3]}", 2027)
    report = preview.report
    assert PlannedPurchase.objects.count() == 0
    for problem in report["errors"] + report["warnings"]:
        assert problem["message"]
        if problem["row"] is not None:
            assert f"igne {problem['row']}" in problem["message"]

    try:
        committed = commit_import(buyer, preview)
    except ImportRejected as refused:
        assert "rien n'a été importé" in str(refused)
        assert PlannedPurchase.objects.count() == 0 and Lot.objects.count() == 0
        if not (preview.errors and report["sheets"]):
            event("refused: no plan found")
            return
        # The buyer may still import the lines that were read, leaving the rejected ones out.
        committed = commit_import(buyer, preview, skip_errors=True)
        event("committed without the rejected lines")
    assert committed.status == ImportStatus.COMMITTED
    event("committed with lines" if committed.created else "committed, nothing to create")
    read = sum(sheet["purchases"] for sheet in report["sheets"])
    assert PlannedPurchase.objects.count() == committed.created == report["counts"]["created"] == read
    second = preview_import(buyer, org, content, f"plan.{plan[3]}", 2027)
    again = commit_import(buyer, second, skip_errors=bool(preview.errors))
    assert (again.created, again.updated) == (0, 0)
    assert PlannedPurchase.objects.count() == committed.created
