"""Import of a buyer's purchase plan file: preview, remembered column mapping, atomic commit, report.

    plan_import = preview_import(user, org, content, "paa_2027.xlsx", 2027)   # nothing written but the record
    plan_import.report["counts"]       # created / updated / unchanged / absent / errors / warnings
    commit_import(user, plan_import)   # all or nothing; refused while the preview has errors

- Reading is `levier.ingest.plans.read_plan`, fed with the organisation's remembered answers of the mapping
  screen (`ImportMapping`, written by `save_mapping`).
- A line is matched with the plan's purchases by its stable key (reference, or object + service + year):
  importing the same file again changes nothing, a changed file updates field by field and the report
  lists every change (old -> new). Purchases absent from the file are listed, never deleted (they may
  carry decisions).
- Services are matched by name, code or path (case and accents ignored); an unknown service is a warning
  and the plan's text is kept in `service_label` (creating services is an administrator's act).
  The buyer column is matched with the organisation's members by e-mail or full name, else kept as text.
- A missing CPV is proposed by the rules core's classifier (the saved model when there is one, else the
  CPV labels loaded in the reference store, else the sectors' vocabulary) and marked `cpv_inferred`;
  a CPV already on the purchase is kept when the file has none. The procedure is derived from the
  thresholds; a procedure named in the file that differs is kept, marked as the buyer's choice, with a
  warning.
- A field edited by hand in Levier since the last import (its last `FieldChange` is a manual one) keeps
  its value when the file says otherwise, as the directory's imports keep manual edits; the report lists
  these lines (`kept_manual`), and the buyer may choose to overwrite them (`overwrite_manual`), which
  makes the file's values the imported ones again.
- The commit reads the file and compares it with the plan outside the transaction, so that its progress
  shows while it runs; the transaction then locks the plan and writes, after checking that nobody changed
  the plan in between (else it compares again, under the lock).
- `user=None` is the terminal (`levier import plan`): whoever runs it administers the server.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from levier.core import audit
from levier.core.bulk_insert import insert
from levier.core.column_mapping import save_answers
from levier.ingest.errors import RowError, Severity, count_by_code
from levier.ingest.plans import FIELD_LABELS_FR, FIELDS, PlannedPurchaseRecord, normalise_header, read_plan
from levier.ingest.plans import AmountBasis as ReaderBasis
from levier.ingest.plans.records import LotRecord
from levier.organisations.models import Organisation, Service
from levier.rules.text import fold

from .models import (
    AmountBasis,
    ChangeSource,
    FieldChange,
    ImportMapping,
    ImportPhase,
    ImportStatus,
    Lot,
    Plan,
    PlanImport,
    PlannedPurchase,
    cents,
)
from .procedure import procedure_from_text
from .services import (
    DERIVED_FIELDS,
    EDIT_ROLES,
    PURCHASE_FIELDS,
    SOCIAL_FIELDS,
    change_rows,
    changed_fields,
    display,
    field_label,
    raw_values,
    refresh_derived,
    refresh_lot,
    require_role,
)

_NATURES = {"travaux": "works", "fournitures": "supplies", "services": "services"}
_KEY_LENGTH = 200
_BATCH = 500

# What an import sets on a purchase; workflow, facilitator, publication and social choices are never touched.
IMPORTED_FIELDS = tuple(name for name in PURCHASE_FIELDS if name not in SOCIAL_FIELDS)
WATCHED = (*IMPORTED_FIELDS, *DERIVED_FIELDS)
SAVED = (*IMPORTED_FIELDS, *DERIVED_FIELDS, "place_departement", "source_sheet", "source_row")
LOT_IMPORTED = ("title", "estimated_amount", "amount_basis", "cpv", "place")
LOT_WATCHED = (*LOT_IMPORTED, "annual_amount", "total_amount")
LOT_SAVED = (
    *LOT_WATCHED,
    "procedure",
    "procedure_derived",
    "place_level",
    "place_code",
    "place_departement",
    "source_row",
)


# Fields kept together when one of them was edited by hand: a date and its precision, a CPV and its
# "inferred" mark, a procedure and the buyer's choice of it, a link and the plan's text it came from.
_TIED = (
    ("cpv", "cpv_inferred"),
    ("procedure", "procedure_overridden", "procedure_text"),
    ("launch_date", "launch_precision"),
    ("notification_date", "notification_precision"),
    ("service", "service_label"),
    ("buyer", "buyer_label"),
)
_TIES = {name: group for group in _TIED for name in group}


class ImportRejected(Exception):
    """The commit was refused or failed; nothing was written (French message).

    `plan_import` is the record, with a report saying why, when there is one.
    """

    def __init__(self, message: str, plan_import: PlanImport | None = None) -> None:
        super().__init__(message)
        self.plan_import = plan_import


# --- The remembered mapping -----------------------------------------------------------------------------


@dataclass
class StoredMapping:
    mapping: dict[str, str]
    ignored: list[str]
    amount_basis: str | None


def stored_mapping(organisation: Organisation) -> StoredMapping:
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    basis = None
    # Most recent answers first: when two headers were given for one field, the latest wins.
    for row in ImportMapping.objects.filter(organisation=organisation).order_by("-updated_at", "-pk"):
        if not row.header_key:
            pass  # the row that only holds the amount basis
        elif not row.field:
            ignored.append(row.header)
        else:
            mapping.setdefault(row.field, row.header)
        if row.amount_basis and basis is None:
            basis = row.amount_basis
    return StoredMapping(mapping, ignored, basis)


@transaction.atomic
def save_mapping(
    user,
    organisation: Organisation,
    mapping: dict[str, str],
    ignored: Iterable[str] = (),
    amount_basis: str | None = None,
) -> list[ImportMapping]:
    """Remember the answers of the mapping screen: {field: header}, headers to ignore, what amounts cover."""
    if user is not None:
        require_role(user, organisation, EDIT_ROLES, "Enregistrer la correspondance des colonnes")
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise ValidationError(f"Champ inconnu : {', '.join(sorted(unknown))}.")
    if amount_basis and amount_basis not in AmountBasis.values:
        raise ValidationError(f"Base de montant inconnue : {amount_basis}.")
    ignored = list(ignored)
    # One row per header (the shared upsert of the mapping screens), keyed like the plans reader reads them.
    saved = save_answers(ImportMapping, organisation, user, mapping, ignored, key=normalise_header)
    if amount_basis:
        # What an amount column that does not say covers: one row with an empty header holds it.
        row, _ = ImportMapping.objects.update_or_create(
            organisation=organisation,
            header_key="",
            defaults={"header": "", "field": "", "amount_basis": amount_basis, "updated_by": user},
        )
        saved.append(row)
    audit.record(
        user,
        organisation,
        "plan.mapping.save",
        None,
        f"Correspondance des colonnes enregistrée ({len(saved)} colonne(s))",
        mapping=mapping,
        ignored=ignored,
    )
    return saved


# --- From records to model values -----------------------------------------------------------------------


@cache
def _classifier():
    # The same classifier `levier classify` builds (saved model, loaded CPV labels, or sectors only).
    from levier.referential.classifier import build_classifier
    from levier.rules import refstore

    return build_classifier(refstore.RefStore(), None, [])[0]


# Plans repeat the same services and buyers on every line: fold each text once.
_fold = lru_cache(maxsize=4096)(fold)


_INFERRED_BY_WORDS: dict[tuple[str, ...] | str, str] = {}
_INFERRED_LIMIT = 20_000


def infer_cpv(text: str) -> str:
    """The classifier's best CPV for an object, or "".

    The classifier reads an object only through its analyzer's tokens (folded words, digits and
    one-letter debris dropped), so objects that differ by case, accents, punctuation or numbers ("Nettoyage
    (site 2)", "NETTOYAGE - site 3") get the same answer: it is computed once per token sequence.
    """
    classifier = _classifier()
    analyzer = getattr(classifier, "analyzer", None)
    key: tuple[str, ...] | str = tuple(analyzer.tokens(text)) if analyzer is not None else text
    code = _INFERRED_BY_WORDS.get(key)
    if code is None:
        guesses = classifier.classify(text, limit=1).cpv
        code = guesses[0].code if guesses else ""
        if len(_INFERRED_BY_WORDS) >= _INFERRED_LIMIT:
            _INFERRED_BY_WORDS.clear()
        _INFERRED_BY_WORDS[key] = code
    return code


def _clip(value: str | None, length: int) -> str:
    return (value or "")[:length]


def _storable_key(key: str) -> str:
    if len(key) <= _KEY_LENGTH:
        return key
    return key[:2] + "h:" + hashlib.sha256(key.encode()).hexdigest()


class _Context:
    """What matching a plan's texts needs, read once per import."""

    def __init__(
        self, organisation: Organisation, plan: Plan, inferred: dict[str, str] | None = None
    ) -> None:
        self.organisation = organisation
        # CPV proposed per stable key: a commit reuses its preview's guesses (classifying is the slow part).
        self.inferred: dict[str, str] = dict(inferred or {})
        self.plan = plan
        self.place_cache: dict[str, tuple[str, str, str]] = {}
        self.unknown_services: set[str] = set()
        self.services: dict[str, Service] = {}
        services = list(Service.objects.filter(organisation=organisation).select_related("parent"))
        for service in sorted(services, key=lambda s: s.pk, reverse=True):
            for text in (service.path, service.code, service.name):
                if text and fold(text):
                    self.services[fold(text)] = service
        self.members: dict[str, object] = {}
        for membership in organisation.memberships.filter(is_active=True).select_related("user"):
            user = membership.user
            for text in (user.email, user.get_full_name(), f"{user.last_name} {user.first_name}"):
                if text and fold(text):
                    self.members[fold(text)] = user

    def service_for(self, label: str | None) -> Service | None:
        return self.services.get(_fold(label)) if label else None

    def member_for(self, label: str | None):
        return self.members.get(_fold(label)) if label else None


def _purchase_values(record: PlannedPurchaseRecord, ctx: _Context, warn) -> dict:
    service = ctx.service_for(record.service)
    if record.service and service is None and _fold(record.service) not in ctx.unknown_services:
        ctx.unknown_services.add(_fold(record.service))
        warn(
            record,
            FIELD_LABELS_FR["service"],
            record.service,
            f"Service « {record.service} » inconnu de l'organisation : les lignes de ce service sont "
            "importées sans service (le texte est conservé). Créez le service ou corrigez son nom.",
            "unknown_service",
        )
    launch, notification, end = record.launch_date, record.notification_date, record.current_contract_end
    return {
        "reference": _clip(record.reference, 100),
        "object": record.object,
        "service": service,
        "service_label": _clip(record.service, 200),
        "buyer": ctx.member_for(record.buyer),
        "buyer_label": _clip(record.buyer, 200),
        "nature": _NATURES.get(record.nature.value if record.nature else "", ""),
        "estimated_amount": cents(record.estimated_amount),
        "amount_basis": _basis(record.amount_basis),
        "amount_includes_tax": record.amount_includes_tax,
        "duration_months": record.duration_months,
        "launch_date": launch.first_day if launch else None,
        "launch_precision": launch.precision.value if launch else "day",
        "notification_date": notification.first_day if notification else None,
        "notification_precision": notification.precision.value if notification else "day",
        "place": _clip(record.place, 200),
        "current_holder_name": _clip(record.current_holder_name, 200),
        "current_holder_siret": record.current_holder_siret or "",
        # "mars 2027" as an end date means the end of March.
        "current_contract_end": end.last_day if end else None,
        "recurring": record.recurring,
        "source_sheet": _clip(record.sheet, 100),
        "source_row": record.row_number,
    }


@cache
def _basis(basis: ReaderBasis) -> str:
    # Cached: `AmountBasis.values` builds its list on every access.
    return basis.value if basis.value in AmountBasis.values else AmountBasis.UNKNOWN


def _held(instance, by_hand: Iterable[str]) -> dict[str, object]:
    """The current values of the fields edited by hand, with the fields tied to them."""
    return {
        name: getattr(instance, name)
        for field_name in by_hand
        for name in _TIES.get(field_name, (field_name,))
    }


def _keep_by_hand(instance, held: dict[str, object], by_hand: Iterable[str], restore: bool) -> list[dict]:
    """Where the file's values differ from those edited by hand: put these back unless `restore` is False.

    Returns, for the report, each such field with the value kept (or replaced) and the file's value.
    """
    model = type(instance)
    found = []
    for group in dict.fromkeys(_TIES.get(name, (name,)) for name in by_hand):
        if all(getattr(instance, name) == held[name] for name in group):
            continue
        main = next(name for name in group if name in by_hand)
        by_hand_text, file_text = (
            display(model, main, held[main]),
            display(model, main, getattr(instance, main)),
        )
        if by_hand_text != file_text:
            found.append(
                {"field": main, "label": field_label(model, main), "kept": by_hand_text, "file": file_text}
            )
        if restore:
            for name in group:
                setattr(instance, name, held[name])
    return found


def _apply(
    purchase: PlannedPurchase,
    record: PlannedPurchaseRecord,
    ctx: _Context,
    warn,
    by_hand: Iterable[str] = (),
    overwrite_manual: bool = False,
) -> list[dict]:
    """Set the file's values on a purchase (new or existing) and derive the rest.

    `by_hand`: fields edited by hand since the last import; they keep their values unless
    `overwrite_manual`. Returns those the file would change (see `_keep_by_hand`).
    """
    held = _held(purchase, by_hand)
    kept_service = purchase.service if purchase.service_label == (record.service or "") else None
    for name, value in _purchase_values(record, ctx, warn).items():
        setattr(purchase, name, value)
    if purchase.service is None and kept_service is not None:
        # Linked by hand to a service whose name the plan spells its own way: the link stays.
        purchase.service = kept_service
    if record.cpv:
        purchase.cpv, purchase.cpv_inferred = record.cpv, False
    elif not purchase.cpv:
        if record.stable_key not in ctx.inferred:
            ctx.inferred[record.stable_key] = infer_cpv(record.object)
        purchase.cpv = ctx.inferred[record.stable_key]
        purchase.cpv_inferred = bool(purchase.cpv)
    if record.procedure is not None:
        purchase.procedure_text = _clip(record.procedure, 200)
        purchase.procedure_overridden = False
    named = procedure_from_text(record.procedure)
    if named:
        purchase.procedure = named  # the file's; the thresholds are compared with it below
    kept = _keep_by_hand(purchase, held, by_hand, restore=not overwrite_manual)
    if "procedure" in held and not overwrite_manual:
        named = None  # chosen by hand
    refresh_derived(purchase, place_cache=ctx.place_cache)
    if named and named != purchase.procedure_derived:
        purchase.procedure, purchase.procedure_overridden = named, True
        derived = purchase.get_procedure_derived_display() or "non déterminable"
        warn(
            record,
            FIELD_LABELS_FR["procedure"],
            record.procedure,
            f"La procédure indiquée ({purchase.get_procedure_display()}) diffère de celle que donnent les "
            f"seuils ({derived}) : elle est retenue et marquée comme choisie par l'acheteur.",
            "procedure_overridden",
        )
    return kept


def _apply_lot(
    lot: Lot,
    record: LotRecord,
    purchase: PlannedPurchase,
    ctx: _Context,
    by_hand: Iterable[str] = (),
    overwrite_manual: bool = False,
) -> list[dict]:
    held = _held(lot, by_hand)
    lot.number = _clip(record.number, 20)
    lot.title = _clip(record.title, 300)
    lot.estimated_amount = cents(record.estimated_amount)
    lot.amount_basis = purchase.amount_basis
    lot.cpv = record.cpv or ""
    lot.place = _clip(record.place, 200)
    lot.source_row = record.row_number
    kept = _keep_by_hand(lot, held, by_hand, restore=not overwrite_manual)
    refresh_lot(lot, purchase, place_cache=ctx.place_cache)
    return kept


# --- The diff between a file and a plan -----------------------------------------------------------------


@dataclass
class Outcome:
    created: list[tuple[PlannedPurchase, list[Lot]]] = field(default_factory=list)
    updated: list[PlannedPurchase] = field(default_factory=list)
    new_lots: list[Lot] = field(default_factory=list)
    updated_lots: list[Lot] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    unchanged: int = 0
    lines: list[dict] = field(default_factory=list)
    absent: list[dict] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    # Lines with values edited by hand that the file would change: kept, or replaced when asked.
    kept_manual: list[dict] = field(default_factory=list)


def hand_edited(plan: Plan) -> dict[tuple[int, int | None], set[str]]:
    """{(purchase id, lot id or None): fields}: the imported fields whose last change was made by hand.

    Read from the history: a field edited in Levier after the import that set it stays "by hand" until an
    import overwrites it on purpose (then the import's change is the last one).
    """
    if not plan.pk:
        return {}
    edited = (
        FieldChange.objects.filter(purchase__plan=plan, source=ChangeSource.MANUAL)
        .values_list("purchase_id", flat=True)
        .distinct()
    )
    last: dict[tuple[int, int | None, str], str] = {}
    rows = (
        FieldChange.objects.filter(purchase_id__in=edited, field__in={*IMPORTED_FIELDS, *LOT_IMPORTED})
        .order_by("pk")
        .values_list("purchase_id", "lot_id", "field", "source")
    )
    for purchase_id, lot_id, name, source in rows:
        fields = IMPORTED_FIELDS if lot_id is None else LOT_IMPORTED
        if name in fields:
            last[(purchase_id, lot_id, name)] = source
    found: dict[tuple[int, int | None], set[str]] = {}
    for (purchase_id, lot_id, name), source in last.items():
        if source == ChangeSource.MANUAL:
            found.setdefault((purchase_id, lot_id), set()).add(name)
    return found


def _changes_json(changes: list[tuple[str, str, str]], model) -> list[dict]:
    return [
        {"field": name, "label": field_label(model, name), "old": old, "new": new}
        for name, old, new in changes
    ]


def compare(
    records: list[PlannedPurchaseRecord],
    plan: Plan,
    ctx: _Context,
    *,
    actor=None,
    plan_import: PlanImport | None = None,
    progress: Callable[[int], None] | None = None,
    overwrite_manual: bool = False,
) -> Outcome:
    """What importing `records` into `plan` creates, updates and leaves alone; writes nothing.

    Fields edited by hand since the last import keep their values unless `overwrite_manual`.
    """
    out = Outcome()
    by_hand = hand_edited(plan)

    def warn(record, header, raw, message, code):
        out.warnings.append(
            RowError(record.row_number, header, raw, message, Severity.WARNING, code, sheet=record.sheet)
        )

    existing: dict[str, PlannedPurchase] = {}
    lots_of: dict[int, dict[str, Lot]] = {}
    if plan.pk:
        for purchase in plan.purchases.select_related("service__parent", "buyer"):
            purchase.plan = plan
            existing[purchase.stable_key] = purchase
        for lot in Lot.objects.filter(purchase__plan=plan):
            lots_of.setdefault(lot.purchase_id, {})[lot.stable_key] = lot
    seen: set[str] = set()
    for record in records:
        key = _storable_key(record.stable_key)
        seen.add(key)
        purchase = existing.get(key)
        if purchase is None:
            purchase = PlannedPurchase(plan=plan, stable_key=key)
            _apply(purchase, record, ctx, warn)
            lots = []
            for lot_record in record.lots:
                lot = Lot(purchase=purchase, stable_key=_storable_key(lot_record.stable_key)[:240])
                _apply_lot(lot, lot_record, purchase, ctx)
                lots.append(lot)
            out.created.append((purchase, lots))
            out.lines.append(_line(record, "created", lots=len(lots)))
        else:
            edits = _Edits(by_hand, overwrite_manual, actor, plan_import)
            _update(purchase, record, ctx, warn, lots_of.get(purchase.pk, {}), out, edits)
        if progress:
            progress(1)
    for key, purchase in existing.items():
        if key not in seen:
            out.absent.append({"key": key, "reference": purchase.reference, "object": purchase.object})
    return out


def _line(record: PlannedPurchaseRecord, action: str, **extra) -> dict:
    return {
        "action": action,
        "key": record.stable_key,
        "sheet": record.sheet,
        "row": record.row_number,
        "reference": record.reference or "",
        "object": record.object,
        **extra,
    }


@dataclass
class _Edits:
    """Who imports, and what to do with the fields edited by hand (see `hand_edited`)."""

    by_hand: dict[tuple[int, int | None], set[str]]
    overwrite_manual: bool
    actor: object
    plan_import: PlanImport | None


def _update(purchase, record, ctx, warn, existing_lots, out: Outcome, edits: _Edits) -> None:
    actor, plan_import, overwrite = edits.actor, edits.plan_import, edits.overwrite_manual
    before = raw_values(purchase, WATCHED)
    kept = _apply(purchase, record, ctx, warn, edits.by_hand.get((purchase.pk, None), ()), overwrite)
    changes = changed_fields(purchase, before)
    lot_lines = []
    for lot_record in record.lots:
        key = _storable_key(lot_record.stable_key)[:240]
        lot = existing_lots.get(key)
        if lot is None:
            lot = Lot(purchase=purchase, stable_key=key)
            _apply_lot(lot, lot_record, purchase, ctx)
            out.new_lots.append(lot)
            lot_lines.append({"number": lot.number, "action": "created", "changes": []})
            continue
        lot_before = raw_values(lot, LOT_WATCHED)
        lot_by_hand = edits.by_hand.get((purchase.pk, lot.pk), ())
        lot_kept = _apply_lot(lot, lot_record, purchase, ctx, lot_by_hand, overwrite)
        kept += [{**entry, "label": f"Lot {lot.number} : {entry['label']}"} for entry in lot_kept]
        lot_changes = changed_fields(lot, lot_before)
        if lot_changes:
            out.updated_lots.append(lot)
            out.changes.extend(
                change_rows(purchase, lot, lot_changes, actor, ChangeSource.IMPORT, plan_import)
            )
            lot_lines.append(
                {"number": lot.number, "action": "updated", "changes": _changes_json(lot_changes, Lot)}
            )
    if kept:
        out.kept_manual.append(_line(record, "replaced" if overwrite else "kept", fields=kept))
    if not changes and not lot_lines:
        out.unchanged += 1
        return
    out.updated.append(purchase)
    out.changes.extend(change_rows(purchase, None, changes, actor, ChangeSource.IMPORT, plan_import))
    out.lines.append(
        _line(record, "updated", changes=_changes_json(changes, PlannedPurchase), lots=lot_lines)
    )


# --- Preview and commit ---------------------------------------------------------------------------------


def _read(organisation: Organisation, content: bytes, file_name: str, year: int, sheets, extra_mapping=None):
    stored = stored_mapping(organisation)
    mapping = {**stored.mapping, **(extra_mapping or {})}
    basis = ReaderBasis(stored.amount_basis) if stored.amount_basis else None
    return read_plan(
        io.BytesIO(content),
        filename=file_name,
        mapping=mapping,
        ignored_columns=stored.ignored,
        amount_basis=basis,
        plan_year=year,
        sheets=sheets or None,
    )


def _error_json(error: RowError) -> dict:
    return {
        "sheet": error.sheet,
        "row": error.row,
        "field": error.field,
        "value": error.raw_value,
        "code": error.code,
        "message": error.message_fr,
    }


def _report(result, out: Outcome, file_name: str, year: int) -> dict:
    warnings = result.warnings + out.warnings
    return {
        "file": file_name,
        "year": year,
        "counts": {
            "created": len(out.created),
            "updated": len(out.updated),
            "unchanged": out.unchanged,
            "absent": len(out.absent),
            "errors": len(result.errors),
            "warnings": len(warnings),
        },
        "sheets": [
            {
                "name": sheet.name,
                "header_row": sheet.header_row,
                "column_mapping": sheet.column_mapping,
                "unmapped_columns": sheet.unmapped_columns,
                "purchases": sheet.purchases,
            }
            for sheet in result.sheets_read
        ],
        "sheets_skipped": [{"name": s.name, "reason": s.reason} for s in result.sheets_skipped],
        "unmapped_columns": result.unmapped_columns,
        "needs_amount_basis": any(w.code == "amount_basis_unknown" for w in result.warnings),
        "fields": dict(FIELD_LABELS_FR),
        "errors": [_error_json(error) for error in result.errors],
        "warnings": [_error_json(warning) for warning in warnings],
        "errors_by_code": count_by_code(result.errors, Severity.ERROR),
        "warnings_by_code": count_by_code(warnings, Severity.WARNING),
        "lines": out.lines,
        "absent": out.absent,
        "kept_manual": out.kept_manual,
    }


def new_import(
    user,
    organisation: Organisation,
    content: bytes,
    file_name: str,
    year: int,
    *,
    sheets: Iterable[str] | None = None,
    mapping: dict[str, str] | None = None,
    status: str = ImportStatus.RUNNING,
) -> PlanImport:
    """The record of an import about to be previewed (now, or by a task)."""
    if user is not None:
        require_role(user, organisation, EDIT_ROLES, "Importer un plan des achats")
    if mapping:
        unknown = set(mapping) - set(FIELDS)
        if unknown:
            raise ValidationError(f"Champ inconnu dans la correspondance : {', '.join(sorted(unknown))}.")
    return PlanImport.objects.create(
        organisation=organisation,
        year=year,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        sheets=list(sheets or []),
        mapping=dict(mapping or {}),
        actor=user if getattr(user, "is_authenticated", False) else None,
        status=status,
    )


def run_preview(
    user,
    plan_import: PlanImport,
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str], None] | None = None,
) -> PlanImport:
    """Read the stored file and record what a commit would do (status PREVIEWED); writes nothing else."""
    organisation = plan_import.organisation
    tell = phase or (lambda _name: None)
    tell(ImportPhase.READING)
    content = bytes(plan_import.content)
    result = _read(
        organisation,
        content,
        plan_import.file_name,
        plan_import.year,
        plan_import.sheets,
        plan_import.mapping,
    )
    plan = Plan.objects.filter(organisation=organisation, year=plan_import.year).first() or Plan(
        organisation=organisation, year=plan_import.year
    )
    ctx = _Context(organisation, plan)
    tell(ImportPhase.COMPARING)
    out = compare(result.purchases, plan, ctx, progress=progress)
    report = _report(result, out, plan_import.file_name, plan_import.year)
    report["inferred_cpv"] = ctx.inferred
    plan_import.plan = plan if plan.pk else None
    plan_import.report = report
    plan_import.status = ImportStatus.PREVIEWED
    plan_import.phase = ImportPhase.NONE
    plan_import.progress = plan_import.total = len(result.purchases)
    for name, value in _counts(report).items():
        setattr(plan_import, name, value)
    plan_import.save()
    audit.record(
        user,
        organisation,
        "plan.import.preview",
        plan_import,
        f"Aperçu de l'import de {plan_import.file_name}",
        **report["counts"],
    )
    return plan_import


