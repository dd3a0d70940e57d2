import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.paths import SHARED_DATA

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LEVIER_DATA_DIR", str(tmp_path))
    return tmp_path


def test_hours_prints_the_calculation():
    out = run(
        "hours", "--amount", "1000000", "--labour-share", "0.5", "--rate", "0.05", "--hourly-cost", "30"
    )
    assert "833 heures d'insertion" in out
    assert "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h" in out


def test_hours_json_and_spread():
    out = run("hours", "--amount", "1000000", "--labour-share", "50", "--tranches", "600000;400000", "--json")
    data = json.loads(out)
    assert data["hours"] == 833
    assert [p["hours"] for p in data["spread"]["periods"]] == [500, 333]
    out = run(
        "hours",
        "--amount",
        "1000000",
        "--labour-share",
        "0.5",
        "--duration-months",
        "24",
        "--start",
        "2027-01-01",
    )
    assert "2027 : 417 h" in out and "2028 : 416 h" in out


def test_hours_with_a_sector():
    from levier.rules.sectors import load_taxonomy

    sector = load_taxonomy().sectors[0]
    out = run("hours", "--amount", "100000", "--sector", sector.code, "--json")
    assert json.loads(out)["labour_share"] == pytest.approx(sector.labour_share)


def test_hours_errors_in_french():
    with pytest.raises(CommandError, match="Secteur inconnu"):
        run("hours", "--amount", "1000", "--sector", "no-such-sector")
    with pytest.raises(CommandError, match="Part de main-d'œuvre"):
        run("hours", "--amount", "1000")
    with pytest.raises(CommandError, match="--start"):
        run("hours", "--amount", "1000", "--labour-share", "0.5", "--duration-months", "12")


def test_frame_text_and_json():
    args = ["frame", "--amount", "250000", "--nature", "services", "--buyer-kind", "commune"]
    out = run(*args, "--launch", "2026-09-01", "--cpv", "90911200")
    assert "Procédure formalisée" in out
    assert "L2112-2-1" in out
    assert "216 000 € HT, atteint" in out
    before = json.loads(run(*args, "--launch", "20/08/2026", "--json"))
    assert before["obligation_applies"] is False
    assert before["procedure"]["code"] == "formal"


def test_frame_errors():
    with pytest.raises(CommandError, match="Date illisible"):
        run("frame", "--amount", "1", "--nature", "travaux", "--buyer-kind", "commune", "--launch", "demain")
    with pytest.raises(CommandError, match="Nature inconnue"):
        run("frame", "--amount", "1", "--nature", "x", "--buyer-kind", "commune", "--launch", "2026-09-01")


def test_refdata_load_and_status(data_dir):
    out = run("refdata", "status")
    assert "non chargé" in out and "Seuls les départements" in out
    out = run("refdata", "cpv", str(SHARED_DATA / "cpv" / "eforms_code_fr.xml"))
    assert "9454 libellés CPV" in out
    out = run("refdata", "communes", str(FIXTURES / "communes_datagouv_idf_corse.csv"))
    assert "35 communes" in out
    status = json.loads(run("refdata", "status", "--json"))
    assert status["data_dir"] == str(data_dir)
    assert all(d["loaded"] for d in status["datasets"])
    assert status["geography"]["level"] == "commune"


def test_refdata_errors(data_dir, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        run("refdata", "cpv", str(tmp_path / "missing.xml"))
    bad = tmp_path / "bad.xml"
    bad.write_text("<nothing/>", encoding="utf-8")
    with pytest.raises(CommandError, match="format non reconnu"):
        run("refdata", "cpv", str(bad))
