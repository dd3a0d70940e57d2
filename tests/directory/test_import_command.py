"""`levier import structures`: the report in French or JSON, --dry-run, bad arguments."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from levier.directory.models import ImportRun, Structure

from .test_import_sources import A, B, ea_file

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import", "structures", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def ea(tmp_path, monkeypatch):
    # No communes file on the test machine's data directory: positions at département precision.
    monkeypatch.setenv("LEVIER_DATA_DIR", str(tmp_path))
    return ea_file(
        tmp_path,
        [
            [A, "EA UN", "EA", "", "", "94000", "Créteil", "", ""],
            ["123", "EA AU SIRET COURT", "EA", "", "", "94000", "Créteil", "", ""],
        ],
    )


def test_dry_run_then_import_then_again(ea):
    out, _err = run("--format", "ea", str(ea), "--dry-run", "--date", "2026-01-15")
    assert "Import de la liste des entreprises adaptées : ea.csv, données du 15/01/2026." in out
    assert "1 à créer" in out and "Ligne 3, champ SIRET" in out
    assert "Aperçu seulement : rien n'a été enregistré." in out
    assert Structure.objects.count() == 0

    out, _err = run("--format", "ea", str(ea), "--date", "2026-01-15")
    assert "1 créée" in out and "\n1 ligne rejetée.\n" in out
    assert Structure.objects.get(siret=A).provenance["name"]["date"] == "2026-01-15"

    out, _err = run("--format", "ea", str(ea), "--date", "2026-01-15", "--json")
    report = json.loads(out)
    assert (report["created"], report["unchanged"], report["rejected"]) == (0, 1, 1)
    assert report["errors"][0]["row"] == 3 and report["rejected_by_reason"] == {"siret_wrong_length": 1}
    assert ImportRun.objects.count() == 2


def test_a_mapping_names_the_columns_of_an_ea_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LEVIER_DATA_DIR", str(tmp_path))
    path = tmp_path / "liste.csv"
    path.write_text(f"Numéro;Entreprise;CP\n{B};EA FICTIVE;69003\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"siret": "Numéro", "name": "Entreprise", "postcode": "CP"}))
    out, _err = run("--format", "ea", str(path), "--mapping", str(mapping))
    assert "1 structure reconnue : 1 créée, 0 mise à jour, 0 inchangée." in out
    assert Structure.objects.get(siret=B).departement == "69"


def test_bad_arguments(ea):
    with pytest.raises(CommandError):
        run("--format", "ea", str(ea.with_name("absent.csv")))
    with pytest.raises(CommandError):
        run("--format", "ea", str(ea), "--date", "15/01/2026")
    with pytest.raises(CommandError):
        run("--format", "geiq", str(ea), "--mapping", str(ea))
    unreadable = ea.with_name("vide.json")
    unreadable.write_text("{pas du json")
    with pytest.raises(CommandError):
        run("--format", "lemarche", str(unreadable))
    assert Structure.objects.count() == 0
