"""Generate purchase plans as buyers lay them out, from real awarded contracts (DECP 2019 samples).

No real purchase plan is published as an open file (shared/data/SOURCES.md), so plans are built from
the objects, CPV codes, amounts, durations and holders of real contracts, written the way buyers write
them: title rows above the table, a two-level header with merged cells, a service merged down over its
lines, French amounts as text in several styles, mixed date formats, lots as sub-rows or as a column.

Each generated plan comes with what a correct reader must find in it (`ExpectedPurchase`), computed here
from the source values and never by the reader's own parsers. Used by the tests and by bench/.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from levier.rules.cpv import STATUS_VALID, normalize_cpv
from levier.rules.siret import normalize_siret
from tests.paths import SHARED_DATA

DECP_2019 = (
    SHARED_DATA / "decp" / "samples" / "decp2019_pes_2019-04-05.json",
    SHARED_DATA / "decp" / "samples" / "decp2019_e-marchespublics_2019-04-03.json",
)

SERVICES = (
    "Direction des bâtiments",
    "Direction de la voirie",
    "Direction des systèmes d'information",
    "Direction de l'éducation",
    "Direction des espaces verts",
    "Direction des ressources humaines",
    "Service restauration",
    "Mairie annexe",
)
PLACES = ("Fictiveville", "Quartier nord", "Tout le territoire", "Centre technique municipal")
PROCEDURES = ("Appel d'offres ouvert", "MAPA", "Procédure adaptée", "Marché subséquent", "Accord-cadre")

# Header variants buyers use for each column (header_row.py must recognise every one of them).
HEADER_VARIANTS = {
    "reference": ("Réf.", "N° consultation", "Référence", "N° interne", "Numéro de marché"),
    "object": ("Objet du marché", "Intitulé", "Libellé de la consultation", "OBJET", "Désignation"),
    "service": ("Direction", "Service prescripteur", "Service demandeur", "Pôle"),
    "nature": ("Nature", "Type de marché", "Nature du marché"),
    "cpv": ("Code CPV", "CPV", "Codes CPV"),
    "amount_total": (
        "Montant prévisionnel total (€ HT)",
        "Montant estimé HT sur la durée",
        "Estimation totale HT",
        "Montant global HT",
    ),
    "duration": ("Durée", "Durée du marché", "Durée prévisionnelle"),
    "launch_date": ("Lancement", "Date prévisionnelle de lancement", "Publication"),
    "notification_date": ("Notification", "Date de notification souhaitée", "Attribution"),
    "place": ("Lieu d'exécution", "Lieu", "Site"),
    "procedure": ("Procédure", "Procédure envisagée", "Mode de passation"),
    "holder_name": ("Titulaire actuel", "Attributaire actuel", "Prestataire actuel"),
    "holder_siret": ("SIRET du titulaire", "N° SIRET"),
    "contract_end": ("Échéance du marché en cours", "Date de fin du marché actuel", "Échéance"),
    "lot_number": ("N° de lot", "Lot"),
    "lot_title": ("Intitulé du lot", "Libellé du lot"),
}
# Columns of a generated plan, in order; the two dates sit under one merged "Dates prévisionnelles".
COLUMNS = (
    "reference",
    "object",
    "service",
    "nature",
    "cpv",
    "amount_total",
    "duration",
    "launch_date",
    "notification_date",
    "place",
    "procedure",
    "holder_name",
    "holder_siret",
    "contract_end",
)
DATE_GROUP = ("launch_date", "notification_date")
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass
class ExpectedLot:
    number: str
    title: str
    amount: Decimal


@dataclass
class ExpectedPurchase:
    reference: str | None
    object: str
    service: str
    nature: str  # "travaux" | "fournitures" | "services"
    cpv: str | None  # 8 digits, or None when the cell is left empty
    amount: Decimal  # over the whole duration, HT
    duration_months: int
    launch: tuple[dt.date, str]  # first day of the period and its precision
    notification: tuple[dt.date, str]
    place: str
    procedure: str
    holder_name: str | None
    holder_siret: str | None
    contract_end: dt.date | None
    lots: list[ExpectedLot] = field(default_factory=list)
    # How each value is written in the file, decided once so that every format writes the same text.
    cells: dict[str, object] = field(default_factory=dict)


@dataclass
class GeneratedPlan:
    year: int
    purchases: list[ExpectedPurchase]
    headers: dict[str, str]
    lots_layout: str  # "sub_rows" or "column"
    title_rows: list[str]


def load_decp_contracts() -> list[dict]:
    contracts: list[dict] = []
    for path in DECP_2019:
        with path.open(encoding="utf-8") as handle:
            contracts.extend(json.load(handle)["marches"])
    return contracts


def _clean_object(text: str) -> str | None:
    # Objects are written to CP1252 CSV files too: characters outside it become "?" the way Excel does.
    flat = " ".join(str(text).split()).encode("cp1252", "replace").decode("cp1252")
    lowered = flat.lower()
    if len(flat) < 5 or lowered.startswith(("lot", "total", "sous-total", "sous total")):
        return None
    return flat


def _nature(cpv8: str | None, rng: random.Random) -> str:
    if cpv8 is None:
        return rng.choice(("travaux", "fournitures", "services"))
    division = int(cpv8[:2])
    if division == 45:
        return "travaux"
    if division <= 44 or division == 48:
        return "fournitures"
    return "services"


def _usable(contract: dict) -> bool:
    amount = contract.get("montant")
    return (
        isinstance(amount, int | float)
        and 1_000 <= amount <= 50_000_000
        and isinstance(contract.get("dureeMois"), int)
        and 1 <= contract["dureeMois"] <= 120
        and bool(contract.get("objet"))
    )


# --- French writing of values (independent of the reader's parsers) -------------------------------------


def _group_thousands(integer: int, separator: str) -> str:
    text = str(integer)
    groups = []
    while text:
        groups.insert(0, text[-3:])
        text = text[:-3]
    return separator.join(groups)


def french_amount(amount: Decimal, style: str) -> str:
    """Write an amount as buyers do; `style` is one of AMOUNT_STYLES."""
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    integer, fraction = divmod(int(cents * 100), 100)
    if style == "spaces_euro":
        return f"{_group_thousands(integer, ' ')},{fraction:02d} €"
    if style == "nbsp_euro_ht":
        return f"{_group_thousands(integer, chr(0xA0))},{fraction:02d} € HT"
    if style == "plain_comma":
        return f"{integer},{fraction:02d}"
    if style == "dots_comma":
        return f"{_group_thousands(integer, '.')},{fraction:02d}"
    if style == "english":
        return f"{_group_thousands(integer, ',')}.{fraction:02d}"
    if style == "k_euro":
        thousands = cents / 1000
        return f"{format(thousands.normalize(), 'f').replace('.', ',')} k€"
    if style == "m_euro":
        millions = cents / 1_000_000
        return f"{format(millions.normalize(), 'f').replace('.', ',')} M€"
    raise ValueError(style)


AMOUNT_STYLES = ("spaces_euro", "nbsp_euro_ht", "plain_comma", "dots_comma", "english", "k_euro", "m_euro")


def _amount_cell(amount: Decimal, rng: random.Random, typed_numbers: bool) -> object:
    styles = ["spaces_euro", "nbsp_euro_ht", "plain_comma", "dots_comma", "english"]
    if amount % 1000 == 0:
        styles.append("k_euro")
    if amount % 100_000 == 0 and amount >= 1_000_000:
        styles.append("m_euro")
    if typed_numbers:
        styles.append("number")
    style = rng.choice(styles)
    return float(amount) if style == "number" else french_amount(amount, style)


def _date_cell(day: dt.date, rng: random.Random, typed_dates: bool) -> tuple[object, tuple[dt.date, str]]:
    """A planned date written in one of the buyers' styles, and the period a reader must find."""
    styles = ["dmy", "iso", "month_name", "month_number", "quarter", "quarter_words", "semester", "year"]
    if typed_dates:
        styles.append("datetime")
    style = rng.choice(styles)
    quarter = (day.month - 1) // 3 + 1
    semester = (day.month - 1) // 6 + 1
    if style == "datetime":
        return dt.datetime(day.year, day.month, day.day), (day, "day")
    if style == "dmy":
        return day.strftime("%d/%m/%Y"), (day, "day")
    if style == "iso":
        return day.isoformat(), (day, "day")
    month_start = day.replace(day=1)
    if style == "month_name":
        name = MONTHS_FR[day.month - 1]
        text = rng.choice((f"{name} {day.year}", f"{name.capitalize()}-{day.year % 100:02d}"))
        return text, (month_start, "month")
    if style == "month_number":
        return f"{day.month:02d}/{day.year}", (month_start, "month")
    quarter_start = dt.date(day.year, (quarter - 1) * 3 + 1, 1)
    if style == "quarter":
        return f"T{quarter} {day.year}", (quarter_start, "quarter")
    if style == "quarter_words":
        ordinal = "1er" if quarter == 1 else f"{quarter}e"
        return f"{ordinal} trimestre {day.year}", (quarter_start, "quarter")
    if style == "semester":
        return f"S{semester} {day.year}", (dt.date(day.year, (semester - 1) * 6 + 1, 1), "semester")
    return day.year if rng.random() < 0.5 else str(day.year), (dt.date(day.year, 1, 1), "year")


