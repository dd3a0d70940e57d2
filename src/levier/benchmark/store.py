"""The national benchmark store: DuckDB over Parquet files, fed by the DECP readers. No Django here.

Layout under the directory given (the app passes `$LEVIER_DATA_DIR/benchmark`):

    sources/<sha256 prefix>/contracts.parquet, holders.parquet, source.json   one per imported file
    contracts.parquet, holders.parquet                                        deduplicated union, sorted
                                                                              by CPV group for fast scans
    cube.parquet, cube.json                                                   counts by CPV class and every
                                                                              dimension of the statistics

Importing streams each file's contracts into CSV batches in a staging directory, which DuckDB turns into
Parquet; nothing from a file is kept in memory. The import is atomic: every file is staged first, and the
store changes only when all of them were read. Re-importing a file replaces its source (same content hash),
so running an import twice never duplicates anything.

Duplicates across sources (one contract published by the buyer's platform and again by the PES, or in
2019 and 2024 format) share the deduplication key

    buyer id | contract id (upper case, no spaces) | notification date | initial amount (euros) | holders

where holders are the sorted identifiers of the initial holders. The id alone is not enough: buyers reuse
one id for every lot of an operation (12 lots, 12 holders, one id in the real samples). Of the records
sharing a key, the one kept publishes social considerations, then has the latest publication date, then
the most modifications, then comes from the file imported last.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from levier.ingest.decp import Contract, ReadReport, read_contracts
from levier.ingest.decp.records import SOCIAL_CLAUSE, SOCIAL_CRITERION, SOCIAL_NONE

from .bands import amount_bands, band_sql

BATCH_ROWS = 250_000
# The pre-aggregated table keeps CPV classes (4 digits): statistics for a class, a group, a division or
# everything read it instead of the contracts.
CUBE_PREFIX = 4
CUBE_MEASURES = ("social_clause", "social_criterion", "social_reserved", "social_none", "social_any")
DUCKDB_MEMORY_LIMIT = "512MB"
# rules.text.fold in SQL (lower case, accents removed, runs of other characters into one space), so that
# the 1.5 million objects are folded in DuckDB's vectorised engine rather than one by one in Python.
FOLD_SQL = (
    "trim(regexp_replace(strip_accents(lower(replace(replace(object, 'œ', 'oe'), 'Œ', 'OE'))), "
    "'[^a-z0-9]+', ' ', 'g'))"
)

CONTRACT_COLUMNS = {
    "row_key": "VARCHAR",
    "dedup_key": "VARCHAR",
    "source_file": "VARCHAR",
    "source_format": "VARCHAR",
    "position": "INTEGER",
    "kind": "VARCHAR",
    "contract_id": "VARCHAR",
    "buyer_id": "VARCHAR",
    "buyer_siret": "VARCHAR",
    "buyer_name": "VARCHAR",
    "buyer_kind": "VARCHAR",
    "object": "VARCHAR",
    "object_folded": "VARCHAR",
    "cpv": "VARCHAR",
    "cpv_division": "VARCHAR",
    "cpv_group": "VARCHAR",
    "cpv_class": "VARCHAR",
    "nature": "VARCHAR",
    "legal_nature": "VARCHAR",
    "procedure": "VARCHAR",
    "place_code": "VARCHAR",
    "departement": "VARCHAR",
    "region": "VARCHAR",
    "notified_on": "DATE",
    "year": "INTEGER",
    "published_on": "DATE",
    "duration_months": "INTEGER",
    "initial_duration_months": "INTEGER",
    "amount": "DOUBLE",
    "initial_amount": "DOUBLE",
    "modifications": "INTEGER",
    "social_known": "BOOLEAN",
    "social_clause": "BOOLEAN",
    "social_criterion": "BOOLEAN",
    "social_reserved": "BOOLEAN",
    "social_none": "BOOLEAN",
    "social_any": "BOOLEAN",
    "social_values": "VARCHAR",
    "holders_count": "INTEGER",
    # The holders again, as JSON [[identifier, siret, name], ...], so that showing a contract needs no join.
    "holders_json": "VARCHAR",
    "import_rank": "BIGINT",
}
HOLDER_COLUMNS = {
    "row_key": "VARCHAR",
    "rank": "INTEGER",
    "identifier": "VARCHAR",
    "id_type": "VARCHAR",
    "siret": "VARCHAR",
    "name": "VARCHAR",
}


# Raised whenever CONTRACT_COLUMNS or HOLDER_COLUMNS change: a source written in another layout cannot be
# merged with the others, so the next import drops it and says which file to import again.
STORE_FORMAT = 2


class StoreError(RuntimeError):
    """The import could not complete; the store was left as it was (French message)."""


@dataclass
class ImportReport:
    read: ReadReport = field(default_factory=ReadReport)
    imported: int = 0
    duplicates_removed: int = 0
    contracts_in_store: int = 0
    sources_in_store: int = 0
    replaced_sources: list[str] = field(default_factory=list)
    outdated_sources: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = self.read.to_dict()
        data.update(
            {
                "importes": self.imported,
                "doublons_retires": self.duplicates_removed,
                "marches_dans_la_base": self.contracts_in_store,
                "fichiers_dans_la_base": self.sources_in_store,
                "fichiers_remplaces": self.replaced_sources,
                "fichiers_a_reimporter": self.outdated_sources,
                "duree_secondes": round(self.seconds, 2),
            }
        )
        return data


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def dedup_key(contract: Contract) -> str:
    holders = ",".join(sorted(holder.identifier for holder in contract.initial_holders))
    amount = "" if contract.initial_amount is None else str(round(contract.initial_amount))
    date = contract.notified_on.isoformat() if contract.notified_on else ""
    identifier = "".join(contract.contract_id.split()).upper()
    return f"{contract.buyer_id}|{identifier}|{date}|{amount}|{holders}"


def contract_row(contract: Contract, source_id: str, source_file: str, import_rank: int) -> list:
    """The CSV row of a contract; the csv module writes None as an empty field, which DuckDB reads as NULL
    (no column needs an empty string distinct from NULL), True/False and dates as DuckDB parses them."""
    social = contract.social
    known = social is not None
    cpv = contract.cpv
    return [
        f"{source_id}:{contract.position}",
        dedup_key(contract),
        source_file,
        contract.source_format,
        contract.position,
        contract.kind,
        contract.contract_id,
        contract.buyer_id,
        contract.buyer_siret,
        contract.buyer_name,
        contract.buyer_kind,
        contract.object,
        None,  # object_folded: computed by DuckDB when writing Parquet (see FOLD_SQL)
        cpv,
        cpv[:2] if cpv else None,
        cpv[:3] if cpv else None,
        cpv[:4] if cpv else None,
        contract.nature,
        contract.legal_nature,
        contract.procedure,
        contract.place_code,
        contract.departement,
        contract.region,
        contract.notified_on,
        contract.year,
        contract.published_on,
        contract.duration_months,
        contract.initial_duration_months,
        contract.amount,
        contract.initial_amount,
        contract.modifications,
        known,
        contract.has_social(SOCIAL_CLAUSE) if known else None,
        contract.has_social(SOCIAL_CRITERION) if known else None,
        contract.reserved if known else None,
        contract.has_social(SOCIAL_NONE) if known else None,
        contract.any_social,
        "|".join(social) if social else None,
        len(contract.holders),
        json.dumps([[h.identifier, h.siret, h.name] for h in contract.holders], ensure_ascii=False),
        import_rank,
    ]


class _BatchWriter:
    """CSV batches of one table in a staging directory, turned into one Parquet file at the end."""

    def __init__(self, directory: Path, name: str):
        self.directory = directory
        self.name = name
        self.files: list[Path] = []
        self.rows = 0
        self._handle = None
        self._writer = None
        self._in_batch = 0

    def write(self, row: list[str]) -> None:
        if self._writer is None or self._in_batch >= BATCH_ROWS:
            self._open()
        self._writer.writerow(row)
        self._in_batch += 1
        self.rows += 1

    def _open(self) -> None:
        self.close()
        path = self.directory / f"{self.name}-{len(self.files):05d}.csv"
        self.files.append(path)
        self._handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close())
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._in_batch = 0

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._writer = None


def _literal(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _columns_sql(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items()) + "}"


def _connect(temp_directory: Path | None = None) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET enable_progress_bar = false")  # the command draws its own bar
    if temp_directory is not None:
        connection.execute(f"SET temp_directory = {_literal(temp_directory)}")
    return connection


def _csv_to_parquet(
    connection: duckdb.DuckDBPyConnection, files: list[Path], columns: dict[str, str], target: Path
) -> None:
    if files:
        listing = "[" + ", ".join(_literal(path) for path in files) + "]"
        source = (
            f"read_csv({listing}, header = false, columns = {_columns_sql(columns)}, nullstr = '', "
            "quote = '\"', escape = '\"', delim = ',', strict_mode = false)"
        )
    else:
        source = (
            "(SELECT " + ", ".join(f"NULL::{kind} AS {name}" for name, kind in columns.items()) + " LIMIT 0)"
        )
    select = f"* REPLACE ({FOLD_SQL} AS object_folded)" if "object_folded" in columns else "*"
    connection.execute(
        f"COPY (SELECT {select} FROM {source}) TO {_literal(target)} (FORMAT parquet, COMPRESSION zstd)"
    )


class BenchmarkStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.sources_dir = self.root / "sources"
        self.contracts_path = self.root / "contracts.parquet"
        self.holders_path = self.root / "holders.parquet"
        self.cube_path = self.root / "cube.parquet"
        self.cube_meta_path = self.root / "cube.json"

    @property
    def loaded(self) -> bool:
        return self.contracts_path.exists() and self.holders_path.exists()

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with `contracts` and `holders` views over the deduplicated Parquet files, and
        `cube` over the pre-aggregated table when it was cut with today's amount bands."""
        connection = duckdb.connect()
        if self.loaded:
            connection.execute(
                f"CREATE VIEW contracts AS SELECT * FROM read_parquet({_literal(self.contracts_path)})"
            )
            connection.execute(
                f"CREATE VIEW holders AS SELECT * FROM read_parquet({_literal(self.holders_path)})"
            )
            if self._cube_is_current():
                connection.execute(
                    f"CREATE VIEW cube AS SELECT * FROM read_parquet({_literal(self.cube_path)})"
                )
        else:
            for name, columns in (("contracts", CONTRACT_COLUMNS), ("holders", HOLDER_COLUMNS)):
                fields = ", ".join(f"{column} {kind}" for column, kind in columns.items())
                connection.execute(f"CREATE TABLE {name} ({fields})")
        return connection

    def _cube_is_current(self) -> bool:
        """The cube exists and was cut with today's amount bands (thresholds change on 1 January)."""
        if not (self.cube_path.exists() and self.cube_meta_path.exists()):
            return False
        meta = json.loads(self.cube_meta_path.read_text("utf-8"))
        return meta.get("cuts") == [band.low for band in amount_bands()]

    def build_cube(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        """(Re)write the pre-aggregated table from the deduplicated contracts."""
        own = connection is None
        connection = connection or _connect()
        bands = amount_bands()
        sums = ", ".join(f"count_if(coalesce({name}, false)) AS {name}" for name in CUBE_MEASURES)
        target = self.root / "cube.parquet.new"
        try:
            connection.execute(
                f"""
                COPY (
                    SELECT cpv_class, cpv_group, cpv_division, nature, buyer_kind, region, year,
                           {band_sql(bands)} AS amount_band, count(*) AS contracts,
                           count_if(social_known) AS known, {sums}
                    FROM read_parquet({_literal(self.contracts_path)})
                    GROUP BY ALL ORDER BY cpv_class NULLS LAST
                ) TO {_literal(target)} (FORMAT parquet, COMPRESSION zstd)
                """
            )
        finally:
            if own:
                connection.close()
        os.replace(target, self.cube_path)
        meta = {"cuts": [band.low for band in bands], "built_on": dt.date.today().isoformat()}
        self.cube_meta_path.write_text(json.dumps(meta), "utf-8")

    def sources(self) -> list[dict]:
        if not self.sources_dir.exists():
            return []
        found = []
        for meta in sorted(self.sources_dir.glob("*/source.json")):
            found.append(json.loads(meta.read_text("utf-8")))
        return sorted(found, key=lambda item: item["import_rank"])

    def outdated_sources(self) -> list[dict]:
        """Sources written by an earlier version of Levier in another layout (to import again)."""
        return [source for source in self.sources() if source.get("store_format") != STORE_FORMAT]

    def import_files(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[int, int], None] | None = None,
        on_file: Callable[[Path], None] | None = None,
    ) -> ImportReport:
        """Read every file, then replace their sources and rebuild the deduplicated tables.

        Raises StoreError (French message) when a file cannot be read; the store is then unchanged.
        """
        started = dt.datetime.now()
        report = ImportReport()
        self.root.mkdir(parents=True, exist_ok=True)
        staging_root = Path(tempfile.mkdtemp(prefix="staging-", dir=self.root))
        try:
            staged = []
            for number, raw_path in enumerate(paths):
                path = Path(raw_path)
                if on_file is not None:
                    on_file(path)
                staged.append(self._stage(path, staging_root, report, progress, number))
            for outdated in self.outdated_sources():
                report.outdated_sources.append(outdated["file"])
                shutil.rmtree(self.sources_dir / outdated["id"])
            for source_id, directory in staged:
                target = self.sources_dir / source_id
                if target.exists():
                    report.replaced_sources.append(json.loads((target / "source.json").read_text())["file"])
                    shutil.rmtree(target)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(directory, target)
            self._consolidate(staging_root, report)
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)
        report.seconds = (dt.datetime.now() - started).total_seconds()
        return report

    def _stage(
        self,
        path: Path,
        staging_root: Path,
        report: ImportReport,
        progress: Callable[[int, int], None] | None,
        number: int,
    ) -> tuple[str, Path]:
        if not path.is_file():
            raise StoreError(f"Fichier introuvable : {path}")
        source_id = _sha256(path)[:16]
        directory = staging_root / source_id
        batches = directory / "batches"
        batches.mkdir(parents=True)
        contracts = _BatchWriter(batches, "contracts")
        holders = _BatchWriter(batches, "holders")
        # Later imports win ties between duplicates: microseconds since the epoch, plus the file's rank.
        import_rank = int(dt.datetime.now().timestamp() * 1_000_000) + number
        before = report.read.contracts
        try:
            for contract in read_contracts(path, report.read, progress, temp_directory=staging_root):
                row_key = f"{source_id}:{contract.position}"
                contracts.write(contract_row(contract, source_id, path.name, import_rank))
                for rank, holder in enumerate(contract.holders, 1):
                    holders.write(
                        [
                            row_key,
                            str(rank),
                            holder.identifier,
                            holder.id_type,
                            holder.siret,
                            holder.name,
                        ]
                    )
        except ValueError as error:  # DecpFormatError and the DuckDB reader's conversions
            raise StoreError(str(error)) from error
        finally:
            contracts.close()
            holders.close()
        connection = _connect(staging_root)
        try:
            _csv_to_parquet(connection, contracts.files, CONTRACT_COLUMNS, directory / "contracts.parquet")
            _csv_to_parquet(connection, holders.files, HOLDER_COLUMNS, directory / "holders.parquet")
        finally:
            connection.close()
        shutil.rmtree(batches)
        meta = {
            "id": source_id,
            "file": path.name,
            "contracts": report.read.contracts - before,
            "import_rank": import_rank,
            "store_format": STORE_FORMAT,
            "imported_at": dt.datetime.now().isoformat(timespec="seconds"),
        }
        (directory / "source.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        return source_id, directory

    def _consolidate(self, staging_root: Path, report: ImportReport) -> None:
        """Rebuild the deduplicated tables from every source (written beside, then swapped in)."""
        sources = sorted(self.sources_dir.glob("*/contracts.parquet"))
        connection = _connect(staging_root)
        try:
            new_contracts = self.root / "contracts.parquet.new"
            new_holders = self.root / "holders.parquet.new"
            if not sources:
                _csv_to_parquet(connection, [], CONTRACT_COLUMNS, new_contracts)
                _csv_to_parquet(connection, [], HOLDER_COLUMNS, new_holders)
                total = 0
            else:
                contract_files = "[" + ", ".join(_literal(path) for path in sources) + "]"
                holder_files = (
                    "[" + ", ".join(_literal(path.parent / "holders.parquet") for path in sources) + "]"
                )
                total = connection.execute(f"SELECT count(*) FROM read_parquet({contract_files})").fetchone()[
                    0
                ]
                connection.execute(
                    f"""
                    COPY (
                        SELECT * FROM read_parquet({contract_files})
                        QUALIFY row_number() OVER (
                            PARTITION BY dedup_key
                            ORDER BY social_known DESC NULLS LAST, published_on DESC NULLS LAST,
                                     modifications DESC, import_rank DESC, position DESC
                        ) = 1
                        ORDER BY cpv_group NULLS LAST, year
                    ) TO {_literal(new_contracts)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)
                    """
                )
                connection.execute(
                    f"""
                    COPY (
                        SELECT h.* FROM read_parquet({holder_files}) h
                        SEMI JOIN read_parquet({_literal(new_contracts)}) c ON c.row_key = h.row_key
                    ) TO {_literal(new_holders)} (FORMAT parquet, COMPRESSION zstd)
                    """
                )
            kept = connection.execute(
                f"SELECT count(*) FROM read_parquet({_literal(new_contracts)})"
            ).fetchone()[0]
        finally:
            connection.close()
        os.replace(new_contracts, self.contracts_path)
        os.replace(new_holders, self.holders_path)
        self.build_cube()
        report.duplicates_removed = total - kept
        report.contracts_in_store = kept
        report.sources_in_store = len(sources)
        report.imported = report.read.contracts
