"""EA lists through a column mapping, le marché de l'inclusion's API JSON, Lambert-93 coordinates."""

import json
from pathlib import Path

import openpyxl
import pytest

from levier.ingest.errors import Severity
from levier.ingest.structures import (
    lambert93_to_wgs84,
    read_ea,
    read_esat,
    read_lemarche,
    suggest_ea_mapping,
    wgs84_to_lambert93,
)

FIXTURES = Path(__file__).parent / "fixtures"
# Fictional SIRETs with a valid check digit (SIREN 999999999 and neighbours do not exist).
SIRET_A = "99999999900017"
SIRET_B = "99999999700011"


def write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# --- EA ---------------------------------------------------------------------------------------------


def test_ea_guessed_mapping_cp1252_semicolon(tmp_path):
    path = write_csv(
        tmp_path / "ea.csv",
        "N° SIRET;Raison sociale;Enseigne;Type;Code postal;Ville;Site internet;Secteurs d'activité\n"
        f"{SIRET_A};EA Fictive du Rhône;Les Mains Fictives;EA;69003;Lyon;https://ea.example;"
        "Nettoyage, Espaces verts\n"
        f"{SIRET_A};EA Fictive du Rhône;;EATT;69003;Lyon;;\n"
        f"{SIRET_B[:-1]};EA au SIRET court;;Entreprise adaptée;7500;Paris;;\n"
        f"{SIRET_B};;;EA;75011;Paris;;\n",
        encoding="cp1252",
    )
    result = read_ea(path)
    assert result.file_info["encoding"] == "cp1252"
    assert result.file_info["columns"]["siret"] == "N° SIRET"
    assert result.counts.rows_read == 4
    [record] = result.records
    assert record.source == "ea" and record.source_key == SIRET_A
    assert record.kinds == ("EA", "EATT")  # the second row adds the EATT activity
    assert record.rows == (2, 3)
    assert record.sectors == ("Nettoyage", "Espaces verts")
    assert record.departement == "69"
    assert {"siret", "name", "brand", "website", "sectors", "postcode"} <= record.fields_present
    # Row 4's 13-digit SIRET gets a suggestion, but the SIRET keys this list: the row is rejected.
    assert result.counts.rejected_by_reason == {"name_missing": 1, "siret_lost_leading_zero": 1}
    messages = [error.message_fr for error in result.errors]
    assert "Ligne 5, champ raison sociale : raison sociale absente ; ligne rejetée." in messages
    assert any(m.startswith("Ligne 4, champ SIRET : SIRET 9999999970001 : 13 chiffres") for m in messages)


def test_ea_explicit_mapping_from_toml_on_xlsx(tmp_path):
    path = tmp_path / "ea.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Ministère du travail - liste des EA (fictive)"])
    sheet.append(["Identifiant", "Libellé de la structure", "CP", "Lat.", "Long."])
    sheet.append([float(SIRET_A), "EA Fictive", 1000, "45,76", "4,83"])
    workbook.save(path)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[columns]\nsiret = "identifiant"\nname = "LIBELLE DE LA STRUCTURE"\nlat = "Lat."\nlon = "Long."\n',
        encoding="utf-8",
    )
    result = read_ea(path, mapping)
    [record] = result.records
    assert record.row == 3
    assert (record.siret, record.name, record.postcode) == (SIRET_A, "EA Fictive", "01000")
    assert (record.lat, record.lon) == (45.76, 4.83)
    assert result.counts.warnings_by_reason == {"postcode_lost_leading_zero": 1}


def test_ea_mapping_naming_an_absent_column_is_a_file_error(tmp_path):
    path = write_csv(tmp_path / "ea.csv", f"SIRET,Nom\n{SIRET_A},EA\n")
    result = read_ea(path, {"name": "Dénomination sociale"})
    assert result.records == [] and not result.ok
    [error] = result.file_errors
    assert error.severity == Severity.ERROR
    assert error.message_fr.startswith(
        "Champ raison sociale : la colonne « Dénomination sociale » indiquée dans la correspondance"
    )


def test_ea_without_siret_column(tmp_path):
    path = write_csv(tmp_path / "ea.csv", "Nom,Ville\nEA,Lyon\n")
    result = read_ea(path)
    assert [error.code for error in result.file_errors] == ["required_column_missing"]
    assert result.counts.rows_read == 0


def test_ea_unreadable_mapping_file(tmp_path):
    path = write_csv(tmp_path / "ea.csv", f"SIRET,Nom\n{SIRET_A},EA\n")
    bad = tmp_path / "m.json"
    bad.write_text("{not json", encoding="utf-8")
    result = read_ea(path, bad)
    assert [error.code for error in result.errors] == ["mapping_unreadable"]