def _duration_cell(months: int, rng: random.Random) -> object:
    choices: list[object] = [f"{months} mois", months]
    if months % 12 == 0:
        years = months // 12
        choices.append(f"{years} an" if years == 1 else f"{years} ans")
    return rng.choice(choices)


def _nature_cell(nature: str, rng: random.Random) -> str:
    variants = {
        "travaux": ("Travaux", "T", "travaux"),
        "fournitures": ("Fournitures", "F", "FOURNITURES"),
        "services": ("Services", "S", "Prestations de services", "PI"),
    }
    return rng.choice(variants[nature])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, 28))


# --- Building a plan ------------------------------------------------------------------------------------


def make_plan(
    lines: int,
    *,
    seed: int = 2027,
    year: int = 2027,
    lots_layout: str = "sub_rows",
    lot_every: int = 10,
    typed_cells: bool = True,
    without_reference_every: int = 7,
) -> GeneratedPlan:
    """A plan of `lines` purchases from real contracts; every `lot_every`-th purchase is split in lots.

    `typed_cells`: some amounts and dates are typed numbers and dates (as in a spreadsheet) rather
    than text (as in a CSV). `without_reference_every`: every n-th line has no reference (0: none).
    """
    rng = random.Random(seed)
    contracts = [contract for contract in load_decp_contracts() if _usable(contract)]
    rng.shuffle(contracts)
    headers = {name: rng.choice(variants) for name, variants in HEADER_VARIANTS.items()}
    purchases: list[ExpectedPurchase] = []
    seen_objects: set[str] = set()
    for contract in contracts:
        if len(purchases) == lines:
            break
        object_text = _clean_object(contract["objet"])
        if object_text is None or object_text.lower() in seen_objects:
            continue
        seen_objects.add(object_text.lower())
        purchases.append(_purchase(contract, object_text, len(purchases), year, rng, typed_cells, lot_every,
                                   without_reference_every))  # fmt: skip
    if len(purchases) < lines:
        raise ValueError(f"only {len(purchases)} usable contracts in the DECP samples, {lines} asked")
    # Buyers keep their plan sorted by service: consecutive lines share a service cell merged down.
    purchases.sort(key=lambda purchase: SERVICES.index(purchase.service))
    title_rows = [
        f"Ville de Fictiveville — Programmation des achats {year}",
        f"Mise à jour le 12/01/{year} — document de travail",
    ]
    return GeneratedPlan(year, purchases, headers, lots_layout, title_rows)


