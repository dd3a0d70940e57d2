"""Hours declared on a clause: entered by the facilitator, or imported from an xlsx file
(format: docs/formats/declarations.md).

Both paths write through `_write_lines`: one `Declaration` per clause and period, one `DeclarationLine` per
participant and way. The key of a line is (participant code, period, way): importing the same file twice, or
a corrected file, replaces the hours of that key and never adds to them. An entered declaration is the whole
of its period: lines of the period missing from it are removed. An imported file only touches its keys.

The import reads the whole file first (`ingest.tabular`), checks every row and reports every problem in
French with its row and column; if any row is wrong nothing is written (the preview shows the same report).
Participants are created or completed from the same rows, so these functions require a viewer who may see
participant data (`personal_data.may_see_participants`) and log the access.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from levier.core import audit
from levier.ingest.errors import RowError
from levier.ingest.french_values import parse_bool_fr, parse_date
from levier.ingest.tabular import Column, TableError, open_table, resolve_columns
from levier.rules.siret import normalize_siret
from levier.rules.text import fold

from . import personal_data
from .models import (
    AgeBand,
    Clause,
    ClauseStatus,
    ContractType,
    Declaration,
    DeclarationImport,
    DeclarationLine,
    DeclarationSource,
    Eligibility,
    Participant,
    Qualification,
    ReferringBody,
    Sex,
    Way,
)

COLUMNS = (
    Column(
        "period_start", "Début de période", ("période", "periode", "du", "mois", "trimestre"), required=True
    ),
    Column("period_end", "Fin de période", ("au", "fin")),
    Column("code", "Code participant", ("code", "participant", "identifiant", "pseudonyme"), required=True),
    Column("way", "Modalité", ("modalite de realisation", "mode", "modalité de réalisation"), required=True),
    Column("hours", "Heures", ("nombre d'heures", "heures réalisées", "heures realisees"), required=True),
    Column("age_band", "Tranche d'âge", ("age", "âge", "tranche d'age")),
    Column("sex", "Sexe", ("genre",)),
    Column("eligibility", "Public", ("public éligible", "statut", "eligibilite", "éligibilité")),
    Column("qualification", "Niveau de qualification", ("qualification", "niveau")),
    Column("qpv", "QPV", ("réside en QPV", "quartier prioritaire")),
    Column("contract_type", "Type de contrat", ("contrat",)),
    Column("contract_months", "Durée du contrat (mois)", ("durée du contrat", "duree contrat")),
    Column("referring_body", "Prescripteur", ("orienteur", "organisme prescripteur")),
    Column("structure_name", "Structure", ("structure intervenante", "entreprise", "SIAE")),
    Column("structure_siret", "SIRET structure", ("SIRET", "siret de la structure")),
    Column("first_name", "Prénom", ()),
    Column("last_name", "Nom", ()),
)
LABELS = {column.field: column.label for column in COLUMNS}

# Spellings people use besides the codes and labels of each choice.
SYNONYMS = {
    "way": {
        "embauche": Way.DIRECT_HIRE,
        "embauche directe": Way.DIRECT_HIRE,
        "interim": Way.ETTI,
        "interim d'insertion": Way.ETTI,
        "ai": Way.AI_PROVISION,
        "mise a disposition ai": Way.AI_PROVISION,
        "geiq": Way.GEIQ_PROVISION,
        "mise a disposition geiq": Way.GEIQ_PROVISION,
        "sous-traitance": Way.SUBCONTRACTING,
        "sous traitance": Way.SUBCONTRACTING,
        "cotraitance": Way.COCONTRACTING,
        "co-traitance": Way.COCONTRACTING,
    },
    "age_band": {
        "-26": AgeBand.UNDER_26,
        "< 26": AgeBand.UNDER_26,
        "moins de 26": AgeBand.UNDER_26,
        "26-49": AgeBand.FROM_26_TO_49,
        "26 - 49": AgeBand.FROM_26_TO_49,
        "50+": AgeBand.FROM_50,
        "50 et plus": AgeBand.FROM_50,
        "plus de 50": AgeBand.FROM_50,
    },
    "sex": {"femme": Sex.FEMALE, "f": Sex.FEMALE, "homme": Sex.MALE, "h": Sex.MALE, "m": Sex.MALE},
    "eligibility": {
        "deld": Eligibility.LONG_TERM_JOBSEEKER,
        "demandeur d'emploi de longue duree": Eligibility.LONG_TERM_JOBSEEKER,
        "rsa": Eligibility.RSA,
        "brsa": Eligibility.RSA,
        "rqth": Eligibility.DISABILITY,
        "th": Eligibility.DISABILITY,
        "aah": Eligibility.DISABILITY,
        "ass": Eligibility.ASS,
        "jeune": Eligibility.YOUTH,
        "jeune -26": Eligibility.YOUTH,
        "siae": Eligibility.SIAE_FOLLOWED,
        "epide": Eligibility.SIAE_FOLLOWED,
        "e2c": Eligibility.SIAE_FOLLOWED,
        "autre": Eligibility.FACILITATOR_DECISION,
    },
    "qualification": {
        "sans qualification": Qualification.NONE,
        "infra 3": Qualification.NONE,
        "niveau 3": Qualification.LEVEL_3,
        "cap": Qualification.LEVEL_3,
        "bep": Qualification.LEVEL_3,
        "niveau 4": Qualification.LEVEL_4,
        "bac": Qualification.LEVEL_4,
        "niveau 5": Qualification.LEVEL_5_PLUS,
        "5+": Qualification.LEVEL_5_PLUS,
    },
    "contract_type": {"interim": ContractType.TEMPORARY, "mad": ContractType.PROVISION},
    "referring_body": {"pole emploi": ReferringBody.FRANCE_TRAVAIL, "ft": ReferringBody.FRANCE_TRAVAIL},
}
CHOICES = {"way": Way, **personal_data.CHOICES}


def _lookup(name: str) -> dict[str, str]:
    choices = CHOICES[name]
    table = {fold(str(value)): str(value) for value in choices.values}
    table.update({fold(str(label)): str(value) for value, label in choices.choices})
    table.update({fold(key): str(value) for key, value in SYNONYMS.get(name, {}).items()})
    return table


LOOKUPS = {name: _lookup(name) for name in CHOICES}


class DeclarationError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class LineInput:
    """One line to write: hours of one participant, in one way, over one period."""

    period_start: dt.date
    period_end: dt.date
    code: str
    way: str
    hours: Decimal
    participant: dict = field(default_factory=dict)
    structure_name: str = ""
    structure_siret: str = ""
    row: int | None = None

    @property
    def key(self) -> tuple:
        return (self.code, self.period_start, self.period_end, self.way)


@dataclass
class ImportReport:
    file_name: str
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    participants_created: int = 0
    committed: bool = False
    import_record: DeclarationImport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "file_name": self.file_name,
            "rows": len(self.rows),
            "errors": [error.message_fr for error in self.errors],
            "warnings": [warning.message_fr for warning in self.warnings],
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "participants_created": self.participants_created,
            "committed": self.committed,
        }


# --- Reading cells --------------------------------------------------------------------------------------


def parse_hours(raw: object) -> Decimal:
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    text = text.removesuffix("h").removesuffix("H")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise DeclarationError(f"nombre d'heures illisible : « {raw} ».") from exc
    if not value.is_finite() or value < 0:
        raise DeclarationError(f"un nombre d'heures positif est attendu, reçu « {raw} ».")
    if value > 10_000:
        raise DeclarationError(f"{raw} heures sur une période pour une personne : valeur invraisemblable.")
    return value.quantize(Decimal("0.01"))


def parse_choice(name: str, raw: str) -> str:
    value = LOOKUPS[name].get(fold(raw.strip()))
    if value is None:
        expected = ", ".join(str(label) for label in CHOICES[name].labels)
        raise DeclarationError(f"valeur « {raw.strip()} » inconnue ; valeurs possibles : {expected}.")
    return value


def _row_error(row: int, name: str, raw, message: str) -> RowError:
    return RowError(row=row, field=LABELS.get(name, name), raw_value=str(raw), message=message)


def _read_row(
    number: int, cells: dict[str, str], names_allowed: bool
) -> tuple[LineInput | None, list[RowError]]:
    errors: list[RowError] = []
    value = {name: (cells.get(name) or "").strip() for name in LABELS}
    start = end = None
    parsed = parse_date(value["period_start"])
    if not value["period_start"]:
        errors.append(_row_error(number, "period_start", "", "période absente."))
    elif parsed.error or parsed.value is None:
        errors.append(
            _row_error(number, "period_start", value["period_start"], parsed.error or "date illisible.")
        )
    else:
        start, end = parsed.value.first_day, parsed.value.last_day
    if value["period_end"]:
        parsed_end = parse_date(value["period_end"])
        if parsed_end.error or parsed_end.value is None:
            errors.append(
                _row_error(number, "period_end", value["period_end"], parsed_end.error or "date illisible.")
            )
        else:
            end = parsed_end.value.last_day
    if start and end and end < start:
        errors.append(
            _row_error(number, "period_end", value["period_end"], "la fin précède le début de période.")
        )
    if not value["code"]:
        errors.append(_row_error(number, "code", "", "code participant absent."))
    hours = way = None
    try:
        hours = parse_hours(value["hours"]) if value["hours"] else None
        if hours is None:
            errors.append(_row_error(number, "hours", "", "nombre d'heures absent."))
    except DeclarationError as exc:
        errors.append(_row_error(number, "hours", value["hours"], exc.message))
    if not value["way"]:
        errors.append(_row_error(number, "way", "", "modalité absente."))
    participant: dict = {}
    for name in CHOICES:
        if not value[name]:
            continue
        try:
            chosen = parse_choice(name, value[name])
        except DeclarationError as exc:
            errors.append(_row_error(number, name, value[name], exc.message))
            continue
        if name == "way":
            way = chosen
        else:
            participant[name] = chosen
    if value["qpv"]:
        qpv = parse_bool_fr(value["qpv"])
        if qpv.error:
            errors.append(_row_error(number, "qpv", value["qpv"], qpv.error))
        else:
            participant["qpv"] = qpv.value
    if value["contract_months"]:
        try:
            months = Decimal(value["contract_months"].replace(",", "."))
            if months < 0 or months != months.to_integral_value():
                raise InvalidOperation
            participant["contract_months"] = int(months)
        except InvalidOperation:
            errors.append(
                _row_error(
                    number, "contract_months", value["contract_months"], "nombre entier de mois attendu."
                )
            )
    for name in ("first_name", "last_name"):
        if value[name]:
            if not names_allowed:
                errors.append(
                    _row_error(
                        number,
                        name,
                        "(masqué)",
                        "l'organisation n'autorise pas les noms des participants : retirez cette colonne.",
                    )
                )
            else:
                participant[name] = value[name]
    siret = ""
    if value["structure_siret"]:
        check = normalize_siret(value["structure_siret"])
        if not check.is_valid:
            errors.append(_row_error(number, "structure_siret", value["structure_siret"], check.message_fr))
        else:
            siret = check.value
    if errors:
        return None, errors
    return (
        LineInput(
            period_start=start,
            period_end=end,
            code=value["code"],
            way=way,
            hours=hours,
            participant=participant,
            structure_name=value["structure_name"],
            structure_siret=siret,
            row=number,
        ),
        [],
    )


def _check_lines(clause: Clause, lines: list[LineInput]) -> list[RowError]:
    """What only the whole set shows: keys repeated, periods outside the clause, new people incomplete."""
    errors: list[RowError] = []
    seen: dict[tuple, int | None] = {}
    known = set(Participant.objects.filter(organisation=clause.organisation).values_list("code", flat=True))
    described: set[str] = set()
    accepted = set(clause.accepted_ways or Way.values)
    for line in lines:
        row = line.row or 0
        if line.key in seen:
            errors.append(
                _row_error(
                    row,
                    "code",
                    line.code,
                    f"même participant, même période et même modalité qu'à la ligne {seen[line.key]}.",
                )
            )
        seen[line.key] = line.row
        if clause.start_date and line.period_end < clause.start_date:
            errors.append(
                _row_error(
                    row,
                    "period_start",
                    line.period_start.isoformat(),
                    f"période antérieure au début d'exécution ({clause.start_date:%d/%m/%Y}).",
                )
            )
        if clause.end_date and line.period_start > clause.end_date:
            errors.append(
                _row_error(
                    row,
                    "period_start",
                    line.period_start.isoformat(),
                    f"période postérieure à la fin d'exécution ({clause.end_date:%d/%m/%Y}).",
                )
            )
        if line.way not in accepted:
            errors.append(_row_error(row, "way", Way(line.way).label, "modalité non acceptée par la clause."))
        if all(line.participant.get(name) for name in personal_data.REQUIRED):
            described.add(line.code)
    for line in lines:
        if line.code not in known and line.code not in described:
            missing = [LABELS[name] for name in personal_data.REQUIRED if not line.participant.get(name)]
            errors.append(
                _row_error(
                    line.row or 0,
                    "code",
                    line.code,
                    f"nouveau participant : indiquez {', '.join(missing)} sur au moins une de ses lignes.",
                )
            )
            described.add(line.code)  # one message per participant is enough
    return errors


# --- Writing --------------------------------------------------------------------------------------------


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    participants_created: int = 0
    declarations: list[Declaration] = field(default_factory=list)


def _write_lines(
    user,
    clause: Clause,
    lines: Iterable[LineInput],
    *,
    source: str,
    source_import: DeclarationImport | None = None,
    replace_periods: bool = False,
    comment: str = "",
) -> WriteCounts:
    counts = WriteCounts()
    declarations: dict[tuple, Declaration] = {}
    participants: dict[str, Participant] = {}
    kept: dict[int, set[int]] = {}
    for line in sorted(lines, key=lambda item: (item.period_start, item.code, item.way)):
        period = (line.period_start, line.period_end)
        declaration = declarations.get(period)
        if declaration is None:
            declaration, _created = Declaration.objects.get_or_create(
                clause=clause,
                period_start=line.period_start,
                period_end=line.period_end,
                defaults={
                    "source": source,
                    "source_import": source_import,
                    "entered_by": user,
                    "comment": comment,
                },
            )
            if not _created:
                declaration.source, declaration.source_import = source, source_import
                declaration.entered_by = user
                if comment:
                    declaration.comment = comment
                declaration.save()
            declarations[period] = declaration
            counts.declarations.append(declaration)
            kept[declaration.pk] = set()
        participant = participants.get(line.code)
        if participant is None:
            participant, created = personal_data.upsert_participant(
                clause.organisation, line.code, line.participant
            )
            counts.participants_created += created
            participants[line.code] = participant
        elif line.participant:
            personal_data.upsert_participant(clause.organisation, line.code, line.participant)
        existing = DeclarationLine.objects.filter(
            declaration=declaration, participant=participant, way=line.way
        ).first()
        if existing is None:
            existing = DeclarationLine.objects.create(
                declaration=declaration,
                participant=participant,
                way=line.way,
                hours=line.hours,
                structure_name=line.structure_name,
                structure_siret=line.structure_siret,
            )
            counts.created += 1
        elif (existing.hours, existing.structure_name, existing.structure_siret) != (
            line.hours,
            line.structure_name,
            line.structure_siret,
        ):
            existing.hours = line.hours
            existing.structure_name, existing.structure_siret = line.structure_name, line.structure_siret
            existing.save()
            counts.updated += 1
        else:
            counts.unchanged += 1
        kept[declaration.pk].add(existing.pk)
        if participant.last_activity is None or participant.last_activity < line.period_end:
            Participant.objects.filter(pk=participant.pk).update(last_activity=line.period_end)
            participant.last_activity = line.period_end
    if replace_periods:
        for declaration_pk, line_pks in kept.items():
            removed, _ = (
                DeclarationLine.objects.filter(declaration_id=declaration_pk)
                .exclude(pk__in=line_pks)
                .delete()
            )
            counts.removed += removed
    return counts


def _require_open(clause: Clause) -> None:
    if not clause.is_insertion:
        raise DeclarationError("Une réservation ne se suit pas en heures : pas de déclaration.")
    if clause.status == ClauseStatus.CLOSED:
        raise DeclarationError("Clause clôturée : elle ne reçoit plus de déclaration.")


@transaction.atomic
def record_declaration(
    user,
    viewer,
    clause: Clause,
    *,
    period_start: dt.date,
    period_end: dt.date,
    lines: list[dict],
    comment: str = "",
) -> Declaration:
    """The facilitator's entry of a whole period; lines are dicts with code, way, hours (and participant
    fields for a new code, structure_name, structure_siret). Raises `DeclarationError` naming the line."""
    personal_data._require(viewer, clause.organisation)
    _require_open(clause)
    if period_end < period_start:
        raise DeclarationError("Fin de période : elle doit suivre le début.", "period_end")
    if not lines:
        raise DeclarationError("Déclaration vide : ajoutez au moins une ligne.")
    inputs = []
    for index, raw in enumerate(lines, start=1):
        try:
            way = (
                raw["way"] if raw.get("way") in Way.values else parse_choice("way", str(raw.get("way") or ""))
            )
            hours = parse_hours(raw.get("hours", ""))
        except DeclarationError as exc:
            raise DeclarationError(f"Ligne {index} : {exc.message}", "lines") from exc
        fields = {
            name: raw[name] for name in personal_data.PARTICIPANT_FIELDS if raw.get(name) not in (None, "")
        }
        try:
            fields = personal_data.clean_participant_fields(clause.organisation, fields)
        except personal_data.ParticipantError as exc:
            raise DeclarationError(f"Ligne {index} : {exc.message}", "lines") from exc
        inputs.append(
            LineInput(
                period_start=period_start,
                period_end=period_end,
                code=str(raw.get("code") or "").strip(),
                way=way,
                hours=hours,
                participant=fields,
                structure_name=str(raw.get("structure_name") or ""),
                structure_siret=str(raw.get("structure_siret") or ""),
                row=index,
            )
        )
    problems = [
        RowError(row=i.row, field="Code participant", raw_value="", message="code absent.")
        for i in inputs
        if not i.code
    ]
    problems += _check_lines(clause, [i for i in inputs if i.code])
    if problems:
        raise DeclarationError(" ".join(problem.message_fr for problem in problems), "lines")
    counts = _write_lines(
        user, clause, inputs, source=DeclarationSource.ENTERED, replace_periods=True, comment=comment
    )
    declaration = counts.declarations[0]
    personal_data.log_participant_access(
        user, clause.organisation, "write", declaration, len(inputs), removed=counts.removed
    )
    audit.record(
        user,
        clause.organisation,
        "clauses.declaration.record",
        declaration,
        f"Déclaration enregistrée : {declaration}",
        created=counts.created,
        updated=counts.updated,
        removed=counts.removed,
    )
    return declaration


def read_file(clause: Clause, path: Path, *, names_allowed: bool) -> tuple[list[LineInput], ImportReport]:
    report = ImportReport(file_name=path.name)
    try:
        table = open_table(path)
    except TableError as exc:
        report.errors.append(exc.error)
        return [], report
    lines: list[LineInput] = []
    with table:
        mapping, problems = resolve_columns(table.info.headers, COLUMNS)
        report.errors.extend(p for p in problems if p.is_error)
        report.warnings.extend(p for p in problems if not p.is_error)
        if report.errors:
            return [], report
        for number, row in table:
            cells = {name: row.get(header, "") for name, header in mapping.items()}
            line, errors = _read_row(number, cells, names_allowed)
            report.errors.extend(errors)
            if line is not None:
                lines.append(line)
                report.rows.append(
                    {
                        "row": number,
                        "period_start": line.period_start,
                        "period_end": line.period_end,
                        "code": line.code,
                        "way": Way(line.way).label,
                        "hours": line.hours,
                    }
                )
        report.warnings.extend(table.anomalies)
    if not lines and not report.errors:
        report.errors.append(
            RowError(row=None, field=None, raw_value=None, message="aucune ligne de déclaration.")
        )
    report.errors.extend(_check_lines(clause, lines))
    report.errors.sort(key=lambda error: error.row or 0)
    return lines, report


def import_declarations(
    user, viewer, clause: Clause, path: Path, *, commit: bool, file_name: str | None = None
) -> ImportReport:
    """Read an xlsx (or CSV) file of declarations; with `commit` and no error, write it in one transaction."""
    from .services import settings_for

    personal_data._require(viewer, clause.organisation)
    _require_open(clause)
    path = Path(path)
    lines, report = read_file(clause, path, names_allowed=settings_for(clause.organisation).names_allowed)
    report.file_name = file_name or path.name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    status = DeclarationImport.Status.PREVIEW
    if report.errors:
        status = DeclarationImport.Status.REJECTED if commit else DeclarationImport.Status.PREVIEW
    record = DeclarationImport(
        organisation=clause.organisation,
        clause=clause,
        file_name=report.file_name[:255],
        file_sha256=digest,
        status=status,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if commit and not report.errors:
        with transaction.atomic():
            record.status = DeclarationImport.Status.COMMITTED
            record.save()
            counts = _write_lines(
                user, clause, lines, source=DeclarationSource.IMPORTED, source_import=record
            )
            report.created, report.updated, report.unchanged = (
                counts.created,
                counts.updated,
                counts.unchanged,
            )
            report.participants_created = counts.participants_created
            report.committed = True
            record.report = report.to_dict()
            record.save(update_fields=["report"])
            personal_data.log_participant_access(user, clause.organisation, "import", record, len(lines))
            audit.record(
                user,
                clause.organisation,
                "clauses.declaration.import",
                record,
                f"Déclarations importées : {record.file_name}",
                created=counts.created,
                updated=counts.updated,
                unchanged=counts.unchanged,
            )
    else:
        record.report = report.to_dict()
        record.save()
        personal_data.log_participant_access(user, clause.organisation, "preview", record, len(lines))
    report.import_record = record
    return report
