"""Shares of social considerations in the national benchmark, by dimension. No Django here.

Every share is computed over the contracts that publish their social considerations (`social_known`):
the 2019 format has no such field, and counting its contracts as "none" would drag every rate down. The
amount bands are cut at the thresholds in force on a reference date (rules.legal reference data), so that
they follow the legal frame when it changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from levier.rules import cpv as cpv_rules
from levier.rules import geography, legal

from .bands import Band, amount_bands, band_sql
from .store import CUBE_PREFIX, BenchmarkStore

# The social values as stored (column) and as shown (French).
MEASURES = (
    ("social_clause", "Clause sociale"),
    ("social_criterion", "Critère social"),
    ("social_reserved", "Marché réservé"),
    ("social_none", "Pas de considération sociale"),
    ("social_any", "Au moins une considération sociale"),
)
DIMENSIONS = {
    "cpv_division": "Division CPV",
    "cpv_group": "Groupe CPV",
    "nature": "Nature",
    "buyer_kind": "Type d'acheteur",
    "region": "Région d'exécution",
    "amount_band": "Tranche de montant",
    "year": "Année de notification",
}


class StatsError(ValueError):
    """A request the statistics cannot answer (French message)."""


def percent_fr(value: float | None) -> str:
    """0.1234 -> "12,3 %"; None (no contract publishing its considerations) -> "—"."""
    return "—" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def cpv_scope(cpv: str | None) -> str | None:
    """The prefix selecting a CPV and everything below it: "45" for 45000000, "4526" for 45260000."""
    if cpv is None or not str(cpv).strip():
        return None
    text = str(cpv).strip()
    if text.isdigit() and len(text) < cpv_rules.CODE_LENGTH - 1:
        text = text.ljust(cpv_rules.CODE_LENGTH, "0")
    check = cpv_rules.normalize_cpv(text)
    if not check.code or check.status not in (cpv_rules.STATUS_VALID, cpv_rules.STATUS_LOST_LEADING_ZERO):
        raise StatsError(check.message_fr or f"Code CPV invalide : « {cpv} ».")
    return check.code[: cpv_rules.significant_length(check.code)]


def _labels(dimension: str, bands: list[Band]) -> dict[str, str]:
    if dimension == "nature":
        return dict(cpv_rules.NATURE_LABELS_FR)
    if dimension == "buyer_kind":
        return dict(legal.BUYER_KINDS)
    if dimension == "region":
        return {code: region.name for code, region in geography.shipped_regions().items()}
    if dimension == "amount_band":
        return {band.key: band.label_fr for band in bands}
    return {}


def _label(dimension: str, key: object, labels: dict[str, str]) -> str:
    if key is None:
        return "non renseigné"
    if dimension in ("cpv_division", "cpv_group"):
        return cpv_rules.format_cpv(str(key).ljust(cpv_rules.CODE_LENGTH, "0"))
    return labels.get(str(key), str(key))


def _prefix_range(column: str, scope: str | None) -> tuple[str, list]:
    """`column` starts with `scope`, written as a range so that Parquet row-group statistics can skip."""
    if scope is None:
        return "TRUE", []
    following = scope[:-1] + chr(ord(scope[-1]) + 1)
    return f"({column} >= ? AND {column} < ?)", [scope, following]


def _where(scope: str | None) -> tuple[str, list]:
    return _prefix_range("cpv", scope)


def _has_cube(connection: duckdb.DuckDBPyConnection) -> bool:
    found = connection.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'cube'").fetchone()
    return bool(found[0])


def _measures_sql() -> str:
    parts = ["count(*) AS contracts", "count_if(social_known) AS known"]
    parts += [f"count_if(coalesce({column}, false)) AS {column}" for column, _ in MEASURES]
    return ", ".join(parts)


def _row(key: object, label: str, values: tuple) -> dict:
    contracts, known, *counts = values
    row = {"cle": key, "libelle": label, "marches": contracts, "avec_considerations_publiees": known}
    for (column, _), count in zip(MEASURES, counts, strict=True):
        row[column] = count
        row[f"part_{column}"] = round(count / known, 4) if known else None
    return row


def social_stats(
    connection: duckdb.DuckDBPyConnection,
    cpv: str | None = None,
    dimensions: Iterable[str] = tuple(DIMENSIONS),
    on: dt.date | None = None,
) -> dict:
    """Totals and one table per dimension of the contracts under `cpv` (every contract when None).

    One scan with GROUPING SETS computes every dimension at once, over the store's pre-aggregated table
    (`cube`, one row per CPV class and value of every dimension) when the scope is a CPV class or wider and
    the amount bands are today's; over the contracts otherwise.
    """
    scope = cpv_scope(cpv)
    wanted = [dimension for dimension in dimensions if dimension in DIMENSIONS]
    bands = amount_bands(on)
    sets = ", ".join(f"({name})" for name in wanted)
    select_dims = ", ".join(wanted)
    grouping = f"GROUPING({', '.join(wanted)})" if wanted else "0"
    if on is None and (scope is None or len(scope) <= CUBE_PREFIX) and _has_cube(connection):
        where, parameters = _prefix_range("cpv_class", scope)
        # sum() of counts comes back as a float from DuckDB's Parquet reader: cast to keep integers.
        summed = ("contracts", "known", *(column for column, _ in MEASURES))
        measures = ", ".join(f"CAST(sum({column}) AS BIGINT)" for column in summed)
        source = f"(SELECT * FROM cube WHERE {where})"
    else:
        where, parameters = _where(scope)
        measures = _measures_sql()
        source = f"(SELECT *, {band_sql(bands)} AS amount_band FROM (SELECT * FROM contracts WHERE {where}))"
    query = f"""
        SELECT {grouping} AS level, {select_dims + "," if wanted else ""} {measures}
        FROM {source}
        GROUP BY GROUPING SETS ((){", " + sets if wanted else ""})
    """
    rows = connection.execute(query, parameters).fetchall()
    labels = {name: _labels(name, bands) for name in wanted}
    full = (1 << len(wanted)) - 1
    totals = None
    by_dimension: dict[str, list[dict]] = {name: [] for name in wanted}
    for row in rows:
        level, keys, values = row[0], row[1 : 1 + len(wanted)], row[1 + len(wanted) :]
        if level == full:
            totals = _row(None, "Ensemble", values)
            continue
        for index, name in enumerate(wanted):
            if not level & (1 << (len(wanted) - 1 - index)):
                key = keys[index]
                by_dimension[name].append(_row(key, _label(name, key, labels[name]), values))
    for name, table in by_dimension.items():
        if name == "amount_band":
            table.sort(key=lambda item: (item["cle"] is None, int(item["cle"] or 0)))
        elif name == "year":
            table.sort(key=lambda item: (item["cle"] is None, item["cle"] or 0))
        else:
            table.sort(key=lambda item: (-item["marches"], str(item["cle"])))
    return {
        "cpv": scope,
        "mesures": {column: label for column, label in MEASURES},
        "ensemble": totals or _row(None, "Ensemble", (0, 0, *[0] * len(MEASURES))),
        "dimensions": {name: {"libelle": DIMENSIONS[name], "lignes": by_dimension[name]} for name in wanted},
    }


def reserved_by_cpv(
    connection: duckdb.DuckDBPyConnection, cpv: str | None = None, level: int = 3
) -> list[dict]:
    """Reserved contracts by CPV prefix of `level` digits (3: group), most reserved first."""
    scope = cpv_scope(cpv)
    where, parameters = _where(scope)
    rows = connection.execute(
        f"""
        SELECT left(cpv, {int(level)}) AS prefix, count_if(social_reserved) AS reserved,
               count_if(social_known) AS known, count(*) AS contracts
        FROM contracts WHERE cpv IS NOT NULL AND {where}
        GROUP BY prefix HAVING count_if(social_reserved) > 0
        ORDER BY reserved DESC, prefix
        """,
        parameters,
    ).fetchall()
    return [
        {
            "cpv": prefix.ljust(cpv_rules.CODE_LENGTH, "0"),
            "reserves": reserved,
            "avec_considerations_publiees": known,
            "marches": contracts,
            "part_reserves": round(reserved / known, 4) if known else None,
        }
        for prefix, reserved, known, contracts in rows
    ]


def inclusive_holders(
    connection: duckdb.DuckDBPyConnection, sirets: Iterable[str], cpv: str | None = None
) -> dict:
    """Contracts won by the given SIRETs (the directory's inclusive structures), with or without reservation.

    A contract counts once however many of its holders are inclusive.
    """
    wanted = sorted({siret for siret in sirets if siret})
    scope = cpv_scope(cpv)
    where, parameters = _where(scope)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE inclusive_sirets AS SELECT unnest(?::VARCHAR[]) AS siret", [wanted]
    )
    won = f"""
        SELECT c.* FROM contracts c
        WHERE {where.replace("cpv", "c.cpv")} AND c.row_key IN (
            SELECT h.row_key FROM holders h JOIN inclusive_sirets s ON s.siret = h.siret
        )
    """
    won_count, known, reserved, not_reserved = connection.execute(
        f"""
        SELECT count(*), count_if(social_known), count_if(social_reserved),
               count_if(social_known AND NOT social_reserved)
        FROM ({won})
        """,
        parameters,
    ).fetchone()
    holders = connection.execute(
        f"""
        SELECT count(DISTINCT h.siret) FROM holders h JOIN inclusive_sirets s ON s.siret = h.siret
        WHERE h.row_key IN (SELECT row_key FROM ({won}))
        """,
        parameters,
    ).fetchone()[0]
    by_group = connection.execute(
        f"""
        SELECT cpv_group, count(*), count_if(social_reserved), count_if(social_known AND NOT social_reserved)
        FROM ({won}) GROUP BY cpv_group ORDER BY count(*) DESC, cpv_group NULLS LAST
        """,
        parameters,
    ).fetchall()
    return {
        "structures_connues": len(wanted),
        "structures_titulaires": holders,
        "marches_gagnes": won_count,
        "avec_considerations_publiees": known,
        "reserves": reserved,
        "sans_reservation": not_reserved,
        "par_groupe_cpv": [
            {
                "cpv": (group or "").ljust(cpv_rules.CODE_LENGTH, "0") if group else None,
                "marches_gagnes": count,
                "reserves": group_reserved,
                "sans_reservation": group_not_reserved,
            }
            for group, count, group_reserved, group_not_reserved in by_group
        ],
    }


def benchmark_stats(
    store: BenchmarkStore,
    cpv: str | None = None,
    inclusive_sirets: Iterable[str] | None = None,
    on: dt.date | None = None,
) -> dict:
    """Everything `levier benchmark stats` shows, as one JSON-ready dict."""
    connection = store.connect()
    try:
        result = social_stats(connection, cpv, on=on)
        result["reserves_par_cpv"] = reserved_by_cpv(connection, cpv)
        if inclusive_sirets is not None:
            result["titulaires_inclusifs"] = inclusive_holders(connection, inclusive_sirets, cpv)
        return result
    finally:
        connection.close()


@dataclass(frozen=True)
class NationalRate:
    """The national rate of social considerations for contracts like a planned purchase (screening factor)."""

    cpv_scope: str
    contracts: int
    known: int
    share_any: float
    share_clause: float
    share_reserved: float

    @property
    def message_fr(self) -> str:
        return (
            f"Au niveau national, {percent_fr(self.share_any)} des {self.known} marchés du code CPV "
            f"{self.cpv_scope.ljust(cpv_rules.CODE_LENGTH, '0')} publiant leurs considérations sociales en "
            f"portent au moins une (clause : {percent_fr(self.share_clause)}, marché réservé : "
            f"{percent_fr(self.share_reserved)})."
        )


MIN_KNOWN_FOR_RATE = 30


def national_rate(
    store: BenchmarkStore, cpv: str, min_known: int = MIN_KNOWN_FOR_RATE
) -> NationalRate | None:
    """The rate at the finest level of the CPV (category, class, group, division) with enough contracts.

    None when the store is empty or even the division has fewer than `min_known` contracts publishing their
    social considerations: the screening then says nothing rather than quoting a rate from a handful.
    """
    if not store.loaded:
        return None
    scope = cpv_scope(cpv)
    if scope is None:
        return None
    connection = store.connect()
    try:
        for length in range(min(len(scope), 5), 1, -1):
            prefix = scope[:length]
            contracts, known, any_social, clause, reserved = connection.execute(
                "SELECT count(*), count_if(social_known), count_if(coalesce(social_any, false)), "
                "count_if(coalesce(social_clause, false)), count_if(coalesce(social_reserved, false)) "
                "FROM contracts WHERE starts_with(cpv, ?)",
                [prefix],
            ).fetchone()
            if (known or 0) >= min_known:  # count_if over no row gives NULL
                return NationalRate(
                    prefix, contracts, known, any_social / known, clause / known, reserved / known
                )
        return None
    finally:
        connection.close()
