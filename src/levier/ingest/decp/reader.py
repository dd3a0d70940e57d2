"""Read DECP files of any supported format into normalised contracts, counting every problem by reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import reasons as reason_codes
from .normalize import normalize
from .records import Contract
from .sources import FORMAT_LABELS_FR, DecpFormatError, JsonSource, XmlSource, detect
from .tabular import TabularSource

EXAMPLES_PER_REASON = 3


@dataclass
class ReadReport:
    """What reading one or several files gave: counts by format and by reason, a few examples of each."""

    files: list[str] = field(default_factory=list)
    records_by_format: Counter = field(default_factory=Counter)
    records: int = 0
    contracts: int = 0
    reasons: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    file_errors: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.records - self.contracts

    def by_outcome(self, outcome: str) -> dict[str, int]:
        found = {code: n for code, n in self.reasons.items() if reason_codes.outcome(code) == outcome}
        return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))

    def note(self, code: str, where: Callable[[], str]) -> None:
        """Count one contract for `code`; `where` is only called for the first few examples."""
        self.reasons[code] += 1
        kept = self.examples.setdefault(code, [])
        if len(kept) < EXAMPLES_PER_REASON:
            kept.append(where())

    def to_dict(self) -> dict:
        def detail(outcome: str) -> list[dict]:
            return [
                {
                    "code": code,
                    "libelle": reason_codes.label_fr(code),
                    "nombre": count,
                    "exemples": self.examples.get(code, []),
                }
                for code, count in self.by_outcome(outcome).items()
            ]

        return {
            "fichiers": self.files,
            "enregistrements_lus": self.records,
            "par_format": {
                fmt: {"libelle": FORMAT_LABELS_FR.get(fmt, fmt), "nombre": count}
                for fmt, count in sorted(self.records_by_format.items())
            },
            "marches_lus": self.contracts,
            "rejetes": self.rejected,
            "rejets": detail(reason_codes.REJECTED),
            "reparations": detail(reason_codes.REPAIRED),
            "valeurs_ecartees": detail(reason_codes.DROPPED),
            "remarques": detail(reason_codes.NOTED),
            "erreurs_fichier": self.file_errors,
        }


def open_source(path: Path, temp_directory: Path | None = None):
    """The streaming source for a file, chosen from its content (not its name)."""
    kind = detect(path)
    if kind == "json":
        return JsonSource(path)
    if kind == "xml":
        return XmlSource(path)
    return TabularSource(path, kind, temp_directory)


def _where(path: Path, position: int, record: object) -> str:
    identifier = record.get("id") if isinstance(record, dict) else None
    suffix = f" (id « {identifier} »)" if identifier else ""
    return f"{path.name}, marché n° {position}{suffix}"


def read_contracts(
    path: str | Path,
    report: ReadReport,
    progress: Callable[[int, int], None] | None = None,
    temp_directory: Path | None = None,
) -> Iterator[Contract]:
    """Contracts from one file, streamed; problems are counted in `report`.

    Raises DecpFormatError (French message) when the file is not a DECP file at all.
    """
    source_path = Path(path)
    source = open_source(source_path, temp_directory)
    report.files.append(source_path.name)
    step = 0
    try:
        for position, record, source_format in source:
            report.records += 1
            report.records_by_format[source_format] += 1
            contract, found = normalize(record, source_format, position)
            for code in found:
                report.note(code, lambda: _where(source_path, position, record))  # noqa: B023 (called at once)
            if progress is not None:
                step += 1
                if step >= 2000:
                    progress(source.bytes_read(), source.size)
                    step = 0
            if contract is not None:
                report.contracts += 1
                yield contract
    except Exception as error:  # ijson and expat errors carry no French: name the file and the place
        if isinstance(error, DecpFormatError):
            raise
        if type(error).__module__.startswith(("ijson", "xml")) or isinstance(error, ValueError):
            raise DecpFormatError(
                f"{source_path.name} : fichier illisible après {report.records} enregistrements ({error})."
            ) from error
        raise
    if progress is not None:
        progress(source.bytes_read(), source.size)