def preview_import(
    user,
    organisation: Organisation,
    content: bytes,
    file_name: str,
    year: int,
    *,
    sheets: Iterable[str] | None = None,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> PlanImport:
    """Read the file and say what a commit would do; only the PlanImport record is written.

    `mapping` ({field: header}) adds answers for this file only; `save_mapping` remembers them.
    """
    plan_import = new_import(user, organisation, content, file_name, year, sheets=sheets, mapping=mapping)
    return run_preview(user, plan_import, progress)


def _counts(report: dict) -> dict[str, int]:
    counts = report["counts"]
    return {name: counts[name] for name in ("created", "updated", "unchanged", "errors", "warnings")}


def commit_import(
    user,
    plan_import: PlanImport,
    *,
    skip_errors: bool = False,
    overwrite_manual: bool = False,
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str], None] | None = None,
) -> PlanImport:
    """Write what the preview announced (recomputed against the plan as it is now), all or nothing.

    Refused while the file has row errors, unless `skip_errors` (the rejected lines are left out). Fields
    edited by hand since the last import keep their values unless `overwrite_manual`. `progress` is told
    of every line compared and `phase` of each step (`ImportPhase`), both outside the transaction so that
    a task's record shows them while the commit runs.
    """
    organisation = plan_import.organisation
    if user is not None:
        require_role(user, organisation, EDIT_ROLES, "Importer un plan des achats")
    if (
        plan_import.status not in (ImportStatus.PREVIEWED, ImportStatus.RUNNING)
        or plan_import.content is None
    ):
        raise ImportRejected("Cet import a déjà été traité : relancez un aperçu avec le fichier.")
    tell = phase or (lambda _name: None)
    try:
        tell(ImportPhase.READING)
        prepared = _prepare(user, plan_import, skip_errors, overwrite_manual)
        tell(ImportPhase.COMPARING)
        prepared.compare(progress)
        tell(ImportPhase.WRITING)
        with transaction.atomic():
            _commit(user, plan_import, prepared)
    except ImportRejected:
        raise
    except Exception as exc:
        failure = f"L'import de {plan_import.file_name} a échoué ; rien n'a été enregistré ({exc})."
        PlanImport.objects.filter(pk=plan_import.pk).update(
            status=ImportStatus.FAILED, phase="", failure=failure
        )
        plan_import.status, plan_import.failure = ImportStatus.FAILED, failure
        audit.record(user, organisation, "plan.import.failed", plan_import, failure[:300])
        raise ImportRejected(failure) from exc
    plan_import.refresh_from_db()
    return plan_import


