"""The consolidated tabular DECP (decp-processing: one row per contract, holder and modification).

DuckDB reads the CSV or Parquet file (every value as text, so that the same value readers apply), keeps
the rows of each contract's current state (`donneesActuelles`, or its highest `modification_id` when the
column is missing), and streams them sorted by `uid` so that the rows of one contract, one per holder,
arrive together and become one record. The initial amount and duration come from the row of
modification 0. DuckDB sorts out of core within its memory limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

from .sources import FORMAT_TABULAR_CSV, FORMAT_TABULAR_PARQUET, DecpFormatError

FETCH_ROWS = 20_000
DUCKDB_MEMORY_LIMIT = "384MB"

_WANTED = (
    "uid",
    "id",
    "nature",
    "acheteur_id",
    "acheteur_nom",
    "titulaire_id",
    "titulaire_typeIdentifiant",
    "titulaire_nom",
    "objet",
    "montant",
    "codeCPV",
    "procedure",
    "dureeMois",
    "dateNotification",
    "datePublicationDonnees",
    "considerationsSociales",
    "lieuExecution_code",
    "lieuExecution_typeCode",
    "modification_id",
    "donneesActuelles",
)
_REQUIRED = ("id", "acheteur_id")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class TabularSource:
    def __init__(self, path: Path, kind: str, temp_directory: Path | None = None):
        self.path = path
        self.format = FORMAT_TABULAR_PARQUET if kind == "parquet" else FORMAT_TABULAR_CSV
        self._rows = 0
        self.connection = duckdb.connect()
        self.connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        self.connection.execute("SET preserve_insertion_order = false")
        self.connection.execute("SET enable_progress_bar = false")  # the command draws its own bar
        if temp_directory is not None:
            self.connection.execute(f"SET temp_directory = '{temp_directory}'")
        literal = str(path).replace("'", "''")
        if kind == "parquet":
            self.relation = f"read_parquet('{literal}')"
        else:
            self.relation = f"read_csv('{literal}', all_varchar = true, header = true, auto_detect = true)"
        try:
            columns = [
                row[0]
                for row in self.connection.execute(f"DESCRIBE SELECT * FROM {self.relation}").fetchall()
            ]
        except duckdb.Error as error:
            raise DecpFormatError(f"{path.name} : fichier tabulaire illisible ({error}).") from error
        self.columns = [name for name in _WANTED if name in columns]
        missing = [name for name in _REQUIRED if name not in columns]
        if missing:
            raise DecpFormatError(
                f"{path.name} : colonnes du fichier consolidé absentes : {', '.join(missing)} "
                "(attendu : schéma tabulaire de decp-processing)."
            )
        self.size = self.connection.execute(f"SELECT count(*) FROM {self.relation}").fetchone()[0]

    def bytes_read(self) -> int:
        return self._rows

    def _query(self) -> str:
        has = set(self.columns)
        key = "uid" if "uid" in has else "acheteur_id || '|' || id"
        cast = ", ".join(f"CAST({_quote(name)} AS VARCHAR) AS {_quote(name)}" for name in self.columns)
        version = "TRY_CAST(modification_id AS INTEGER)" if "modification_id" in has else "0"
        initial = f"first(CAST(montant AS VARCHAR) ORDER BY {version}) OVER w" if "montant" in has else "NULL"
        initial_duration = (
            f"first(CAST(dureeMois AS VARCHAR) ORDER BY {version}) OVER w" if "dureeMois" in has else "NULL"
        )
        if "donneesActuelles" in has:
            flag = "lower(CAST(donneesActuelles AS VARCHAR)) IN ('true', '1', 'oui', 't')"
            current = f"{flag} OR ({version} = max({version}) OVER w AND NOT bool_or({flag}) OVER w)"
        else:
            current = f"{version} = max({version}) OVER w"
        return f"""
            SELECT * EXCLUDE (_current) FROM (
                SELECT {cast}, {key} AS _key, {initial} AS _initial_montant,
                       {initial_duration} AS _initial_duree, ({current}) AS _current
                FROM {self.relation}
                WINDOW w AS (PARTITION BY {key})
            ) WHERE _current ORDER BY _key
        """

    def __iter__(self) -> Iterator[tuple[int, object, str]]:
        cursor = self.connection.execute(self._query())
        names = [description[0] for description in cursor.description]
        position = 0
        current_key = None
        group: list[dict] = []
        while rows := cursor.fetchmany(FETCH_ROWS):
            for row in rows:
                self._rows += 1
                values = dict(zip(names, row, strict=True))
                if values["_key"] != current_key and group:
                    position += 1
                    yield position, _record(group), self.format
                    group = []
                current_key = values["_key"]
                group.append(values)
        if group:
            position += 1
            yield position, _record(group), self.format
        self.connection.close()


def _record(rows: list[dict]) -> dict:
    """One contract in the 2019 JSON shape from its rows (one per holder)."""
    first = rows[0]
    record: dict[str, object] = {
        "id": first.get("id"),
        "acheteur": {"id": first.get("acheteur_id"), "nom": first.get("acheteur_nom")},
        "nature": first.get("nature"),
        "objet": first.get("objet"),
        "codeCPV": first.get("codeCPV"),
        "procedure": first.get("procedure"),
        "dureeMois": first.get("_initial_duree"),
        "dateNotification": first.get("dateNotification"),
        "datePublicationDonnees": first.get("datePublicationDonnees"),
        "montant": first.get("_initial_montant"),
        "lieuExecution": {
            "code": first.get("lieuExecution_code"),
            "typeCode": first.get("lieuExecution_typeCode"),
        },
        "titulaires": [
            {
                "id": row.get("titulaire_id"),
                "typeIdentifiant": row.get("titulaire_typeIdentifiant"),
                "denominationSociale": row.get("titulaire_nom"),
            }
            for row in rows
            if row.get("titulaire_id")
        ],
    }
    if first.get("considerationsSociales") is not None:
        record["considerationsSociales"] = first.get("considerationsSociales")
    # The current row already carries the modified values: replay them as one modification.
    changes = {}
    if first.get("montant") not in (None, first.get("_initial_montant")):
        changes["montant"] = first.get("montant")
    if first.get("dureeMois") not in (None, first.get("_initial_duree")):
        changes["dureeMois"] = first.get("dureeMois")
    if changes:
        record["modifications"] = [changes]
    return record
