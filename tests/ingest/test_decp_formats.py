"""The DECP readers on every layout: XML of both formats, the consolidated tabular file (CSV and Parquet),
non-standard JSON, damaged files; and the single-value readers on the defects listed in DESIGN §6."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import duckdb
import pytest

from levier.ingest.decp import DecpFormatError, ReadReport, read_contracts, values
from levier.ingest.decp.records import SOCIAL_CLAUSE, SOCIAL_CRITERION, SOCIAL_NONE, SOCIAL_RESERVED
from tests.paths import SHARED_DATA

DECP = SHARED_DATA / "decp"
needs_data = pytest.mark.skipif(not DECP.exists(), reason="shared real data not available")


def read(path):
    report = ReadReport()
    return list(read_contracts(path, report)), report


def _xml(parent, key, value, singular):
    """JSON to XML the way the XSD nests it: list containers hold one element per item."""
    if isinstance(value, dict):
        element = ET.SubElement(parent, key)
        for child_key, child in value.items():
            _xml(element, child_key, child, singular)
    elif isinstance(value, list):
        if key in singular:
            element = ET.SubElement(parent, key)
            for item in value:
                if isinstance(item, dict) and len(item) == 1 and singular[key] in item:
                    item = item[singular[key]]
                _xml(element, singular[key], item, singular)
        else:
            for item in value:
                _xml(parent, key, item, singular)
    elif value is not None:
        ET.SubElement(parent, key).text = str(value)


SINGULAR = {"titulaires": "titulaire", "modifications": "modification", "concessionnaires": "concessionnaire"}


def write_xml(records, path, tag_of=lambda record: "marche"):
    root = ET.Element("marches")
    for record in records:
        _xml(root, tag_of(record), record, SINGULAR)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def summary(contract):
    return (
        contract.contract_id,
        contract.buyer_id,
        contract.cpv,
        contract.notified_on,
        contract.amount,
        contract.initial_amount,
        contract.duration_months,
        [h.identifier for h in contract.holders],
        contract.social,
        contract.region,
        contract.kind,
    )


@needs_data
def test_2019_xml_reads_like_the_same_records_in_json(tmp_path):
    records = json.loads((DECP / "samples" / "decp2019_pes_2019-04-05.json").read_text("utf-8"))["marches"]
    chosen = records[:40] + [r for r in records if r["modifications"]]
    source = tmp_path / "pes.json"
    source.write_text(json.dumps({"marches": chosen}), "utf-8")
    write_xml(chosen, tmp_path / "pes.xml")
    from_json, _ = read(source)
    from_xml, report = read(tmp_path / "pes.xml")
    assert [summary(c) for c in from_xml] == [summary(c) for c in from_json]
    assert report.records_by_format == {"decp-2019-xml": len(chosen)}
    assert sum(c.modifications for c in from_xml) == 8


@needs_data
def test_2024_xml_with_concessions_reads_like_the_json(tmp_path):
    document = json.loads((DECP / "schema" / "139bercy_example_marches_concessions.json").read_text("utf-8"))
    concessions, contracts = document["marches"]["contrat-concession"], document["marches"]["marche"]
    write_xml(
        contracts + concessions,
        tmp_path / "decp.xml",
        tag_of=lambda record: "contrat-concession" if "autoriteConcedante" in record else "marche",
    )
    from_json, _ = read(DECP / "schema" / "139bercy_example_marches_concessions.json")
    from_xml, report = read(tmp_path / "decp.xml")
    assert [summary(c) for c in from_xml] == [summary(c) for c in from_json]
    assert report.records_by_format == {"decp-2024-xml": 4}
    assert [c.kind for c in from_xml] == ["marche", "marche", "concession", "concession"]


TABULAR_HEADER = (
    "uid,id,nature,acheteur_id,acheteur_nom,titulaire_id,titulaire_typeIdentifiant,titulaire_nom,objet,"
    "montant,codeCPV,procedure,dureeMois,dateNotification,datePublicationDonnees,considerationsSociales,"
    "lieuExecution_code,lieuExecution_typeCode,modification_id,donneesActuelles"
)
TABULAR_ROWS = [
    # Contract A: two holders, initial data (modification 0) then modification 1 (the current state).
    '21750001600019A1,A1,Marché,21750001600019,Ville,55204599900869,SIRET,Alpha,"Nettoyage, vitrerie",'
    '100000,90910000,Procédure adaptée,12,2024-03-01,2024-03-10,"Clause sociale, Critère social",75001,'
    "Code postal,0,false",
    '21750001600019A1,A1,Marché,21750001600019,Ville,38103128500491,SIRET,Beta,"Nettoyage, vitrerie",'
    '100000,90910000,Procédure adaptée,12,2024-03-01,2024-03-10,"Clause sociale, Critère social",75001,'
    "Code postal,0,false",
    '21750001600019A1,A1,Marché,21750001600019,Ville,55204599900869,SIRET,Alpha,"Nettoyage, vitrerie",'
    '120000,90910000,Procédure adaptée,18,2024-03-01,2024-03-10,"Clause sociale, Critère social",75001,'
    "Code postal,1,true",
    '21750001600019A1,A1,Marché,21750001600019,Ville,38103128500491,SIRET,Beta,"Nettoyage, vitrerie",'
    '120000,90910000,Procédure adaptée,18,2024-03-01,2024-03-10,"Clause sociale, Critère social",75001,'
    "Code postal,1,true",
    # Contract B: a buyer SIRET and a postcode that lost their leading zero (integer columns).
    "1234567800010B7,B7,Marché de sécurité,1234567800010,Labo,82746233400018,SIRET,Gamma,Réactifs,"
    "50000,33696500-0,Appel d'offres ouvert,24,2025-01-15,2025-01-20,Sans objet,1000,Code postal,0,true",
    # Contract C: reserved, published without a modification column value.
    "22130001500247C3,C3,Marché,22130001500247,Département,41255646600024,SIRET,Delta,Espaces verts,"
    "80000,77310000,Procédure adaptée,36,2025-06-01,2025-06-02,Marché réservé,13,Code département,0,true",
]


def write_tabular(path):
    path.write_text(TABULAR_HEADER + "\n" + "\n".join(TABULAR_ROWS) + "\n", "utf-8")


def check_tabular(contracts, report):
    by_id = {c.contract_id: c for c in contracts}
    assert sorted(by_id) == ["A1", "B7", "C3"]
    a = by_id["A1"]
    assert (a.initial_amount, a.amount, a.initial_duration_months, a.duration_months) == (
        100000,
        120000,
        12,
        18,
    )
    assert sorted(h.siret for h in a.holders) == ["38103128500491", "55204599900869"]
    assert a.social == (SOCIAL_CLAUSE, SOCIAL_CRITERION)
    assert a.object == "Nettoyage, vitrerie" and a.region == "11"
    b = by_id["B7"]
    assert b.social == (SOCIAL_NONE,)  # "Sans objet"
    assert b.buyer_siret == "01234567800010"  # 13 digits; the 0-prefixed value passes the Luhn check
    assert b.departement == "01"
    assert b.legal_nature == "Marché de défense ou de sécurité"
    assert by_id["C3"].social == (SOCIAL_RESERVED,)
    assert by_id["C3"].departement == "13" and by_id["C3"].region == "93"
    assert report.reasons["modifications_applied"] == 1
    assert report.reasons["siret_leading_zero_restored"] == 1


def test_tabular_csv_groups_holders_and_keeps_the_current_state(tmp_path):
    path = tmp_path / "decp.csv"
    write_tabular(path)
    contracts, report = read(path)
    assert report.records_by_format == {"decp-tabulaire-csv": 3}
    check_tabular(contracts, report)


def test_tabular_parquet_reads_like_the_csv(tmp_path):
    csv_path, parquet_path = tmp_path / "decp.csv", tmp_path / "decp.parquet"
    write_tabular(csv_path)
    # Typed columns, as decp-processing publishes them (acheteur_id and lieuExecution_code as integers).
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{parquet_path}' (FORMAT parquet)"
    )
    contracts, report = read(parquet_path)
    assert report.records_by_format == {"decp-tabulaire-parquet": 3}
    check_tabular(contracts, report)


def test_bare_nan_and_infinity_are_read_as_empty(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text(
        '{"marches": {"marche": [{"id": "X1", "acheteur": {"id": "21750001600019"}, "montant": NaN, '
        '"dureeMois": Infinity, "objet": "ratio: NaN, fin", "codeCPV": "45000000"}]}}',
        "utf-8",
    )
    contracts, report = read(path)
    assert contracts[0].amount is None and contracts[0].duration_months is None
    assert contracts[0].object == "ratio: NaN, fin"
    assert report.reasons["amount_missing"] == 1


def test_records_without_identity_are_rejected_with_a_reason(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "marches": [
                    "not a record",
                    {"acheteur": {"id": "21750001600019"}, "objet": "sans id"},
                    {"id": "Z9", "objet": "sans acheteur"},
                    {"id": "OK1", "acheteur": {"id": "21750001600019"}, "codeCPV": "3000000"},
                ]
            }
        ),
        "utf-8",
    )
    contracts, report = read(path)
    assert [c.contract_id for c in contracts] == ["OK1"]
    assert report.rejected == 3
    assert report.by_outcome("rejected") == {"missing_buyer": 1, "missing_id": 1, "not_a_record": 1}
    assert contracts[0].cpv == "03000000"
    assert report.reasons["cpv_leading_zero_restored"] == 1
    assert report.examples["missing_id"] == ["bad.json, marché n° 2"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "truncated.json",
            '{"marches": [{"id": "A", "acheteur": {"id": "1"}}, {"id": "B", ',
            r"truncated\.json : fichier illisible",
        ),
        ("notes.txt", "bonjour\n", "format non reconnu"),
        ("broken.xml", "<marches><marche><id>A</id></marches>", r"broken\.xml : XML illisible"),
        ("other.csv", "uid,objet\n1,x\n", "colonnes du fichier consolidé absentes : id, acheteur_id"),
    ],
)
def test_damaged_files_are_refused_with_a_french_message(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, "utf-8")
    with pytest.raises(DecpFormatError, match=message):
        read(path)


@pytest.mark.parametrize(
    ("raw", "expected", "reasons"),
    [
        ("2018-12-17", dt.date(2018, 12, 17), ()),
        ("2018-12-17+01:00", dt.date(2018, 12, 17), ("date_time_zone_removed",)),
        ("2018-12-17T10:00:00Z", dt.date(2018, 12, 17), ("date_time_zone_removed",)),
        ("0218-10-29", dt.date(2018, 10, 29), ("date_year_repaired",)),
        ("17/12/2018", dt.date(2018, 12, 17), ()),
        ("2019-02-30", None, ("date_invalid",)),
        ("1899-01-01", None, ("date_invalid",)),
        ("", None, ("date_missing",)),
        ("NC", None, ("date_invalid",)),
    ],
)
def test_dates(raw, expected, reasons):
    assert values.parse_date(raw) == (expected, reasons)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (153900, (153900.0, None)),
        ("12 000,50", (12000.5, None)),
        (0, (None, "amount_zero")),
        (-5, (None, "amount_zero")),
        (999999999, (None, "amount_placeholder")),
        (99999999.0, (None, "amount_placeholder")),
        (1e14, (None, "amount_implausible")),
        ("NC", (None, "amount_missing")),
        (None, (None, "amount_missing")),
    ],
)
def test_amounts(raw, expected):
    assert values.read_amount(raw) == expected


@pytest.mark.parametrize(
    ("code", "type_code", "expected"),
    [
        ("75013", "Code postal", ("postal", "75", "11", ())),
        ("69123", "Code commune", ("commune", "69", "84", ())),
        ("2A004", "Code commune", ("commune", "2A", "94", ())),
        ("48330", "Code arrondissement", ("postal", "48", "76", ("place_type_repaired",))),
        ("85", "Code département", ("departement", "85", "52", ())),
        ("85", "CODE POSTAL", ("departement", "85", "52", ("place_type_repaired",))),
        ("1000", "Code postal", ("postal", "01", "84", ())),
        ("84", "Code région", ("region", None, "84", ())),
        ("FR", "Code pays", ("pays", None, None, ())),
        ("INO", "Code commune", ("commune", None, None, ("place_unknown",))),
    ],
)
def test_places(code, type_code, expected):
    assert values.read_place(code, type_code) == expected


def test_social_values():
    assert values.read_social(["Clause sociale", "Critère social"]) == ((SOCIAL_CLAUSE, SOCIAL_CRITERION), ())
    assert values.read_social(["Marché réservé, Pas de considération sociale"]) == ((SOCIAL_RESERVED,), ())
    assert values.read_social(["CritÃ¨re social"]) == ((SOCIAL_CRITERION,), ())
    assert values.read_social(["Clauses sociales"]) == ((SOCIAL_CLAUSE,), ("social_value_spelling",))
    assert values.read_social(["Clause verte"]) == ((), ("social_value_unknown",))


def test_text_repairs():
    assert values.repair_text("Ma&#238;trise d&#8217;&#339;uvre") == (
        "Maîtrise d’œuvre",
        ("text_entities_decoded",),
    )
    assert values.repair_text("Ã‰lectricitÃ©  gÃ©nÃ©rale") == (
        "Électricité générale",
        ("text_accents_repaired",),
    )
