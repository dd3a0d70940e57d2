from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from levier.rules import geography
from levier.rules.geography import Geography, distance_km, read_communes_file
from levier.rules.refstore import RefStore

FIXTURES = Path(__file__).parent / "fixtures"
DATAGOUV = FIXTURES / "communes_datagouv_idf_corse.csv"
LAPOSTE = FIXTURES / "communes_laposte_sample.csv"


@pytest.fixture(scope="module")
def geo():
    return Geography(read_communes_file(DATAGOUV).communes)


@pytest.fixture(scope="module")
def bare():
    return Geography()


def test_shipped_tables_are_complete():
    departements = geography.shipped_departements()
    regions = geography.shipped_regions()
    assert len(departements) == 101
    assert len(regions) == 18
    assert {"2A", "2B", "971", "976"} <= set(departements)
    assert all(dep.region_code in regions for dep in departements.values())
    assert departements["94"].name == "Val-de-Marne"
    assert departements["2A"].region_code == "94"


def test_datagouv_file(geo):
    report = read_communes_file(DATAGOUV)
    assert report.source_format == "datagouv"
    assert report.errors == []
    creteil = geo.communes["94028"]
    assert creteil.name == "Créteil"
    assert creteil.postcodes == ("94000",)
    assert (creteil.departement, creteil.region) == ("94", "11")
    assert geo.communes["93066"].postcodes == ("93200", "93210")
    assert geo.communes["2A004"].departement == "2A"
    assert geo.communes["97411"].region == "04"
    # Paris is listed by arrondissement in postal files: the city itself is added
    assert geo.communes["75056"].name == "Paris"
    assert set(geo.communes["75056"].postcodes) == {"75001", "75004", "75020"}


def test_laposte_file():
    report = read_communes_file(LAPOSTE)
    assert report.source_format == "laposte"
    assert len(report.errors) == 1 and "XXXXX" in report.errors[0]
    by_code = {c.code: c for c in report.communes}
    assert by_code["01001"].postcodes == ("01400",)  # leading zeros lost by a spreadsheet, restored
    assert by_code["94028"].lat == pytest.approx(48.7837)
    assert by_code["2B033"].lat is None
    assert by_code["93066"].name == "St Denis"


def test_unrecognised_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(geography.CommunesFileError):
        read_communes_file(path)


@pytest.mark.parametrize(
    "text, precision, code",
    [
        ("Créteil", "commune", "94028"),
        ("creteil", "commune", "94028"),
        ("CRÉTEIL", "commune", "94028"),
        ("94000", "commune", "94028"),
        ("94028", "commune", "94028"),
        ("94", "departement", "94"),
        ("094", "departement", "94"),
        ("Val-de-Marne", "departement", "94"),
        ("val de marne", "departement", "94"),
        ("Île-de-France", "region", "11"),
        ("ile de france", "region", "11"),
        ("Saint-Denis (93)", "commune", "93066"),
        ("Saint-Denis (974)", "commune", "97411"),
        ("St Denis 93", "commune", "93066"),
        ("Saint-Denis (93210)", "commune", "93066"),
        ("L'Île-Rousse", "commune", "2B134"),
        ("2A", "departement", "2A"),
        ("2b", "departement", "2B"),
        ("20200", "commune", "2B033"),
        ("Corse", "region", "94"),
        ("Paris", "commune", "75056"),
        ("75020", "commune", "75120"),
    ],
)
def test_resolve_place(geo, text, precision, code):
    resolution = geo.resolve_place(text)
    assert resolution.status == "found", resolution.message_fr
    assert (resolution.best.precision, resolution.best.code) == (precision, code)


def test_ambiguous_names_return_ranked_candidates(geo):
    resolution = geo.resolve_place("Saint-Denis")
    assert resolution.status == "ambiguous"
    assert [p.code for p in resolution.candidates] == ["93066", "97411"]
    assert "Précisez" in resolution.message_fr
    near_reunion = geo.resolve_place("Saint-Denis", near=(-21.0, 55.5))
    assert near_reunion.best.code == "97411"