def plan_state(plan: Plan) -> tuple:
    """What tells whether a plan's purchases, lots or history changed (an empty plan is no plan)."""
    if not plan.pk:
        return (0, None, 0, None, None)
    purchases = PlannedPurchase.objects.filter(plan=plan).aggregate(n=Count("pk"), last=Max("updated_at"))
    lots = Lot.objects.filter(purchase__plan=plan).aggregate(n=Count("pk"), last=Max("updated_at"))
    history = FieldChange.objects.filter(purchase__plan=plan).aggregate(last=Max("pk"))
    return (purchases["n"], purchases["last"], lots["n"], lots["last"], history["last"])


@dataclass
class _Prepared:
    """A commit's reading of the file and its comparison with the plan, done before the transaction."""

    plan_import: PlanImport
    result: object
    actor: object
    overwrite_manual: bool
    plan: Plan
    state: tuple = ()
    ctx: _Context | None = None
    out: Outcome | None = None
    clock: list[float] = field(default_factory=list)

    def compare(self, progress: Callable[[int], None] | None = None) -> None:
        self.state = plan_state(self.plan)
        inferred = (self.plan_import.report or {}).get("inferred_cpv")
        if self.ctx is not None:
            inferred = {**(inferred or {}), **self.ctx.inferred}
        self.ctx = _Context(self.plan_import.organisation, self.plan, inferred)
        self.out = compare(
            self.result.purchases,
            self.plan,
            self.ctx,
            actor=self.actor,
            plan_import=self.plan_import,
            progress=progress,
            overwrite_manual=self.overwrite_manual,
        )
        self.clock.append(time.perf_counter())


