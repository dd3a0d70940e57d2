"""What an import of a structure list did (or, in a preview, would do), for the terminal, pages and API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from levier.ingest.errors import RowError, Severity, count_by_code

from .models import Source

# The preview lists this many created or updated structures (the counts are always complete).
PREVIEW_LIMIT = 200


@dataclass
class Outcome:
    """What happens to one record: created, updated (with the fields) or unchanged."""

    row: int
    key: str
    name: str
    action: str
    structure_id: int | None = None
    fields: list[str] = field(default_factory=list)
    kept_manual: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "key": self.key,
            "name": self.name,
            "action": self.action,
            "structure_id": self.structure_id,
            "fields": self.fields,
            "kept_manual": self.kept_manual,
        }


SOURCE_LABELS = {
    Source.ESAT: "de la liste FINESS des ESAT",
    Source.SIAE: "de la liste des SIAE de l'ASP",
    Source.GEIQ: "de la liste des GEIQ",
    Source.EA: "de la liste des entreprises adaptées",
    Source.LEMARCHE: "de l'export du marché de l'inclusion",
}


@dataclass
class ImportReport:
    source: str
    file_name: str
    source_date: dt.date
    dry_run: bool
    rows_read: int = 0
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_manual: int = 0
    errors: list[RowError] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    file_info: dict[str, object] = field(default_factory=dict)
    run_id: int | None = None
    companion_file: bool = False

    @property
    def ok(self) -> bool:
        """False when the file could not be read at all (nothing imported)."""
        return not any(error.is_error and error.row is None for error in self.errors)

    @property
    def rejections(self) -> list[RowError]:
        return [error for error in self.errors if error.is_error and error.row is not None]

    @property
    def rejected(self) -> int:
        return len({(error.row_label, error.row) for error in self.rejections})

    @property
    def warnings(self) -> list[RowError]:
        return [error for error in self.errors if not error.is_error]

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "file": self.file_name,
            "source_date": self.source_date.isoformat(),
            "dry_run": self.dry_run,
            "ok": self.ok,
            "run_id": self.run_id,
            "rows_read": self.rows_read,
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "kept_manual": self.kept_manual,
            "rejected_by_reason": count_by_code(self.errors, Severity.ERROR),
            "warnings_by_reason": count_by_code(self.errors, Severity.WARNING),
            "errors": [_error_dict(error) for error in self.errors if error.is_error],
            "warnings": [_error_dict(error) for error in self.warnings],
            "outcomes": [outcome.to_dict() for outcome in self.outcomes if outcome.action != "unchanged"][
                :PREVIEW_LIMIT
            ],
            "file_info": self.file_info,
        }

    def lines_fr(self, *, details: int = 20) -> list[str]:
        """The report as a person reads it; `details` rejected rows and warnings are listed in full."""
        what = SOURCE_LABELS.get(self.source, self.source)
        companion = " (fichier complémentaire : sites web et métiers)" if self.companion_file else ""
        lines = [
            f"Import {what}{companion} : {self.file_name}, données du {self.source_date:%d/%m/%Y}.",
        ]
        if not self.ok:
            lines.append("Le fichier n'a pas pu être lu ; rien n'a été importé.")
            lines.extend(f"  {error.message_fr}" for error in self.errors if error.row is None)
            return lines
        # A JSON export has items, a spreadsheet lines.
        unit = (
            ("élément lu", "éléments lus") if self.source == Source.LEMARCHE else ("ligne lue", "lignes lues")
        )
        gone = (
            ("élément rejeté", "éléments rejetés")
            if self.source == Source.LEMARCHE
            else ("ligne rejetée", "lignes rejetées")
        )
        if self.dry_run:
            outcome = (
                f"{_n(self.created)} à créer, {_n(self.updated)} à mettre à jour, "
                f"{_count(self.unchanged, 'inchangée', 'inchangées')}"
            )
        else:
            outcome = (
                f"{_count(self.created, 'créée', 'créées')}, "
                f"{_count(self.updated, 'mise à jour', 'mises à jour')}, "
                f"{_count(self.unchanged, 'inchangée', 'inchangées')}"
            )
        lines.append(
            f"{_count(self.rows_read, *unit)}, "
            f"{_count(self.records, 'structure reconnue', 'structures reconnues')} : {outcome}."
        )
        lines.append(f"{_count(self.rejected, *gone)}.")
        for error in self.rejections[:details]:
            lines.append(f"  {error.message_fr}")
        if len(self.rejections) > details:
            lines.append(f"  … et {len(self.rejections) - details} autre(s).")
        if self.kept_manual:
            lines.append(
                f"{_n(self.kept_manual)} valeur(s) saisie(s) à la main conservée(s) "
                "(l'import ne les remplace pas)."
            )
        warnings = self.warnings
        if warnings:
            lines.append(
                f"{_n(len(warnings))} avertissement(s) (données conservées, valeur corrigée ou ignorée) :"
            )
            examples: dict[str, RowError] = {}
            for warning in warnings:
                examples.setdefault(warning.code, warning)
            for code, count in count_by_code(warnings, Severity.WARNING).items():
                lines.append(f"  {count} × {examples[code].message_fr}")
        if self.dry_run:
            lines.append("Aperçu seulement : rien n'a été enregistré.")
        return lines


def _count(value: int, singular: str, plural: str) -> str:
    """ "1 structure créée", "0 ligne rejetée", "5 309 structures créées" (French: plural from 2)."""
    return f"{_n(value)} {singular if value < 2 else plural}"


def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _error_dict(error: RowError) -> dict[str, object]:
    return {
        "row": error.row,
        "field": error.field,
        "value": error.raw_value,
        "code": error.code,
        "message": error.message_fr,
    }
