"""`levier classify`: text and JSON output, files in UTF-8 or CP1252, with or without a CPV file."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.paths import SHARED_DATA

EFORMS_FR = SHARED_DATA / "cpv" / "eforms_code_fr.xml"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("classify", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_one_object_without_cpv_file(tmp_path):
    text = run("Entretien des espaces verts", "--data-dir", str(tmp_path))
    assert "aucun fichier CPV chargé" in text
    assert "Entretien des espaces verts [espaces-verts-entretien]" in text
    assert "77310000-6" in text


def test_csv_file_in_cp1252_with_json(tmp_path):
    if not EFORMS_FR.exists():
        pytest.skip("official CPV file missing")
    source = tmp_path / "plan.csv"
    source.write_bytes(
        "Objet;Code CPV\nNettoyage des locaux;\nRepas en liaison froide;55321000\n".encode("cp1252")
    )
    lines = run("--file", str(source), "--json", "--cpv-file", str(EFORMS_FR), "--data-dir", str(tmp_path))
    results = [json.loads(line) for line in lines.splitlines()]
    assert [r["text"] for r in results] == ["Nettoyage des locaux", "Repas en liaison froide"]
    assert results[0]["cpv"][0]["code"].startswith("909")
    assert results[0]["cpv"][0]["label"]
    assert results[1]["given_cpv"] == "55321000" and results[1]["cpv"][0]["code"] == "55321000"


def test_plain_lines_file_and_saved_model(tmp_path):
    source = tmp_path / "objets.txt"
    source.write_text("Déménagement des services\n\nTravaux de peinture intérieure\n", encoding="utf-8")
    decp = SHARED_DATA / "decp" / "samples" / "decp2019_e-marchespublics_2019-04-03.json"
    if not decp.exists():
        pytest.skip("DECP sample missing")
    run("--train", str(decp), "--save-model", "--data-dir", str(tmp_path))
    assert (tmp_path / "models" / "classifier.json.gz").exists()
    text = run("--file", str(source), "--data-dir", str(tmp_path))
    assert text.count("Codes CPV probables") == 2


def test_nothing_to_classify_is_an_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("--data-dir", str(tmp_path))


def test_unusable_saved_model_is_rebuilt_not_fatal(tmp_path):
    saved = tmp_path / "models" / "classifier.json.gz"
    saved.parent.mkdir()
    saved.write_bytes(b"not a gzipped model")
    results = [
        json.loads(line)
        for line in run("Nettoyage des locaux", "--json", "--data-dir", str(tmp_path)).splitlines()
    ]
    assert results[0]["groups"][0]["code"] == "909"
    assert results[0]["divisions"][0]["code"] == "90"
