"""`levier benchmark import | stats | similar`, in text and --json, with the directory's SIRETs."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.benchmark import factory


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("benchmark", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "decp.json"
    records = factory.contracts(60)
    records.append({"acheteur": {"id": factory.BUYERS["commune"]}, "objet": "sans identifiant"})
    factory.write(path, records)
    return path


def test_import_json_report(tmp_path, source):
    report = json.loads(run("--data-dir", str(tmp_path), "import", str(source), "--json", "--no-progress"))
    assert report["enregistrements_lus"] == 61
    assert report["par_format"] == {"decp-2024-json": {"libelle": "DECP format 2024 (JSON)", "nombre": 61}}
    assert report["importes"] == 60 and report["rejetes"] == 1
    assert report["marches_dans_la_base"] == 60 and report["doublons_retires"] == 0
    assert report["rejets"] == [
        {
            "code": "missing_id",
            "libelle": "identifiant du marché absent",
            "nombre": 1,
            "exemples": ["decp.json, marché n° 61"],
        }
    ]
    assert (tmp_path / "benchmark" / "contracts.parquet").exists()


def test_import_text_report_and_progress(tmp_path, source):
    out, err = io.StringIO(), io.StringIO()
    call_command("benchmark", "--data-dir", str(tmp_path), "import", str(source), stdout=out, stderr=err)
    text = out.getvalue()
    assert "Enregistrements lus : 61" in text
    assert "identifiant du marché absent [missing_id] : 1" in text
    assert "decp.json" in err.getvalue() and "100%" in err.getvalue()


def test_import_of_a_bad_file_changes_nothing(tmp_path, source):
    run("--data-dir", str(tmp_path), "import", str(source), "--no-progress")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2", "utf-8")
    with pytest.raises(CommandError, match="Rien n'a été importé"):
        run("--data-dir", str(tmp_path), "import", str(bad), "--no-progress")
    stats = json.loads(run("--data-dir", str(tmp_path), "stats", "--json"))
    assert stats["ensemble"]["marches"] == 60


def test_stats_and_similar_need_an_import(tmp_path):
    with pytest.raises(CommandError, match="Aucun fichier DECP importé"):
        run("--data-dir", str(tmp_path), "stats", "--cpv", "45")


@pytest.mark.django_db
def test_stats_json_counts_the_directory_structures_as_inclusive_holders(tmp_path, source):
    from levier.directory.models import Structure

    Structure.objects.create(name="ESAT des Tilleuls", siret=factory.HOLDERS[0])
    Structure.objects.create(name="Sans SIRET")
    run("--data-dir", str(tmp_path), "import", str(source), "--no-progress")
    result = json.loads(run("--data-dir", str(tmp_path), "stats", "--cpv", "45", "--json"))
    records = [r for r in factory.contracts(60) if r["codeCPV"].startswith("45")]
    assert result["cpv"] == "45"
    assert result["ensemble"]["marches"] == len(records)
    inclusive = result["titulaires_inclusifs"]
    assert inclusive["structures_connues"] == 1
    assert inclusive["marches_gagnes"] == sum(
        1 for r in records if r["titulaires"][0]["titulaire"]["id"] == factory.HOLDERS[0]
    )
    text = run("--data-dir", str(tmp_path), "stats", "--cpv", "45")
    assert "Groupe CPV" in text and "Titulaires inclusifs : " in text
    with pytest.raises(CommandError, match="la division 99 n'existe pas"):
        run("--data-dir", str(tmp_path), "stats", "--cpv", "99")


def test_similar_json_and_text(tmp_path, source):
    run("--data-dir", str(tmp_path), "import", str(source), "--no-progress")
    found = json.loads(
        run("--data-dir", str(tmp_path), "similar", "Nettoyage des bureaux", "--cpv", "90910000", "--json")
    )
    assert found and all(item["objet"] == "Nettoyage des locaux" for item in found)
    assert {"acheteur", "titulaires", "montant", "considerations_sociales"} <= set(found[0])
    text = run("--data-dir", str(tmp_path), "similar", "Nettoyage des bureaux", "--limit", "2")
    assert text.startswith("1. Nettoyage des locaux")


def test_levier_import_decp_is_the_same_import(tmp_path, source):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "decp", str(source), "--data-dir", str(tmp_path), "--json", stdout=out, stderr=err)
    report = json.loads(out.getvalue())
    assert report["importes"] == 60 and report["marches_dans_la_base"] == 60
    # A data directory given before the sub-command is kept.
    again = json.loads(run("--data-dir", str(tmp_path), "import", str(source), "--json", "--no-progress"))
    assert again["fichiers_remplaces"] == ["decp.json"]
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    with pytest.raises(CommandError):
        call_command("import", "decp", str(bad), "--data-dir", str(tmp_path), stdout=out, stderr=err)
    assert "Rien n'a été importé" in err.getvalue()