def test_approximate_and_unknown(geo):
    typo = geo.resolve_place("Créteill")
    assert typo.status == "approximate" and typo.best.code == "94028"
    assert geo.resolve_place("Atlantide").status == "not_found"
    assert geo.resolve_place("").status == "not_found"
    assert geo.resolve_place("00").status == "not_found"


def test_fallback_without_communes(bare):
    coverage = bare.coverage()
    assert coverage.departement_fallback_only
    assert "départements" in coverage.message_fr
    by_postcode = bare.resolve_place("94000")
    assert by_postcode.best.precision == "departement" and by_postcode.best.code == "94"
    assert "Communes non chargées" in by_postcode.best.note_fr
    assert bare.resolve_place("20137").best.code == "2A"
    assert bare.resolve_place("20200").best.code == "2B"
    assert bare.resolve_place("97400").best.code == "974"
    assert bare.resolve_place("Val-de-Marne").best.code == "94"
    assert bare.resolve_place("Créteil").status == "not_found"


def test_coverage_with_communes(geo):
    coverage = geo.coverage()
    assert coverage.level == "commune"
    assert coverage.communes == coverage.communes_with_position == 35
    assert not coverage.departement_fallback_only


def test_postcode_department_rules():
    assert geography.departement_of_postcode("20000") == "2A"
    assert geography.departement_of_postcode("20100") == "2A"
    assert geography.departement_of_postcode("20200") == "2B"
    assert geography.departement_of_postcode("20600") == "2B"
    assert geography.departement_of_postcode("1400") == "01"
    assert geography.departement_of_postcode("97411") == "974"
    assert geography.departement_of_postcode("abc") is None


def test_distance(geo):
    creteil = geo.resolve_place("Créteil").best
    vincennes = geo.resolve_place("Vincennes").best
    # 0.0637° of latitude and 0.0164° of longitude at 48.8° N
    assert distance_km(creteil, vincennes) == pytest.approx(7.18, abs=0.05)
    assert distance_km(creteil, creteil) == 0
    ajaccio = geo.resolve_place("Ajaccio").best
    assert 850 < distance_km(creteil, ajaccio) < 950
    assert distance_km((48.8566, 2.3522), (45.7640, 4.8357)) == pytest.approx(392, abs=3)
    assert distance_km("Créteil", "Bastia", geography=geo) > 800
    with pytest.raises(TypeError):
        distance_km((48.0, 2.0), object(), geography=geo)


def test_commune_without_coordinates_uses_the_departement_point():
    geo = Geography(read_communes_file(LAPOSTE).communes)
    bastia = geo.resolve_place("Bastia").best
    assert bastia.precision == "commune"
    assert (bastia.lat, bastia.lon) == (geography.shipped_departements()["2B"].lat, 9.450)
    assert "chef-lieu" in bastia.note_fr
    assert geo.coverage().communes_with_position < geo.coverage().communes


def test_load_from_store(tmp_path):
    store = RefStore(tmp_path)
    assert Geography.load(store).coverage().departement_fallback_only
    dataset, report = geography.import_file(DATAGOUV, store)
    assert dataset.records == len(report.communes)
    loaded = Geography.load(store)
    assert loaded.resolve_place("Créteil").best.code == "94028"
    assert loaded.coverage().source["source_file"] == DATAGOUV.name
    assert geography.get_geography(store).resolve_place("94000").best.code == "94028"


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_resolve_place_never_crashes(text):
    resolution = Geography(read_communes_file(DATAGOUV).communes).resolve_place(text)
    assert resolution.status in {"found", "ambiguous", "approximate", "not_found"}
    assert resolution.message_fr
    assert (resolution.best is None) == (resolution.status == "not_found")
