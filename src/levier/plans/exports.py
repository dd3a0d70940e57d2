"""The plan and its decisions as an xlsx workbook, for the commission's file and the buyers' own tables.

Three sheets: the purchases (one row each, with the latest decision), their lots, and every workflow step
(who decided what, when, why). Amounts and dates are real numbers and dates, so that the buyer can sort,
filter and add them up. Written in openpyxl's write-only mode: memory stays flat whatever the plan's size.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from levier.organisations.models import Organisation

from . import selectors
from .models import Lot, PlannedPurchase, Transition
from .workflow import STEPS_BY_CODE, Status

AMOUNT_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("oui" if value else "non")


def _person(user) -> str:
    return user.display_name if user is not None else ""


Column = tuple[str, Callable, str | None, int]  # header, value, number format, width

PURCHASE_COLUMNS: tuple[Column, ...] = (
    ("Référence", lambda p, d: p.reference, None, 14),
    ("Objet", lambda p, d: p.object, None, 50),
    ("Service", lambda p, d: p.service.name if p.service else p.service_label, None, 28),
    ("Acheteur", lambda p, d: _person(p.buyer) or p.buyer_label, None, 20),
    ("Facilitateur", lambda p, d: _person(p.facilitator), None, 20),
    ("Nature", lambda p, d: p.get_nature_display(), None, 12),
    ("Code CPV", lambda p, d: p.cpv, None, 11),
    ("CPV déduit de l'objet", lambda p, d: _yes_no(p.cpv_inferred) if p.cpv else "", None, 10),
    ("Montant estimé HT", lambda p, d: p.estimated_amount, AMOUNT_FORMAT, 16),
    ("Base du montant", lambda p, d: p.get_amount_basis_display(), None, 18),
    ("Montant annuel HT", lambda p, d: p.annual_amount, AMOUNT_FORMAT, 16),
    ("Montant total HT", lambda p, d: p.total_amount, AMOUNT_FORMAT, 16),
    ("Durée (mois)", lambda p, d: p.duration_months, None, 8),
    ("Date de lancement", lambda p, d: p.launch_date, DATE_FORMAT, 12),
    ("Date de notification", lambda p, d: p.notification_date, DATE_FORMAT, 12),
    ("Lieu d'exécution", lambda p, d: p.place, None, 20),
    ("Procédure", lambda p, d: p.get_procedure_display(), None, 24),
    ("Procédure choisie par l'acheteur", lambda p, d: _yes_no(p.procedure_overridden), None, 10),
    ("Titulaire actuel", lambda p, d: p.current_holder_name, None, 24),
    ("SIRET du titulaire", lambda p, d: p.current_holder_siret, None, 16),
    ("Échéance du marché en cours", lambda p, d: p.current_contract_end, DATE_FORMAT, 12),
    ("Récurrent", lambda p, d: _yes_no(p.recurring), None, 8),
    ("Réservation", lambda p, d: p.get_reservation_display() if p.reservation else "", None, 30),
    ("Clause d'insertion", lambda p, d: _yes_no(p.insertion_clause), None, 8),
    ("Critère social", lambda p, d: _yes_no(p.social_criterion), None, 8),
    ("Statut", lambda p, d: p.get_status_display(), None, 18),
    ("Statut depuis le", lambda p, d: p.status_changed_at, DATETIME_FORMAT, 16),
    (
        "Dernière décision",
        lambda p, d: STEPS_BY_CODE[d.step].label_fr if d and d.step in STEPS_BY_CODE else "",
        None,
        18,
    ),
    ("Décision par", lambda p, d: _person(d.actor) if d else "", None, 20),
    ("Commentaire", lambda p, d: d.comment if d else "", None, 30),
    ("Motif", lambda p, d: d.reason if d else "", None, 30),
    ("Publié le", lambda p, d: p.published_at, DATETIME_FORMAT, 16),
)

LOT_COLUMNS: tuple[Column, ...] = (
    ("Référence de l'achat", lambda lot: lot.purchase.reference, None, 14),
    ("Objet de l'achat", lambda lot: lot.purchase.object, None, 40),
    ("N° de lot", lambda lot: lot.number, None, 8),
    ("Intitulé du lot", lambda lot: lot.title, None, 40),
    ("Réservation", lambda lot: lot.get_reservation_display() if lot.reservation else "", None, 30),
    ("Code CPV", lambda lot: lot.cpv, None, 11),
    ("Montant estimé HT", lambda lot: lot.estimated_amount, AMOUNT_FORMAT, 16),
    ("Montant total HT", lambda lot: lot.total_amount, AMOUNT_FORMAT, 16),
    ("Lieu d'exécution", lambda lot: lot.place, None, 20),
)

STEP_COLUMNS: tuple[Column, ...] = (
    ("Référence", lambda t: t.purchase.reference, None, 14),
    ("Objet", lambda t: t.purchase.object, None, 40),
    ("Étape", lambda t: STEPS_BY_CODE[t.step].label_fr if t.step in STEPS_BY_CODE else t.step, None, 20),
    ("Statut de départ", lambda t: Status(t.from_status).label, None, 18),
    ("Statut d'arrivée", lambda t: Status(t.to_status).label, None, 18),
    ("Par", lambda t: _person(t.actor), None, 20),
    ("Le", lambda t: t.at, DATETIME_FORMAT, 16),
    ("Commentaire", lambda t: t.comment, None, 40),
    ("Motif", lambda t: t.reason, None, 40),
)


def _naive(value):
    # Excel has no time zones: datetimes are written in the server's local time (Europe/Paris).
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _sheet(workbook: Workbook, title: str, columns: tuple[Column, ...], rows: Iterable[tuple]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (_header, _value, _fmt, width) in enumerate(columns):
        sheet.column_dimensions[_letter(index)].width = width
    header = []
    for name, _value, _fmt, _width in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for args in rows:
        out = []
        for _name, value, number_format, _width in columns:
            raw = _naive(value(*args))
            if number_format and raw is not None:
                # Only amounts and dates need a cell object (for their format): plain values write faster.
                cell = WriteOnlyCell(sheet, value=raw)
                cell.number_format = number_format
                out.append(cell)
            else:
                out.append(raw)
        sheet.append(out)


def _letter(index: int) -> str:
    return get_column_letter(index + 1)


def plan_workbook(organisation: Organisation, filters: selectors.PurchaseFilters) -> bytes:
    queryset = selectors.filter_purchases(organisation, filters)
    # Streamed from the database in chunks, like the rows into the workbook.
    purchases: Iterable[PlannedPurchase] = queryset.iterator(chunk_size=1000)
    ids = queryset.values("pk")
    decisions = selectors.last_decisions(ids)
    workbook = Workbook(write_only=True)
    _sheet(
        workbook,
        f"Plan {filters.year}" if filters.year else "Plan",
        PURCHASE_COLUMNS,
        ((p, decisions.get(p.pk)) for p in purchases),
    )
    lots = (
        Lot.objects.filter(purchase_id__in=ids).select_related("purchase").order_by("purchase_id", "number")
    )
    _sheet(workbook, "Lots", LOT_COLUMNS, ((lot,) for lot in lots.iterator(chunk_size=1000)))
    steps = (
        Transition.objects.filter(purchase_id__in=ids)
        .select_related("purchase", "actor")
        .order_by("purchase_id", "at", "pk")
    )
    _sheet(workbook, "Décisions", STEP_COLUMNS, ((t,) for t in steps.iterator(chunk_size=1000)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Large plans: the worker writes the file, the page waits for it ----------------------------------------

# Above this many lines the export is written by the task worker: a page must answer within seconds.
INLINE_LINES = 2000
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}$")


def export_storage() -> FileSystemStorage:
    # Outside MEDIA_ROOT: these files hold the plan's people and decisions, and are served only by the
    # organisation's own export page.
    return FileSystemStorage(location=Path(settings.DATA_DIR) / "plan-exports")


def export_name(organisation_id: int, token: str) -> str:
    if not _TOKEN.match(token or ""):
        raise ValueError("Invalid export token.")
    return f"{organisation_id}/{token}.xlsx"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def start_export(organisation: Organisation, query: dict[str, str]) -> str:
    token = new_token()
    transaction.on_commit(lambda: export_task.enqueue(organisation.pk, query, token))
    return token


@task()
def export_task(organisation_id: int, query: dict[str, str], token: str) -> str:
    organisation = Organisation.objects.get(pk=organisation_id)
    filters = selectors.PurchaseFilters.from_query(query, organisation)
    storage = export_storage()
    name = export_name(organisation_id, token)
    try:
        content = plan_workbook(organisation, filters)
    except Exception:
        storage.save(name.replace(".xlsx", ".failed"), ContentFile(b""))
        raise
    storage.save(name, ContentFile(content))
    return name