def _purchase(
    contract: dict,
    object_text: str,
    index: int,
    year: int,
    rng: random.Random,
    typed_cells: bool,
    lot_every: int,
    without_reference_every: int,
) -> ExpectedPurchase:
    cpv_check = normalize_cpv(contract.get("codeCPV"))
    cpv8 = cpv_check.code if cpv_check.status == STATUS_VALID else None
    amount = Decimal(str(contract["montant"])).quantize(Decimal("0.01"))
    duration = contract["dureeMois"]
    launch_day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 300))
    notification_day = launch_day + dt.timedelta(days=rng.randrange(60, 120))
    if notification_day.year != year:
        notification_day = dt.date(year, 12, 15)
    holder = (contract.get("titulaires") or [{}])[0]
    siret_check = normalize_siret(holder.get("id"))
    holder_name = " ".join(str(holder.get("denominationSociale") or "").split()) or None
    if holder_name:
        holder_name = holder_name.encode("cp1252", "replace").decode("cp1252")
    end = _add_months(launch_day, rng.randrange(1, 4)) if holder_name else None
    reference = None
    if not (without_reference_every and index % without_reference_every == without_reference_every - 1):
        reference = f"{year}-{index + 1:04d}"
    write_cpv = cpv8 is not None and rng.random() < 0.6  # CPV is often missing from plans
    purchase = ExpectedPurchase(
        reference=reference,
        object=object_text,
        service=rng.choice(SERVICES),
        nature=_nature(cpv8, rng),
        cpv=cpv8 if write_cpv else None,
        amount=amount,
        duration_months=duration,
        launch=(launch_day, "day"),
        notification=(notification_day, "day"),
        place=rng.choice(PLACES),
        procedure=rng.choice(PROCEDURES),
        holder_name=holder_name,
        holder_siret=siret_check.value if holder_name and siret_check.is_valid else None,
        contract_end=end,
    )
    cells = purchase.cells
    cells["reference"] = reference
    cells["object"] = object_text
    cells["service"] = purchase.service
    cells["nature"] = _nature_cell(purchase.nature, rng)
    cells["cpv"] = cpv_check.formatted if write_cpv else None
    cells["amount_total"] = _amount_cell(amount, rng, typed_cells)
    cells["duration"] = _duration_cell(duration, rng)
    cells["launch_date"], purchase.launch = _date_cell(launch_day, rng, typed_cells)
    cells["notification_date"], purchase.notification = _date_cell(notification_day, rng, typed_cells)
    cells["place"] = purchase.place
    cells["procedure"] = purchase.procedure
    cells["holder_name"] = holder_name
    cells["holder_siret"] = purchase.holder_siret
    cells["contract_end"] = end.strftime("%d/%m/%Y") if end else None
    if lot_every and index % lot_every == 0:
        _split_in_lots(purchase, rng, typed_cells)
    return purchase