def _prepare(user, plan_import: PlanImport, skip_errors: bool, overwrite_manual: bool) -> _Prepared:
    organisation = plan_import.organisation
    clock = [time.perf_counter()]
    result = _read(
        organisation,
        bytes(plan_import.content),
        plan_import.file_name,
        plan_import.year,
        plan_import.sheets,
        plan_import.mapping,
    )
    if not result.sheets_read:
        raise ImportRejected("Aucun plan des achats lisible dans ce fichier : rien n'a été importé.")
    if result.errors and not skip_errors:
        raise ImportRejected(
            f"{len(result.errors)} erreur(s) dans le fichier : rien n'a été importé. "
            "Corrigez les lignes signalées, ou importez en laissant ces lignes de côté."
        )
    clock.append(time.perf_counter())
    plan = Plan.objects.filter(organisation=organisation, year=plan_import.year).first() or Plan(
        organisation=organisation, year=plan_import.year
    )
    actor = user if getattr(user, "is_authenticated", False) else None
    return _Prepared(plan_import, result, actor, overwrite_manual, plan, clock=clock)


def _commit(user, plan_import: PlanImport, prepared: _Prepared) -> dict:
    organisation = plan_import.organisation
    result = prepared.result
    plan, created_plan = Plan.objects.get_or_create(
        organisation=organisation,
        year=plan_import.year,
        defaults={"title": f"Plan des achats {plan_import.year}"},
    )
    plan = Plan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    if plan_state(plan) != prepared.state or (prepared.plan.pk and prepared.plan.pk != plan.pk):
        # Someone changed the plan since the comparison: compare again, under the lock this time.
        prepared.plan = plan
        prepared.clock.pop()
        prepared.compare()
    out = prepared.out
    for purchase, _lots in out.created:
        purchase.plan = plan  # compared against a plan that did not exist yet
    ctx = prepared.ctx
    clock = prepared.clock
    _write(out)
    clock.append(time.perf_counter())
    report = _report(result, out, plan_import.file_name, plan_import.year)
    report["inferred_cpv"] = ctx.inferred
    report["overwrite_manual"] = prepared.overwrite_manual
    # Seconds per phase, for the benchmark and for whoever wonders why an import took long.
    report["timings"] = {
        phase: round(end - start, 3)
        for phase, start, end in zip(("read", "compare", "write"), clock, clock[1:], strict=False)
    }
    changed = bool(out.created or out.updated)
    if changed and not created_plan:
        plan.version += 1
    plan.save()
    PlanImport.objects.filter(pk=plan_import.pk).update(
        plan=plan,
        status=ImportStatus.COMMITTED,
        phase="",
        committed_at=timezone.now(),
        content=None,
        report=report,
        progress=len(result.purchases),
        total=len(result.purchases),
        actor=prepared.actor or plan_import.actor,
        **_counts(report),
    )
    audit.record(
        user,
        organisation,
        "plan.import.commit",
        plan_import,
        f"Import de {plan_import.file_name} dans le plan {plan.year} (version {plan.version})",
        **report["counts"],
        kept_manual=len(out.kept_manual),
        overwrite_manual=prepared.overwrite_manual,
    )
    return report


