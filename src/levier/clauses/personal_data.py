"""The gate to participant data: who may see it, the audit of every read and write, retention and purge.

Participants are personal data, some of it sensitive (disability, RSA): only facilitators of the organisation
see participant rows, and its admins when `ClauseSettings.admins_see_participants` is on. Every function here
that reads or writes participant rows checks that first (`PermissionDenied` otherwise) and records an
`AuditEvent` naming the action and how many rows were touched. Pages, exports and the API go through these
functions rather than querying `Participant` or `DeclarationLine` themselves.

Names: `first_name`/`last_name` are accepted only when `ClauseSettings.names_allowed`; turning that setting
off does not erase names already kept (the purge or an edit does).

Retention: a participant is purged `retention_months` after the latest end date of the clauses they worked
on (a participant without lines counts from their last activity), and never while one of their clauses is
still running. The purge deletes the participant; their declaration lines stay, without a participant, so
that the hours of the clause remain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404

from levier.core import audit
from levier.organisations.roles import Role

from .forecast import add_months
from .models import (
    AgeBand,
    ClauseStatus,
    ContractType,
    DeclarationLine,
    Eligibility,
    Participant,
    Qualification,
    ReferringBody,
    Sex,
)

# The pseudonymous profile; names come on top only where the organisation allows them.
PROFILE_FIELDS = (
    "age_band",
    "sex",
    "eligibility",
    "qualification",
    "qpv",
    "contract_type",
    "contract_months",
    "referring_body",
)
NAME_FIELDS = ("first_name", "last_name")
PARTICIPANT_FIELDS = (*PROFILE_FIELDS, *NAME_FIELDS)
CHOICES = {
    "age_band": AgeBand,
    "sex": Sex,
    "eligibility": Eligibility,
    "qualification": Qualification,
    "contract_type": ContractType,
    "referring_body": ReferringBody,
}
REQUIRED = ("age_band", "sex", "eligibility", "contract_type")


class ParticipantError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ServerOperator:
    """The viewer of the terminal commands and of the demo loader: whoever runs them on the server already
    holds the database, so they act with a facilitator's access (and their actions are still audited)."""

    def has_role(self, *roles: str) -> bool:
        return Role.FACILITATOR in roles


def may_see_participants(viewer, organisation) -> bool:
    """Facilitators always; admins when the organisation turned it on; nobody else."""
    if viewer is None:
        return False
    if viewer.has_role(Role.FACILITATOR):
        return True
    if viewer.has_role(Role.ADMIN):
        from .services import settings_for

        return settings_for(organisation).admins_see_participants
    return False


def _require(viewer, organisation) -> None:
    if not may_see_participants(viewer, organisation):
        raise PermissionDenied("Seuls les facilitateurs voient les données des participants.")


def log_participant_access(user, organisation, action: str, target=None, count: int = 0, **details) -> None:
    audit.record(
        user,
        organisation,
        f"clauses.participants.{action}",
        target,
        f"Données des participants : {action} ({count} ligne(s))",
        count=count,
        **details,
    )


def participant_lines(user, viewer, clause) -> list[DeclarationLine]:
    """The declaration lines of a clause with their participant, for a facilitator; the read is logged."""
    _require(viewer, clause.organisation)
    lines = list(
        DeclarationLine.objects.filter(declaration__clause=clause)
        .select_related("participant", "declaration")
        .order_by("declaration__period_start", "participant__code", "way")
    )
    log_participant_access(user, clause.organisation, "read", clause, len(lines))
    return lines


def participants(user, viewer, organisation) -> list[Participant]:
    _require(viewer, organisation)
    found = list(Participant.objects.filter(organisation=organisation).order_by("code"))
    log_participant_access(user, organisation, "read", None, len(found))
    return found


def get_participant(user, viewer, organisation, pk) -> Participant:
    _require(viewer, organisation)
    found = Participant.objects.filter(organisation=organisation, pk=pk).first()
    if found is None:
        raise Http404("Participant introuvable.")
    log_participant_access(user, organisation, "read", found, 1)
    return found


def clean_participant_fields(organisation, fields: dict) -> dict:
    """Checked values, French messages naming the field; names refused unless the organisation allows them."""
    from .services import settings_for

    unknown = set(fields) - set(PARTICIPANT_FIELDS)
    if unknown:
        raise ParticipantError(f"Champ inconnu : {', '.join(sorted(unknown))}.")
    labels = {name: Participant._meta.get_field(name).verbose_name for name in PARTICIPANT_FIELDS}
    cleaned = dict(fields)
    for name, choices in CHOICES.items():
        value = cleaned.get(name)
        if value not in (None, "") and value not in choices.values:
            raise ParticipantError(f"{labels[name].capitalize()} : valeur « {value} » inconnue.", name)
    if any(cleaned.get(name) for name in NAME_FIELDS) and not settings_for(organisation).names_allowed:
        raise ParticipantError(
            "Nom : l'organisation n'autorise pas les noms des participants ; utilisez le code seul.",
            "last_name",
        )
    months = cleaned.get("contract_months")
    if months not in (None, "") and int(months) < 0:
        raise ParticipantError("Durée du contrat : un nombre de mois positif est attendu.", "contract_months")
    return cleaned