def _split_in_lots(purchase: ExpectedPurchase, rng: random.Random, typed_cells: bool) -> None:
    count = rng.choice((2, 3))
    cents = int(purchase.amount * 100)
    shares = sorted(rng.sample(range(1, cents), count - 1)) if cents > count else []
    bounds = [0, *shares, cents]
    for number in range(1, count + 1):
        amount = Decimal(bounds[number] - bounds[number - 1]) / 100
        title = rng.choice(("Secteur nord", "Secteur sud", "Bâtiments scolaires", "Équipements sportifs",
                            "Fourniture", "Maintenance", "Pose"))  # fmt: skip
        lot = ExpectedLot(str(number), f"{title} {number}", amount)
        purchase.lots.append(lot)
        purchase.cells[f"lot_amount_{number}"] = _amount_cell(amount, rng, typed_cells)


# --- Rows as a spreadsheet shows them -------------------------------------------------------------------


@dataclass
class Grid:
    """The cells of one sheet (row-major, None for empty) and its merged ranges (1-based, inclusive)."""

    rows: list[list[object]]
    merges: list[tuple[int, int, int, int]]  # min_row, min_col, max_row, max_col


def plan_grid(plan: GeneratedPlan, *, two_level_header: bool = True, merge_services: bool = True) -> Grid:
    lot_columns = ("lot_number", "lot_title") if plan.lots_layout == "column" else ()
    columns = list(COLUMNS) + list(lot_columns)
    width = len(columns)
    rows: list[list[object]] = []
    merges: list[tuple[int, int, int, int]] = []
    for title in plan.title_rows:
        rows.append([title] + [None] * (width - 1))
        merges.append((len(rows), 1, len(rows), width))
    rows.append([None] * width)
    header_top = len(rows) + 1
    top = [plan.headers[name] if name not in DATE_GROUP else "Dates prévisionnelles" for name in columns]
    if two_level_header:
        bottom = [plan.headers[name] if name in DATE_GROUP else None for name in columns]
        rows.extend([top, bottom])
        first_date = columns.index(DATE_GROUP[0]) + 1
        merges.append((header_top, first_date, header_top, first_date + 1))
        for index, name in enumerate(columns, start=1):
            if name not in DATE_GROUP:
                merges.append((header_top, index, header_top + 1, index))
    else:
        rows.append([plan.headers[name] for name in columns])

    service_column = columns.index("service") + 1
    service_start: int | None = None
    for purchase in plan.purchases:
        first_row = len(rows) + 1
        rows.extend(_purchase_rows(purchase, columns, plan.lots_layout))
        if merge_services:
            service_start = _merge_service(rows, merges, service_column, first_row, service_start)
    if merge_services and service_start is not None:
        _close_service(merges, service_column, service_start, len(rows))
    rows.append(["TOTAL GÉNÉRAL"] + [None] * (width - 1))
    return Grid(rows, merges)


