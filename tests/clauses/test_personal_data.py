"""Participant data: who sees it, every read and write logged, the export on request, retention and purge."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404

from levier.clauses import declarations, forecast, personal_data, services
from levier.clauses.models import DeclarationLine, Participant
from levier.core.models import AuditEvent
from levier.organisations.roles import Role

from .world import insertion_clause, world_fixture  # noqa: F401

PERSON = {"age_band": "under_26", "sex": "F", "eligibility": "rsa", "contract_type": "cddi", "qpv": True}


@pytest.fixture
def followed(world):
    clause = insertion_clause(world)
    declarations.record_declaration(
        world["users"][Role.FACILITATOR],
        world["memberships"][Role.FACILITATOR],
        clause,
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 3, 31),
        lines=[{"code": "P-1", "way": "direct_hire", "hours": 150, **PERSON}],
    )
    return {**world, "clause": clause}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.FACILITATOR, True),
        (Role.ADMIN, False),
        (Role.BUYER, False),
        (Role.PRESCRIBER, False),
        (Role.STEWARD, False),
        (Role.READER, False),
    ],
)
def test_only_facilitators_read_participant_rows(followed, role, allowed):
    viewer, user = followed["memberships"][role], followed["users"][role]
    assert personal_data.may_see_participants(viewer, followed["org"]) is allowed
    before = AuditEvent.objects.filter(action="clauses.participants.read").count()
    if allowed:
        lines = personal_data.participant_lines(user, viewer, followed["clause"])
        assert [line.participant.code for line in lines] == ["P-1"]
        assert len(personal_data.participants(user, viewer, followed["org"])) == 1
        assert AuditEvent.objects.filter(action="clauses.participants.read").count() == before + 2
        event = AuditEvent.objects.filter(action="clauses.participants.read").latest("pk")
        assert event.actor == user and event.details["count"] == 1
    else:
        for call in (
            lambda: personal_data.participant_lines(user, viewer, followed["clause"]),
            lambda: personal_data.participants(user, viewer, followed["org"]),
            lambda: personal_data.save_participant(user, viewer, followed["org"], code="X", **PERSON),
            lambda: personal_data.export_participant(user, viewer, Participant.objects.get()),
        ):
            with pytest.raises(PermissionDenied):
                call()
        assert AuditEvent.objects.filter(action="clauses.participants.read").count() == before


def test_admins_see_participants_when_the_organisation_turns_it_on(followed):
    admin = followed["memberships"][Role.ADMIN]
    services.update_settings(followed["users"][Role.ADMIN], followed["org"], admins_see_participants=True)
    assert personal_data.may_see_participants(admin, followed["org"])
    assert personal_data.participant_lines(followed["users"][Role.ADMIN], admin, followed["clause"])
    # Still not the other roles.
    assert not personal_data.may_see_participants(followed["memberships"][Role.BUYER], followed["org"])


def test_another_organisation_s_participant_is_not_found(followed, make_org, member):
    other = make_org("autre-ville")
    viewer = member(followed["users"][Role.FACILITATOR], other, Role.FACILITATOR)
    with pytest.raises(Http404):
        personal_data.get_participant(
            followed["users"][Role.FACILITATOR], viewer, other, Participant.objects.get().pk
        )


def test_writes_are_logged_and_names_need_the_setting(followed):
    user, viewer = followed["users"][Role.FACILITATOR], followed["memberships"][Role.FACILITATOR]
    with pytest.raises(personal_data.ParticipantError):
        personal_data.save_participant(
            user, viewer, followed["org"], code="P-2", last_name="Durand", **PERSON
        )
    saved = personal_data.save_participant(user, viewer, followed["org"], code="P-2", **PERSON)
    personal_data.save_participant(user, viewer, followed["org"], code="P-2", contract_months=6)
    saved.refresh_from_db()
    assert saved.contract_months == 6 and saved.eligibility == "rsa"
    actions = list(
        AuditEvent.objects.filter(target_type="clauses.participant", target_id=str(saved.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["clauses.participants.create", "clauses.participants.update"]
    with pytest.raises(personal_data.ParticipantError):
        personal_data.save_participant(
            user, viewer, followed["org"], code="P-3", sex="X", age_band="under_26"
        )


def test_export_of_one_participant(followed):
    user, viewer = followed["users"][Role.FACILITATOR], followed["memberships"][Role.FACILITATOR]
    participant = Participant.objects.get(code="P-1")
    data = personal_data.export_participant(user, viewer, participant)
    json.dumps(data)
    assert data["code"] == "P-1" and data["eligibility"] == "Bénéficiaire du RSA"
    assert data["hours"] == [
        {
            "clause": str(followed["clause"]),
            "period_start": "2027-01-01",
            "period_end": "2027-03-31",
            "way": "Embauche directe",
            "hours": 150.0,
            "structure": "",
        }
    ]
    event = AuditEvent.objects.get(action="clauses.participants.export")
    assert event.target_id == str(participant.pk) and event.actor == user


def test_purge_after_retention_keeps_the_hours(followed, capsys):
    clause = followed["clause"]
    # Retention 36 months after the clause's end (31/12/2027): not before 01/01/2031.
    assert personal_data.purge(on=dt.date(2030, 12, 1)).participants == 0
    dry = personal_data.purge(on=dt.date(2031, 1, 2), dry_run=True)
    assert dry.participants == 1 and dry.codes == ("P-1",)
    assert Participant.objects.count() == 1
    call_command("clause", "purge", "--dry-run", "--on", "2031-01-02")
    assert "1 participant(s) seraient supprimés" in capsys.readouterr().out
    call_command("clause", "purge", "--on", "2031-01-02", "--org", followed["org"].slug)
    assert "1 participant(s) supprimés" in capsys.readouterr().out
    assert not Participant.objects.exists()
    line = DeclarationLine.objects.get()
    assert line.participant is None and line.hours == Decimal("150")
    assert forecast.progress(clause, on=dt.date(2031, 1, 2)).achieved == Decimal("150")
    assert AuditEvent.objects.filter(action="clauses.participants.purge").count() == 1


def test_purge_spares_a_participant_of_a_running_clause(followed):
    services.update_settings(followed["users"][Role.ADMIN], followed["org"], retention_months=1)
    services.update_clause(
        followed["users"][Role.FACILITATOR], followed["clause"], end_date=dt.date(2035, 1, 1)
    )
    assert personal_data.purge(on=dt.date(2031, 1, 2)).participants == 0


def test_export_command_writes_json(followed, tmp_path):
    out = tmp_path / "p1.json"
    call_command(
        "clause", "export-participant", "--org", followed["org"].slug, "--code", "P-1", "-o", str(out)
    )
    assert json.loads(out.read_text("utf-8"))["code"] == "P-1"
    assert AuditEvent.objects.filter(action="clauses.participants.export").exists()
