"""Imports on small generated files: merging sources on one SIRET, manual edits, atomicity, geocoding,
inferred sectors, bad input. Every SIRET here is fictional (SIREN 99999xxxx) with a valid check digit."""

import json
from pathlib import Path

import pytest

from levier.directory import importing_plan
from levier.directory.editing import edit_structure
from levier.directory.importing import preview_import, run_import
from levier.directory.models import ImportRun, Structure, StructureKind, StructureSector, StructureSource
from levier.organisations.roles import Role
from levier.rules.geography import Geography, read_communes_file
from levier.rules.siret import luhn_ok

pytestmark = pytest.mark.django_db

COMMUNES = Path(__file__).resolve().parents[1] / "rules" / "fixtures" / "communes_datagouv_idf_corse.csv"
BARE = Geography()


def siret(stem: str) -> str:
    """A 14-digit SIRET starting with `stem` (13 digits) and a valid check digit."""
    return next(stem + str(d) for d in range(10) if luhn_ok(stem + str(d)))


A, B, C = siret("9999999010001"), siret("9999999020001"), siret("9999999030001")


def ea_file(tmp_path, rows, name="ea.csv"):
    header = "SIRET;Raison sociale;Type;Code NAF;Adresse;Code postal;Ville;Site internet;Forme juridique\n"
    path = tmp_path / name
    path.write_text(header + "".join(";".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def lemarche_file(tmp_path, items, name="lemarche.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"count": len(items), "next": None, "previous": None, "results": items}))
    return path


def marche_item(id_, siret_, name, **extra):
    return {
        "id": id_,
        "siret": siret_,
        "name": name,
        "kind": "EA",
        "nature": "HEAD_OFFICE",
        "post_code": "94000",
        "city": "Créteil",
        "department": "94",
        **extra,
    }


@pytest.fixture
def editor(make_org, make_user, member):
    user = make_user("facilitatrice@exemple.invalid")
    member(user, make_org("ville-a"), Role.FACILITATOR)
    return user


def state():
    return (
        sorted(
            (s.siret, s.name, s.brand, s.website, s.naf, s.lat, s.lon, s.position_precision)
            for s in Structure.objects.all()
        ),
        sorted(StructureKind.objects.values_list("structure__siret", "kind")),
        sorted(StructureSector.objects.values_list("structure__siret", "sector", "inferred", "source")),
    )


def test_two_sources_merge_on_one_siret_and_keep_a_manual_edit(tmp_path, editor):
    ea = ea_file(
        tmp_path, [[A, "EA FICTIVE DU VAL", "EA", "8130Z", "1 rue des Essais", "94000", "Créteil", "", ""]]
    )
    run_import("ea", ea, geography=BARE)
    structure = Structure.objects.get(siret=A)
    assert structure.sectors.filter(inferred=True, source="inferred").exists()  # 8130Z: green spaces

    edit_structure(editor, structure, {"name": "EA Fictive du Val (nom corrigé)", "phone": "01 00 00 00 00"})
    marche = lemarche_file(
        tmp_path,
        [
            marche_item(
                7,
                A,
                "Nom du marché",
                brand="Les Jardins Fictifs",
                contact_website="https://ea-fictive.example",
                presta_type=["PREST"],
                sectors=[{"name": "Nettoyage de locaux", "slug": "nettoyage-de-locaux"}],
            )
        ],
    )
    report = run_import("lemarche", marche, geography=BARE)
    assert (report.created, report.updated, report.kept_manual) == (0, 1, 1)

    structure = Structure.objects.get(siret=A)
    assert structure.name == "EA Fictive du Val (nom corrigé)"  # the manual edit stays
    assert structure.provenance["name"]["source"] == "manual"
    assert structure.brand == "Les Jardins Fictifs"  # a field the EA file left empty
    assert structure.provenance["brand"]["source"] == "lemarche"
    assert structure.website == "https://ea-fictive.example"
    assert structure.provision_kinds == ["prestation_en_atelier", "prestation_sur_site"]
    assert sorted(structure.sources.values_list("source", flat=True)) == ["ea", "lemarche"]
    # Sectors from a source replace those Levier had inferred.
    assert list(structure.sectors.values_list("sector", "inferred", "source")) == [
        ("nettoyage-locaux", False, "lemarche")
    ]
    assert "nettoyage de locaux" in structure.search_text

    # Re-importing the EA list changes nothing: the manual name survives, the EA's other values stand.
    again = run_import("ea", ea, geography=BARE)
    assert (again.updated, again.unchanged, again.kept_manual) == (0, 1, 1)
    assert Structure.objects.get(siret=A).name == "EA Fictive du Val (nom corrigé)"


def test_the_order_of_imports_does_not_change_the_result(tmp_path):
    ea = ea_file(tmp_path, [[A, "EA DU VAL", "EA", "", "", "94000", "Créteil", "https://ea.example", ""]])
    marche = lemarche_file(
        tmp_path, [marche_item(7, A, "Nom du marché", contact_website="https://autre.example", brand="Val")]
    )
    run_import("ea", ea, geography=BARE)
    run_import("lemarche", marche, geography=BARE)
    first = state()
    # The EA list ranks above le marché: its name and website won.
    assert first[0][0][1:4] == ("EA DU VAL", "Val", "https://ea.example")
    StructureSource.objects.all().delete()
    Structure.objects.all().delete()
    run_import("lemarche", marche, geography=BARE)
    run_import("ea", ea, geography=BARE)
    assert state() == first


def test_lemarche_antennas_stay_apart_from_their_head_office(tmp_path):
    items = [
        marche_item(1, A, "Atelier Fictif"),
        marche_item(
            2, A, "Atelier Fictif", nature="ANTENNA", post_code="93200", city="Saint-Denis", department="93"
        ),
    ]
    report = run_import("lemarche", lemarche_file(tmp_path, items), geography=BARE)
    assert report.created == 2
    assert sorted(Structure.objects.values_list("departement", flat=True)) == ["93", "94"]


def test_positions_at_commune_level_with_a_communes_file(tmp_path):
    geography = Geography(read_communes_file(COMMUNES).communes)
    ea = ea_file(
        tmp_path,
        [
            [A, "EA DE CRETEIL", "EA", "", "", "94000", "Créteil", "", ""],
            [B, "EA DE SAINT DENIS", "EA", "", "", "93200", "ST DENIS CEDEX", "", ""],
            [C, "EA DE LYON", "EA", "", "", "69003", "Lyon", "", ""],
        ],
    )
    run_import("ea", ea, geography=geography)
    creteil = Structure.objects.get(siret=A)
    commune = geography.communes["94028"]
    assert (creteil.lat, creteil.lon) == (round(commune.lat, 6), round(commune.lon, 6))
    assert (creteil.position_precision, creteil.insee_code) == ("commune", "94028")
    assert creteil.provenance["lat"]["source"] == "inferred"
    assert Structure.objects.get(siret=B).insee_code == "93066"
    # Lyon is not in this communes file: placed at the Rhône's chef-lieu, and says so.
    lyon = Structure.objects.get(siret=C)
    assert lyon.position_precision == "departement"
    assert (lyon.lat, lyon.lon) == (geography.departements["69"].lat, geography.departements["69"].lon)


def test_sectors_inferred_from_the_name_when_the_naf_code_says_nothing(tmp_path):
    ea = ea_file(
        tmp_path,
        [
            [A, "RECYCLERIE FICTIVE DU VAL", "EA", "8899B", "", "94000", "Créteil", "", ""],
            [B, "ASSOCIATION INSERTION DU VAL", "EA", "9499Z", "", "94000", "Créteil", "", ""],
        ],
    )
    run_import("ea", ea, geography=BARE)
    sectors = StructureSector.objects.filter(structure__siret=A)
    assert list(sectors.values_list("sector", "inferred", "source", "group")) == [
        ("reemploi-ressourcerie", True, "inferred", "dechets")
    ]
    # "Insertion" names what the structure is, not its trade: no sector rather than a wrong one.
    assert not StructureSector.objects.filter(structure__siret=B).exists()


def test_bad_rows_are_rejected_with_their_reason_and_the_rest_imported(tmp_path):
    long_form = "Société " + "x" * 200
    ea = ea_file(
        tmp_path,
        [
            [A, "EA CORRECTE", "EA", "", "", "94000", "Créteil", "", long_form],
            ["", "EA SANS SIRET", "EA", "", "", "94000", "Créteil", "", ""],
            [
                B[:-1] + str((int(B[-1]) + 1) % 10),
                "EA AU SIRET FAUX",
                "EA",
                "",
                "",
                "94000",
                "Créteil",
                "",
                "",
            ],
        ],
    )
    report = run_import("ea", ea, geography=BARE)
    assert (report.created, report.rejected) == (1, 2)
    messages = [error.message_fr for error in report.rejections]
    assert messages[0].startswith("Ligne 3, champ SIRET : SIRET absent ; ligne rejetée")
    assert messages[1].startswith("Ligne 4, champ SIRET :") and "ligne rejetée" in messages[1]
    truncated = [w for w in report.warnings if w.code == "value_truncated"]
    assert truncated and truncated[0].row == 2 and "tronquée à 120" in truncated[0].message_fr
    assert len(Structure.objects.get(siret=A).legal_form) == 120
    run = ImportRun.objects.get(pk=report.run_id)
    assert run.report["rejected"] == 2 and run.report["created"] == 1


def test_an_unreadable_file_imports_nothing(tmp_path):
    path = tmp_path / "vide.csv"
    path.write_text("Nom;Adresse\nA;B\n", encoding="utf-8")
    report = run_import("ea", path, geography=BARE)
    assert not report.ok and report.run_id is None
    assert "colonne obligatoire introuvable" in report.errors[0].message_fr
    assert "rien n'a été importé" in report.lines_fr()[1]
    assert Structure.objects.count() == 0 and ImportRun.objects.count() == 0


def test_a_failing_import_leaves_the_database_unchanged(tmp_path, monkeypatch):
    first = ea_file(tmp_path, [[A, "EA UN", "EA", "8130Z", "", "94000", "Créteil", "", ""]])
    run_import("ea", first, geography=BARE)
    before = state(), ImportRun.objects.count()
    second = ea_file(
        tmp_path,
        [
            [A, "EA UN RENOMMEE", "EATT", "8130Z", "", "93200", "Saint-Denis", "", ""],
            [B, "EA DEUX", "EA", "", "", "94000", "Créteil", "", ""],
        ],
        name="ea2.csv",
    )
    real_insert_rows = importing_plan.insert_rows

    def failing(model, rows):
        real_insert_rows(model, rows)
        if model is StructureKind:
            raise RuntimeError("panne simulée pendant l'écriture")

    monkeypatch.setattr(importing_plan, "insert_rows", failing)
    with pytest.raises(RuntimeError):
        run_import("ea", second, geography=BARE)
    assert (state(), ImportRun.objects.filter(status="done").count()) == before
    failed = ImportRun.objects.get(status="failed")
    assert failed.file_name == "ea2.csv"
    assert failed.report["error"].startswith("Import interrompu, rien n'a été enregistré : panne simulée")
    monkeypatch.setattr(importing_plan, "insert_rows", real_insert_rows)
    report = run_import("ea", second, geography=BARE)
    assert (report.created, report.updated) == (1, 1)
    # The list now says EATT only: the EA kind it had given is withdrawn.
    assert list(Structure.objects.get(siret=A).kinds.values_list("kind", flat=True)) == ["EATT"]


def test_preview_names_the_fields_an_import_would_change(tmp_path):
    run_import(
        "ea", ea_file(tmp_path, [[A, "EA UN", "EA", "", "", "94000", "Créteil", "", ""]]), geography=BARE
    )
    changed = ea_file(
        tmp_path, [[A, "EA UN", "EA", "", "", "94000", "Créteil", "https://un.example", ""]], "b.csv"
    )
    report = preview_import("ea", changed, geography=BARE)
    [outcome] = report.outcomes
    assert (outcome.action, outcome.fields) == ("updated", ["website"])
    assert Structure.objects.get(siret=A).website == ""
    assert report.to_dict()["outcomes"][0]["fields"] == ["website"]


def test_the_siae_companion_file_needs_the_main_list(tmp_path):
    path = tmp_path / "additional.csv"
    path.write_text(
        f"MESURE;SIRET;DENOMINATION_SOCIALE;SITE WEB;ROME;APPELATION\nACI;{A};X;x.example;K2204;Agent\n"
    )
    report = run_import("siae", path, geography=BARE)
    assert report.companion_file and report.rejected == 1
    assert "importez d'abord la liste principale des SIAE" in report.rejections[0].message_fr
    assert Structure.objects.count() == 0


def test_rows_created_after_an_import_get_new_keys(tmp_path):
    rows = [
        [siret(f"99999990{n:02d}001"), f"EA {n}", "EA", "", "", "94000", "Créteil", "", ""] for n in range(30)
    ]
    run_import("ea", ea_file(tmp_path, rows), geography=BARE)
    imported = set(Structure.objects.values_list("pk", flat=True))
    assert len(imported) == 30
    later = Structure.objects.create(name="Créée après l'import")
    assert later.pk not in imported and later.pk > max(imported)
    assert StructureKind.objects.filter(structure__in=imported).count() == 30


def test_sector_names_of_a_file_are_mapped_and_unknown_ones_leave_inference_in_place(tmp_path):
    path = tmp_path / "ea.csv"
    path.write_text(
        "SIRET;Raison sociale;Code NAF;Code postal;Secteurs d'activité\n"
        f"{A};EA UN;8130Z;94000;Nettoyage de locaux, Blanchisserie\n"
        f"{B};EA DEUX;8130Z;94000;Xylophages quantiques\n",
        encoding="utf-8",
    )
    run_import("ea", path, geography=BARE)
    given = StructureSector.objects.filter(structure__siret=A)
    assert set(given.values_list("sector", "source")) >= {("nettoyage-locaux", "ea")}
    assert not given.filter(source="inferred").exists()
    # Nothing of Levier's taxonomy in "Xylophages quantiques": the sectors inferred from 8130Z stay.
    kept = StructureSector.objects.filter(structure__siret=B)
    assert kept.exists() and set(kept.values_list("source", "inferred")) == {("inferred", True)}
    assert kept.filter(group="espaces-verts").exists()
    link = StructureSource.objects.get(source="ea", key=B)
    assert link.data["sectors"] == ["Xylophages quantiques"]