def _purchase_rows(
    purchase: ExpectedPurchase, columns: Sequence[str], lots_layout: str
) -> list[list[object]]:
    cells = purchase.cells
    if not purchase.lots:
        return [[cells.get(name) for name in columns]]
    if lots_layout == "sub_rows":
        parent = [cells.get(name) for name in columns]
        rows = [parent]
        for lot in purchase.lots:
            row: list[object] = [None] * len(columns)
            row[columns.index("object")] = f"Lot {lot.number} – {lot.title}"
            row[columns.index("amount_total")] = cells[f"lot_amount_{lot.number}"]
            rows.append(row)
        return rows
    rows = []
    for lot in purchase.lots:
        row = [cells.get(name) for name in columns]
        row[columns.index("amount_total")] = cells[f"lot_amount_{lot.number}"]
        row[columns.index("lot_number")] = lot.number if int(lot.number) % 2 else f"Lot {lot.number}"
        row[columns.index("lot_title")] = lot.title
        rows.append(row)
    return rows


def _merge_service(rows, merges, column: int, first_row: int, start: int | None) -> int:
    """Blank the service cell under an equal one and merge the run, as buyers do."""
    if start is not None and rows[start - 1][column - 1] == rows[first_row - 1][column - 1]:
        for row_number in range(first_row, len(rows) + 1):
            rows[row_number - 1][column - 1] = None
        return start
    if start is not None:
        _close_service(merges, column, start, first_row - 1)
    for row_number in range(first_row + 1, len(rows) + 1):
        rows[row_number - 1][column - 1] = None
    return first_row


def _close_service(merges, column: int, start: int, end: int) -> None:
    if end > start:
        merges.append((start, column, end, column))


# --- Writers ---------------------------------------------------------------------------------------------


def write_xlsx(
    grid: Grid, path: Path, sheet_name: str = "Programmation", extra_sheets: Sequence[str] = ()
) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    for row in grid.rows:
        sheet.append(row)
    for min_row, min_col, max_row, max_col in grid.merges:
        sheet.merge_cells(start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col)
    for name in extra_sheets:
        extra = workbook.create_sheet(name)
        extra.append(["Listes de choix"])
        extra.append(["Travaux", "Fournitures", "Services"])
    workbook.save(path)
    return path


def xlsx_bytes(
    rows: Sequence[Sequence[object]],
    *,
    merges: Sequence[str] = (),
    sheet: str | None = None,
    extra: dict[str, Sequence[Sequence[object]]] | None = None,
) -> bytes:
    """An xlsx file in memory: `rows` on the first sheet (renamed `sheet` if given), `merges` as "A2:A4"
    ranges, and `extra` sheets by name."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    if sheet is not None:
        first.title = sheet
    for row in rows:
        first.append(row)
    for merge in merges:
        first.merge_cells(merge)
    for name, extra_rows in (extra or {}).items():
        other = workbook.create_sheet(name)
        for row in extra_rows:
            other.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(grid: Grid, path: Path, *, encoding: str = "cp1252", delimiter: str = ";") -> Path:
    """As Excel saves "CSV (séparateur : point-virgule)": displayed text, merged cells left empty."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for row in grid.rows:
            writer.writerow([_displayed(value) for value in row])
    return path


def _displayed(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/"
  manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)
_ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"


def write_ods(grid: Grid, path: Path, sheet_name: str = "Programmation") -> Path:
    """A minimal OpenDocument spreadsheet, written as LibreOffice does: spans, covered cells, typed values,
    and the trailing run of empty rows LibreOffice pads sheets with."""
    spans = {(r, c): (max_r - r + 1, max_c - c + 1) for r, c, max_r, max_c in grid.merges}
    covered = {
        (row, col)
        for r, c, max_r, max_c in grid.merges
        for row in range(r, max_r + 1)
        for col in range(c, max_c + 1)
        if (row, col) != (r, c)
    }
    parts = [_ODS_HEAD, f"<table:table table:name={quoteattr(sheet_name)}>"]
    for row_number, row in enumerate(grid.rows, start=1):
        parts.append("<table:table-row>")
        for col_number, value in enumerate(row, start=1):
            if (row_number, col_number) in covered:
                parts.append("<table:covered-table-cell/>")
                continue
            span = spans.get((row_number, col_number))
            attrs = ""
            if span:
                attrs = f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
            parts.append(_ods_cell(value, attrs))
        parts.append('<table:table-cell table:number-columns-repeated="1000"/></table:table-row>')
    parts.append(
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>'
    )
    parts.append("</table:table>" + _ODS_TAIL)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), _ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", "".join(parts), compress_type=zipfile.ZIP_DEFLATED)
    return path


def _ods_cell(value: object, attrs: str) -> str:
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, dt.datetime):
        return (
            f'<table:table-cell{attrs} office:value-type="date" '
            f'office:date-value="{value.date().isoformat()}">'
            f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>"
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell{attrs} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell{attrs} office:value-type="string">'
        f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
    )