def _write(out: Outcome) -> None:
    now = timezone.now()
    for changed in (*out.updated, *out.updated_lots):
        changed.updated_at = now  # bulk_update does not touch auto_now fields
    # New rows go through the lean INSERT (COPY on PostgreSQL): bulk_create's per-field preparation was a
    # quarter of a 10,000-line import.
    insert([purchase for purchase, _lots in out.created])
    lots = []
    for purchase, purchase_lots in out.created:
        for lot in purchase_lots:
            lot.purchase = purchase
            lots.append(lot)
    insert(lots + out.new_lots)
    if out.updated:
        PlannedPurchase.objects.bulk_update(out.updated, [*SAVED, "updated_at"], batch_size=_BATCH)
    if out.updated_lots:
        Lot.objects.bulk_update(out.updated_lots, [*LOT_SAVED, "updated_at"], batch_size=_BATCH)
    insert(out.changes)


def import_file(
    user,
    organisation: Organisation,
    content: bytes,
    file_name: str,
    year: int,
    *,
    sheets: Iterable[str] | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    skip_errors: bool = False,
    overwrite_manual: bool = False,
    progress: Callable[[int], None] | None = None,
) -> PlanImport:
    """What the terminal command does: a preview with `dry_run`, else the commit straight away (one
    reading of the file; the record's report is the commit's)."""
    if dry_run:
        return preview_import(
            user, organisation, content, file_name, year, sheets=sheets, mapping=mapping, progress=progress
        )
    plan_import = new_import(user, organisation, content, file_name, year, sheets=sheets, mapping=mapping)
    try:
        return commit_import(
            user, plan_import, skip_errors=skip_errors, overwrite_manual=overwrite_manual, progress=progress
        )
    except ImportRejected as refused:
        plan_import.refresh_from_db()
        if plan_import.status != ImportStatus.FAILED:
            run_preview(user, plan_import)  # the record then lists the errors that stopped the commit
        raise ImportRejected(str(refused), plan_import) from refused
