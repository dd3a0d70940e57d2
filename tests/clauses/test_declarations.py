"""Declarations: entered by the facilitator, imported from xlsx (row errors in French, atomic, idempotent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from levier.clauses import declarations, services
from levier.clauses.models import Declaration, DeclarationImport, DeclarationLine, Participant
from levier.core.models import AuditEvent
from levier.organisations.roles import Role

from .world import insertion_clause, world_fixture  # noqa: F401

HEADERS = [
    "Période",
    "Code participant",
    "Modalité",
    "Heures",
    "Tranche d'âge",
    "Sexe",
    "Public",
    "QPV",
    "Type de contrat",
    "Durée du contrat (mois)",
    "Prescripteur",
    "Structure",
    "SIRET structure",
]
GOOD = [
    [
        "T1 2027",
        "VAL-001",
        "Embauche directe",
        "120",
        "-26",
        "F",
        "Jeune",
        "oui",
        "CDD",
        "6",
        "Mission locale",
        "",
        "",
    ],
    [
        "T1 2027",
        "VAL-002",
        "ETTI",
        "84,5",
        "26-49",
        "H",
        "RSA",
        "non",
        "CTTI",
        "3",
        "France Travail",
        "Interim Val",
        "",
    ],
    ["T2 2027", "VAL-001", "Embauche directe", "140", "", "", "", "", "", "", "", "", ""],
]


def write_xlsx(path, rows, headers=HEADERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def follow(world):
    return {
        "clause": insertion_clause(world, end=dt.date(2028, 12, 31)),
        "user": world["users"][Role.FACILITATOR],
        "viewer": world["memberships"][Role.FACILITATOR],
        **world,
    }


def test_preview_then_commit_then_reimport_changes_nothing(follow, tmp_path):
    path = write_xlsx(tmp_path / "declarations.xlsx", GOOD)
    preview = declarations.import_declarations(
        follow["user"], follow["viewer"], follow["clause"], path, commit=False
    )
    assert preview.ok and not preview.committed and len(preview.rows) == 3
    assert not DeclarationLine.objects.exists()
    done = declarations.import_declarations(
        follow["user"], follow["viewer"], follow["clause"], path, commit=True
    )
    assert done.committed and done.created == 3 and done.participants_created == 2
    assert Declaration.objects.filter(clause=follow["clause"]).count() == 2  # T1 and T2
    first = Declaration.objects.get(period_start=dt.date(2027, 1, 1))
    assert first.period_end == dt.date(2027, 3, 31)
    assert sum(line.hours for line in DeclarationLine.objects.all()) == Decimal("344.5")
    young = Participant.objects.get(code="VAL-001")
    assert (young.age_band, young.sex, young.eligibility, young.qpv) == ("under_26", "F", "youth", True)
    assert young.last_activity == dt.date(2027, 6, 30)
    again = declarations.import_declarations(
        follow["user"], follow["viewer"], follow["clause"], path, commit=True
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert DeclarationLine.objects.count() == 3
    assert DeclarationImport.objects.filter(status=DeclarationImport.Status.COMMITTED).count() == 2
    # A corrected file replaces the hours of the same participant code, period and way.
    fixed = [list(GOOD[0]), *GOOD[1:]]
    fixed[0][3] = "100"
    declarations.import_declarations(
        follow["user"],
        follow["viewer"],
        follow["clause"],
        write_xlsx(tmp_path / "b.xlsx", fixed),
        commit=True,
    )
    assert DeclarationLine.objects.get(participant=young, declaration=first).hours == Decimal("100")
    assert DeclarationLine.objects.count() == 3
    assert AuditEvent.objects.filter(action="clauses.participants.import").count() == 3


def test_row_errors_are_french_located_and_nothing_is_written(follow, tmp_path):
    bad = [
        GOOD[0],
        ["T1 2027", "VAL-003", "Bénévolat", "12", "-26", "F", "Jeune", "", "CDD", "", "", "", ""],
        ["T1 2027", "VAL-004", "ETTI", "douze", "-26", "F", "Jeune", "", "CDD", "", "", "", ""],
        ["T1 2027", "VAL-005", "ETTI", "10", "", "", "", "", "", "", "", "", ""],
        ["T1 2027", "VAL-001", "Embauche directe", "5", "", "", "", "", "", "", "", "", ""],
        ["T1 2031", "VAL-002", "ETTI", "5", "26-49", "H", "RSA", "", "CTTI", "", "", "", ""],
        ["T2 2027", "VAL-002", "ETTI", "5", "26-49", "H", "RSA", "", "CTTI", "", "", "", "123"],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", bad)
    report = declarations.import_declarations(
        follow["user"], follow["viewer"], follow["clause"], path, commit=True
    )
    assert not report.committed
    messages = [error.message_fr for error in report.errors]
    assert any(m.startswith("Ligne 3, champ Modalité : valeur « Bénévolat » inconnue") for m in messages)
    assert any(
        m.startswith("Ligne 4, champ Heures : nombre d'heures illisible : « douze »") for m in messages
    )
    assert any(m.startswith("Ligne 5, champ Code participant : nouveau participant") for m in messages)
    assert any(m.startswith("Ligne 6, champ Code participant : même participant") for m in messages)
    assert any(m.startswith("Ligne 7, champ Début de période : période postérieure") for m in messages)
    assert any(m.startswith("Ligne 8, champ SIRET structure") for m in messages)
    assert not Declaration.objects.exists() and not Participant.objects.exists()
    assert DeclarationImport.objects.get().status == DeclarationImport.Status.REJECTED


def test_missing_column_and_unreadable_file(follow, tmp_path):
    path = write_xlsx(tmp_path / "short.xlsx", [["T1 2027", "VAL-001", "120"]], ["Période", "Code", "Heures"])
    report = declarations.import_declarations(
        follow["user"], follow["viewer"], follow["clause"], path, commit=True
    )
    assert any("Modalité" in error.message_fr for error in report.errors)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    report = declarations.import_declarations(
        follow["user"], follow["viewer"], follow["clause"], broken, commit=True
    )
    assert report.errors and report.errors[0].message_fr.startswith("Fichier")
    assert not DeclarationLine.objects.exists()


def test_names_are_refused_unless_the_organisation_allows_them(follow, tmp_path):
    headers = [*HEADERS, "Prénom", "Nom"]
    rows = [[*GOOD[0], "Camille", "Martin"]]
    path = write_xlsx(tmp_path / "names.xlsx", rows, headers)
    report = declarations.import_declarations(
        follow["user"], follow["viewer"], follow["clause"], path, commit=True
    )
    assert any("n'autorise pas les noms" in e.message_fr for e in report.errors)
    assert "Camille" not in str(report.to_dict())
    services.update_settings(follow["users"][Role.ADMIN], follow["org"], names_allowed=True)
    report = declarations.import_declarations(
        follow["user"], follow["viewer"], follow["clause"], path, commit=True
    )
    assert report.committed
    assert Participant.objects.get(code="VAL-001").last_name == "Martin"


def test_entered_declaration_replaces_its_period(follow):
    base = {"age_band": "50_plus", "sex": "M", "eligibility": "long_term_jobseeker", "contract_type": "cdi"}
    args = (follow["user"], follow["viewer"], follow["clause"])
    period = {"period_start": dt.date(2027, 1, 1), "period_end": dt.date(2027, 3, 31)}
    declarations.record_declaration(
        *args,
        **period,
        lines=[
            {"code": "A", "way": "direct_hire", "hours": "35", **base},
            {"code": "B", "way": "etti", "hours": 10, **base},
        ],
    )
    assert DeclarationLine.objects.count() == 2
    declarations.record_declaration(
        *args, **period, lines=[{"code": "A", "way": "direct_hire", "hours": "40"}]
    )
    assert [(line.participant.code, line.hours) for line in DeclarationLine.objects.all()] == [
        ("A", Decimal("40"))
    ]
    with pytest.raises(declarations.DeclarationError) as refused:
        declarations.record_declaration(
            *args, **period, lines=[{"code": "C", "way": "direct_hire", "hours": "1"}]
        )
    assert "nouveau participant" in refused.value.message
    with pytest.raises(declarations.DeclarationError) as refused:
        declarations.record_declaration(
            *args, **period, lines=[{"code": "A", "way": "direct_hire", "hours": "-3"}]
        )
    assert refused.value.message.startswith("Ligne 1 : ")


@pytest.mark.parametrize("role", [Role.BUYER, Role.READER, Role.STEWARD, Role.PRESCRIBER, Role.ADMIN])
def test_only_facilitators_record_or_import(follow, role, tmp_path):
    viewer = follow["memberships"][role]
    with pytest.raises(PermissionDenied):
        declarations.record_declaration(
            follow["users"][role],
            viewer,
            follow["clause"],
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 3, 31),
            lines=[{"code": "A", "way": "direct_hire", "hours": "1"}],
        )
    with pytest.raises(PermissionDenied):
        declarations.import_declarations(
            follow["users"][role],
            viewer,
            follow["clause"],
            write_xlsx(tmp_path / "x.xlsx", GOOD),
            commit=True,
        )
    assert not DeclarationLine.objects.exists()