def upsert_participant(organisation, code: str, fields: dict) -> tuple[Participant, bool]:
    """Create or update by code without checks or audit: for callers that did both (declarations)."""
    found = Participant.objects.filter(organisation=organisation, code=code).first()
    if found is None:
        missing = [name for name in REQUIRED if not fields.get(name)]
        if missing:
            labels = ", ".join(str(Participant._meta.get_field(name).verbose_name) for name in missing)
            raise ParticipantError(f"Nouveau participant « {code} » : indiquez {labels}.", missing[0])
        return Participant.objects.create(organisation=organisation, code=code, **fields), True
    changed = [
        name for name, value in fields.items() if value not in (None, "") and getattr(found, name) != value
    ]
    for name in changed:
        setattr(found, name, fields[name])
    if changed:
        found.save()
    return found, False


@transaction.atomic
def save_participant(user, viewer, organisation, *, code: str, **fields) -> Participant:
    _require(viewer, organisation)
    code = (code or "").strip()
    if not code:
        raise ParticipantError("Code : un code de participant est attendu.", "code")
    cleaned = clean_participant_fields(organisation, fields)
    participant, created = upsert_participant(organisation, code, cleaned)
    log_participant_access(
        user, organisation, "create" if created else "update", participant, 1, fields=sorted(cleaned)
    )
    return participant


def export_participant(user, viewer, participant: Participant) -> dict:
    """Everything kept about one participant, for a request from that person (GDPR right of access)."""
    _require(viewer, participant.organisation)
    lines = (
        DeclarationLine.objects.filter(participant=participant)
        .select_related("declaration__clause__purchase")
        .order_by("declaration__period_start", "way")
    )
    data = {
        "organisation": participant.organisation.name,
        "code": participant.code,
        **{
            name: (
                getattr(participant, f"get_{name}_display")()
                if name in CHOICES and getattr(participant, name)
                else getattr(participant, name)
            )
            for name in PARTICIPANT_FIELDS
        },
        "last_activity": participant.last_activity.isoformat() if participant.last_activity else None,
        "created_at": participant.created_at.isoformat(),
        "hours": [
            {
                "clause": str(line.declaration.clause),
                "period_start": line.declaration.period_start.isoformat(),
                "period_end": line.declaration.period_end.isoformat(),
                "way": line.get_way_display(),
                "hours": float(line.hours),
                "structure": line.structure_name,
            }
            for line in lines
        ],
    }
    log_participant_access(user, participant.organisation, "export", participant, 1 + len(data["hours"]))
    return data


# --- Retention ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    participants: int
    lines_unlinked: int
    codes: tuple[str, ...]


def purgeable(organisation=None, *, on: dt.date | None = None):
    """Participants past retention: every clause they worked on ended more than `retention_months` ago."""
    from .services import settings_for

    day = on or dt.date.today()
    queryset = Participant.objects.all()
    if organisation is not None:
        queryset = queryset.filter(organisation=organisation)
    found = []
    by_org: dict[int, int] = {}
    annotated = queryset.annotate(
        last_end=Max("lines__declaration__clause__end_date"),
        running=Max(
            "lines__declaration__clause__pk",
            filter=~Q(lines__declaration__clause__status=ClauseStatus.CLOSED)
            & (
                Q(lines__declaration__clause__end_date__gte=day)
                | Q(lines__declaration__clause__end_date=None)
            ),
        ),
    ).select_related("organisation")
    for participant in annotated:
        if participant.organisation_id not in by_org:
            by_org[participant.organisation_id] = settings_for(participant.organisation).retention_months
        if participant.running is not None:
            continue
        reference = participant.last_end or participant.last_activity or participant.created_at.date()
        if add_months(reference, by_org[participant.organisation_id]) < day:
            found.append(participant)
    return found


@transaction.atomic
def purge(organisation=None, *, on: dt.date | None = None, dry_run: bool = False, user=None) -> PurgeResult:
    found = purgeable(organisation, on=on)
    ids = [p.pk for p in found]
    lines = DeclarationLine.objects.filter(participant_id__in=ids).count()
    result = PurgeResult(participants=len(found), lines_unlinked=lines, codes=tuple(p.code for p in found))
    if dry_run or not found:
        return result
    by_org: dict = {}
    for participant in found:
        by_org.setdefault(participant.organisation, []).append(participant.pk)
    for org, pks in by_org.items():
        log_participant_access(user, org, "purge", None, len(pks), participant_ids=pks)
    Participant.objects.filter(pk__in=ids).delete()
    return result
