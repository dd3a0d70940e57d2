"""Row-level problems found while reading an outside file, shared by every importer of the product.

A reader never raises on bad data: it yields what it could read and a list of `RowError`. The web
preview, the terminal command and the import report all show the same objects, so the French message
must stand on its own (« Ligne 42, champ SIRET : ... ») and the `code` must be stable enough to count
problems by reason ("12 lignes rejetées : SIRET absent").

Severity has one meaning everywhere:
- ERROR: the row (or, when `row` is None, the whole file) was rejected; nothing from it is imported.
- WARNING: the row was kept, but a value was repaired (a lost leading zero put back) or dropped
  (an invalid SIRET left empty); the message says which.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, located as precisely as the source allows.

    `row` is the real row number in the file as a spreadsheet shows it (the header is usually row 1),
    or the 1-based position of an item in a JSON list; None for a problem with the whole file.
    `field` is the user-facing name of the column or field (French label or the file's own header).
    `message` is the French explanation without the location; `message_fr` adds the location.
    """

    row: int | None
    field: str | None
    raw_value: str | None
    message: str
    severity: Severity = Severity.ERROR
    code: str = "invalid"
    # JSON sources count items, not lines; spreadsheets with several sheets name the sheet.
    row_label: str = "Ligne"
    sheet: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def location_fr(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"Feuille « {self.sheet} »")
        if self.row is not None:
            label = self.row_label if not parts else self.row_label.lower()
            parts.append(f"{label} {self.row}")
        if self.field:
            parts.append(f"champ {self.field}")
        if not parts:
            return "Fichier"
        location = ", ".join(parts)
        return location[0].upper() + location[1:]

    @property
    def message_fr(self) -> str:
        return f"{self.location_fr} : {self.message}"

    def __str__(self) -> str:
        return self.message_fr


def count_by_code(errors: Iterable[RowError], severity: Severity) -> dict[str, int]:
    """How many problems of one severity per reason code, most frequent first (for reports)."""
    counter = Counter(error.code for error in errors if error.severity == severity)
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
