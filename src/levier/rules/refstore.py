"""Where the official reference files loaded by the user are kept, in a compact normalised copy.

Levier never downloads anything: the user fetches the official file (CPV nomenclature, communes and
postcodes) and runs `levier refdata cpv FILE` or `levier refdata communes FILE`. The normalised copy
is a gzipped JSON document holding the data and its provenance (source file name, date loaded,
sha256 of the source), so that any label shown can be traced back to the file it came from.

The directory is `$LEVIER_DATA_DIR` or, by default, `~/.local/share/levier` (XDG data home).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ENV_DATA_DIR = "LEVIER_DATA_DIR"
FORMAT_VERSION = 1

# The kinds of reference data a user can load, with what the UI calls them.
KINDS: dict[str, str] = {
    "cpv": "Nomenclature CPV 2008 (libellés)",
    "communes": "Communes, codes postaux et coordonnées",
}


def default_data_dir() -> Path:
    configured = os.environ.get(ENV_DATA_DIR)
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "levier"


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Dataset:
    """One loaded reference dataset: its content and where it came from."""

    kind: str
    payload: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return int(self.provenance.get("records", 0))


@dataclass(frozen=True)
class DatasetStatus:
    kind: str
    label_fr: str
    loaded: bool
    provenance: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def line_fr(self) -> str:
        if not self.loaded:
            return f"{self.label_fr} : non chargé (levier refdata {self.kind} FICHIER)."
        prov = self.provenance
        return (
            f"{self.label_fr} : {prov.get('records', '?')} enregistrements, "
            f"fichier {prov.get('source_file', '?')} ({prov.get('format', '?')}), "
            f"chargé le {prov.get('loaded_at', '?')}, sha256 {str(prov.get('sha256', '?'))[:12]}…"
        )


class RefStore:
    """Read and write the normalised reference datasets of one data directory."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).expanduser() if root is not None else default_data_dir()
        self._cache: dict[str, tuple[float, Dataset]] = {}

    @property
    def refdata_dir(self) -> Path:
        return self.root / "refdata"

    def path_for(self, kind: str) -> Path:
        if kind not in KINDS:
            raise KeyError(f"Type de référentiel inconnu : « {kind} » (attendu : {', '.join(KINDS)}).")
        return self.refdata_dir / f"{kind}.json.gz"

    def save(
        self,
        kind: str,
        payload: Mapping[str, Any],
        source: str | Path,
        *,
        source_format: str,
        records: int,
    ) -> Dataset:
        """Write the dataset atomically (a crash never leaves a half-written file behind)."""
        source_path = Path(source)
        provenance = {
            "source_file": source_path.name,
            "sha256": sha256_file(source_path),
            "format": source_format,
            "records": records,
            "loaded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }
        document = {
            "kind": kind,
            "format_version": FORMAT_VERSION,
            "provenance": provenance,
            "payload": dict(payload),
        }
        target = self.path_for(kind)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{kind}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
                zipped.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._cache.pop(kind, None)
        return Dataset(kind=kind, payload=dict(payload), provenance=provenance)

    def load(self, kind: str) -> Dataset | None:
        """The saved dataset, or None when the user has not loaded one."""
        target = self.path_for(kind)
        try:
            stamp = target.stat().st_mtime
        except FileNotFoundError:
            return None
        cached = self._cache.get(kind)
        if cached and cached[0] == stamp:
            return cached[1]
        with gzip.open(target, "rb") as zipped:
            document = json.loads(zipped.read().decode("utf-8"))
        if document.get("format_version") != FORMAT_VERSION or document.get("kind") != kind:
            raise ValueError(
                f"{target} : copie de référentiel d'un format inattendu ; rechargez le fichier source "
                f"avec « levier refdata {kind} FICHIER »."
            )
        dataset = Dataset(kind=kind, payload=document["payload"], provenance=document.get("provenance", {}))
        self._cache[kind] = (stamp, dataset)
        return dataset

    def remove(self, kind: str) -> bool:
        target = self.path_for(kind)
        self._cache.pop(kind, None)
        if target.exists():
            target.unlink()
            return True
        return False

    def status(self) -> list[DatasetStatus]:
        result = []
        for kind, label in KINDS.items():
            target = self.path_for(kind)
            if not target.exists():
                result.append(DatasetStatus(kind=kind, label_fr=label, loaded=False, path=target))
                continue
            dataset = self.load(kind)
            provenance = dataset.provenance if dataset else {}
            result.append(
                DatasetStatus(kind=kind, label_fr=label, loaded=True, provenance=provenance, path=target)
            )
        return result
