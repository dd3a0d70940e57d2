"""`levier structures search`: JSON like the API, a French table, French errors."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from .search_support import great_circle_km, make_structure, use_idf_geography

pytestmark = pytest.mark.django_db


@pytest.fixture
def structures(monkeypatch):
    geography = use_idf_geography(monkeypatch)
    make_structure(
        "ESAT du Parc", 48.80, 2.47, "94", kinds=["ESAT"], sectors=["espaces-verts-entretien"], city="Créteil"
    )
    make_structure(
        "ACI Vert", 48.93, 2.36, "93", kinds=["ACI"], sectors=["espaces-verts-entretien"], city="Saint-Denis"
    )
    make_structure("ESAT Lointain", 48.40, 2.70, "77", kinds=["ESAT"], sectors=["espaces-verts-entretien"])
    make_structure("ESAT Imprimerie", 48.79, 2.45, "94", kinds=["ESAT"], sectors=["impression"])
    return geography


def run(*args):
    out = io.StringIO()
    call_command("structures", "search", *args, stdout=out)
    return out.getvalue()


def test_json_output(structures):
    data = json.loads(
        run("--sector", "espaces-verts-entretien", "--near", "94000", "--radius", "30", "--json")
    )
    assert [item["name"] for item in data["items"]] == ["ESAT du Parc", "ACI Vert"]  # by distance
    creteil = structures.resolve_place("94000").best
    for item in data["items"]:
        assert item["distance_km"] == pytest.approx(
            great_circle_km(creteil.lat, creteil.lon, item["lat"], item["lon"]), abs=0.01
        )
    with_kind = json.loads(
        run(
            "--sector",
            "espaces-verts-entretien",
            "--near",
            "94000",
            "--radius",
            "30",
            "--kind",
            "ESAT",
            "--json",
        )
    )
    assert with_kind["total"] == 1 and with_kind["items"][0]["kinds"] == ["ESAT"]


def test_french_table(structures):
    table = run("--sector", "espaces-verts-entretien", "--near", "Créteil", "--radius", "100")
    lines = table.splitlines()
    assert "3 structures trouvées" in table
    header = next(line for line in lines if line.startswith("Structure"))
    assert "Distance" in header and "Secteurs" in header
    assert any("ESAT du Parc" in line and "km" in line and "," in line for line in lines)


def test_errors_are_french_and_name_the_problem(structures):
    with pytest.raises(CommandError, match="Secteur inconnu : « lune »"):
        run("--sector", "lune")
    with pytest.raises(CommandError, match="introuvable"):
        run("--near", "Zzzyxville", "--radius", "10")