def test_suggest_ea_mapping():
    headers = [
        "Nom du contact",
        "Siret de l'établissement",
        "Dénomination",
        "Nom commercial",
        "Code commune",
        "Commune",
        "Complément d'adresse",
        "Adresse",
    ]
    assert suggest_ea_mapping(headers) == {
        "siret": "Siret de l'établissement",
        "brand": "Nom commercial",
        "name": "Dénomination",
        "address_complement": "Complément d'adresse",
        "address": "Adresse",
        "insee_code": "Code commune",
        "city": "Commune",
    }


# --- le marché de l'inclusion -----------------------------------------------------------------------


def test_lemarche_api_page():
    result = read_lemarche(FIXTURES / "lemarche_api_siae_page.json")
    assert result.counts.rows_read == 7
    assert [record.source_key for record in result.records] == ["101", "102", "103", "104", "105"]
    head, antenna = result.records[0], result.records[1]
    # An antenna shares its head office's SIRET: le marché's id is the key.
    assert head.siret == antenna.siret == SIRET_A
    assert (head.is_head_office, antenna.is_head_office) == (True, False)
    assert head.kinds == ("ACI",)
    assert head.offer_kinds == ("goods", "services")
    assert head.sectors == ("espaces-verts", "nettoyage")
    assert head.website == "https://atelier-fictif.example"
    corsica = result.records[2]
    assert corsica.departement == "2A" and corsica.siret is None
    assert corsica.siret_suggestion == "09999999800018"
    assert result.records[3].is_active is False and result.records[3].departement == "971"
    assert result.counts.rejected_by_reason == {"duplicate_key": 1, "name_missing": 1}
    messages = [error.message_fr for error in result.errors]
    assert "Élément 7, champ id : id 101 déjà lu (élément 1) ; élément rejeté." in messages
    assert "Élément 5, champ kind : type « XYZ » inconnu ; ignoré." in messages
    assert any(m.startswith("Élément 3, champ siret : SIRET 9999999800018 : 13 chiffres") for m in messages)


def test_lemarche_plain_list_and_old_field_names(tmp_path):
    path = tmp_path / "anon.json"
    items = [
        {
            "raisonSociale": "Ancienne API",
            "siret": SIRET_B,
            "type": "EI",
            "codePostal": "13001",
            "ville": "Marseille",
            "siteWeb": "http://old.example",
        },
        "not an object",
    ]
    path.write_text(json.dumps(items), encoding="utf-8")
    result = read_lemarche(path)
    [record] = result.records
    # No id: the SIRET is the key.
    assert record.source_key == SIRET_B
    assert (record.name, record.kinds, record.departement, record.website) == (
        "Ancienne API",
        ("EI",),
        "13",
        "http://old.example",
    )
    assert result.counts.rejected_by_reason == {"not_an_object": 1}


@pytest.mark.parametrize("content", ["{broken", '{"detail": "Invalid token"}'])
def test_lemarche_unreadable(tmp_path, content):
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    result = read_lemarche(path)
    assert result.records == [] and not result.ok


# --- Lambert-93 -------------------------------------------------------------------------------------


def test_lambert93_projection_origin_and_paris():
    # The projection's own definition: (700 000, 6 600 000) is 46°30'N 3°E.
    lat, lon = lambert93_to_wgs84(700_000, 6_600_000)
    assert lat == pytest.approx(46.5, abs=1e-9) and lon == pytest.approx(3.0, abs=1e-9)
    # Paris Notre-Dame, X 652 469 / Y 6 861 483 (rounded figures): 48.853 N, 2.349 E within ~300 m.
    lat, lon = lambert93_to_wgs84(652_469, 6_861_483)
    assert lat == pytest.approx(48.853, abs=0.003) and lon == pytest.approx(2.349, abs=0.005)
    # Forward and inverse agree to the millimetre.
    x, y = wgs84_to_lambert93(48.853, 2.349)
    assert lambert93_to_wgs84(x, y) == pytest.approx((48.853, 2.349), abs=1e-8)


def test_esat_raw_finess_extraction_with_lambert_coordinates(tmp_path):
    path = write_csv(
        tmp_path / "finess.csv",
        "nofinesset;rs;siret;coordxet;coordyet;departement\n"
        "750000000;ESAT Fictif de Paris;;652469.0;6861483.0;75\n"
        "970000001;ESAT Fictif d'outre-mer;;340000;1780000;971\n",
    )
    result = read_esat(path)
    paris, overseas = result.records
    assert paris.lat == pytest.approx(48.853, abs=0.003) and paris.lon == pytest.approx(2.349, abs=0.005)
    assert {"lat", "lon"} <= paris.fields_present
    assert overseas.lat is None
    assert result.counts.warnings_by_reason["coordinates_not_lambert93"] == 1
