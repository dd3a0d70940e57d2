"""Where the benchmark store lives, and the directory's SIRETs to recognise inclusive holders.

The store holds national open data, not tenant data: every member of any organisation may read it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

from .store import BenchmarkStore


def default_store(data_dir: str | Path | None = None) -> BenchmarkStore:
    base = Path(data_dir) if data_dir else Path(settings.DATA_DIR)
    return BenchmarkStore(base / "benchmark")


def directory_sirets() -> list[str] | None:
    """SIRETs of the directory's structures, or None when the directory is not installed or not migrated."""
    try:
        from levier.directory.models import Structure
    except ImportError:
        return None
    try:
        return list(Structure.objects.exclude(siret="").values_list("siret", flat=True))
    except (DatabaseError, RuntimeError):  # tables not created yet; RuntimeError: no database in this context
        return None
