"""Awarded contracts close to a planned purchase, by CPV and object text. No Django here.

Candidates are the contracts of the same CPV group (or of the whole store without a CPV) whose folded
object shares at least one word with the planned purchase's. DuckDB counts the words' document frequencies
in that scope and keeps the 500 contracts sharing the most weight of them; Python ranks those by a TF-IDF
cosine on the object's words, plus a bonus for a closer CPV (same code, same class, same group).
"""

from __future__ import annotations

import json
import math

import duckdb

from levier.rules import cpv as cpv_rules
from levier.rules.text import fold

from .stats import cpv_scope
from .store import BenchmarkStore

MAX_CANDIDATES = 500
MIN_WORD_LENGTH = 3
CPV_BONUS = {8: 0.3, 4: 0.2, 3: 0.1}
# Words that say nothing about what is bought.
_STOP_TEXT = """les des une pour dans par sur avec aux est son ses leur leurs lot lots marche marches accord
cadre prestation prestations fourniture fournitures travaux service services relatif relatifs relative
relatives concernant objet ville commune departement annee annees"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def _words(text: str) -> list[str]:
    return [word for word in fold(text).split() if len(word) >= MIN_WORD_LENGTH and word not in STOP_WORDS]


def _cpv_bonus(planned: str | None, found: str | None) -> float:
    if not planned or not found:
        return 0.0
    for length, bonus in sorted(CPV_BONUS.items(), reverse=True):
        if planned[:length] == found[:length]:
            return bonus
    return 0.0


_TOKENS = "string_split(object_folded, ' ')"
# Everything a result shows, read with the candidates (looking rows up again by key would scan the table).
_COLUMNS = (
    "row_key, object_folded, cpv, contract_id, object, amount, notified_on, buyer_id, buyer_name, "
    "buyer_kind, departement, region, social_values, social_known, source_file, holders_json"
)


def _scope_sql(scope: str | None) -> tuple[str, list]:
    if scope is None:
        return "TRUE", []
    return "(cpv >= ? AND cpv < ?)", [scope, scope[:-1] + chr(ord(scope[-1]) + 1)]


def _idf(connection: duckdb.DuckDBPyConnection, words: list[str], scope: str | None) -> dict[str, float]:
    """Inverse document frequency of the query's words among the contracts of the scope (one scan)."""
    where, parameters = _scope_sql(scope)
    total = connection.execute(f"SELECT count(*) FROM contracts WHERE {where}", parameters).fetchone()[0]
    found = dict(
        connection.execute(
            f"""
            SELECT word, count(*) FROM (
                SELECT unnest(list_distinct(list_intersect({_TOKENS}, ?::VARCHAR[]))) AS word
                FROM contracts WHERE {where}
            ) GROUP BY word
            """,
            [words, *parameters],
        ).fetchall()
    )
    return {word: math.log((total + 1) / (1 + found.get(word, 0))) + 1 for word in words}


def _candidates(
    connection: duckdb.DuckDBPyConnection, idf: dict[str, float], scope: str | None, limit: int
) -> list[tuple]:
    """The contracts sharing the most weight of query words (then the most recent), for exact ranking."""
    where, parameters = _scope_sql(scope)
    if not idf:
        return connection.execute(
            f"SELECT {_COLUMNS} FROM contracts WHERE {where} "
            f"ORDER BY notified_on DESC NULLS LAST LIMIT {int(limit)}",
            parameters,
        ).fetchall()
    words = list(idf)
    weight = " + ".join(
        f"(CASE WHEN list_contains({_TOKENS}, ?) THEN {idf[word]!r} ELSE 0 END)" for word in words
    )
    return connection.execute(
        f"""
        SELECT {_COLUMNS} FROM contracts
        WHERE {where} AND list_has_any({_TOKENS}, ?::VARCHAR[])
        ORDER BY {weight} DESC, notified_on DESC NULLS LAST LIMIT {int(limit)}
        """,
        [*parameters, words, *words],
    ).fetchall()


def similar_contracts(store: BenchmarkStore, cpv: str | None, text: str, limit: int = 10) -> list[dict]:
    """The `limit` closest awarded contracts, each with its social considerations, amount, buyer, holders."""
    code = None
    if cpv:
        check = cpv_rules.normalize_cpv(cpv)
        code = check.code if check.is_usable else None
    scope = cpv_scope(code)[:3] if code else None
    words = list(dict.fromkeys(_words(text)))
    if scope is None and not words:
        return []
    connection = store.connect()
    try:
        idf = _idf(connection, words, scope) if words else {}
        candidates = _candidates(connection, idf, scope, max(MAX_CANDIDATES, limit))
        if not candidates and scope and words:
            # Nothing in the group shares a word: fall back on the group alone, most recent first.
            candidates = _candidates(connection, {}, scope, limit)
        rare = max(idf.values(), default=1.0)
        query_norm = math.sqrt(sum(weight * weight for weight in idf.values())) or 1.0
        scored = []
        rows = {row[0]: row for row in candidates}
        for row_key, folded, found_cpv, *_ in candidates:
            terms = set(_words(folded or ""))
            shared = [idf[word] ** 2 for word in words if word in terms]
            # Words outside the query weigh as the rarest query word: a longer object is a looser match.
            norm = math.sqrt(sum(idf.get(term, rare) ** 2 for term in terms)) or 1.0
            text_score = sum(shared) / (query_norm * norm) if shared else 0.0
            scored.append((text_score + _cpv_bonus(code, found_cpv), text_score, row_key))
        scored.sort(key=lambda item: (-item[0], item[2]))
        return [_details(rows[row_key], score, text_score) for score, text_score, row_key in scored[:limit]]
    finally:
        connection.close()


def _details(row: tuple, score: float, text_score: float) -> dict:
    (_, _, cpv, contract_id, objet, amount, notified_on, buyer_id, buyer_name, buyer_kind) = row[:10]
    departement, region, social_values, social_known, source_file, holders_json = row[10:]
    return {
        "score": round(score, 4),
        "score_texte": round(text_score, 4),
        "id": contract_id,
        "objet": objet,
        "cpv": cpv_rules.format_cpv(cpv) if cpv else None,
        "montant": amount,
        "date_notification": notified_on.isoformat() if notified_on else None,
        "acheteur": {"id": buyer_id, "nom": buyer_name, "type": buyer_kind},
        "departement": departement,
        "region": region,
        "considerations_sociales": social_values.split("|")
        if social_values
        else ([] if social_known else None),
        "titulaires": [
            {"identifiant": identifier, "siret": siret, "nom": name}
            for identifier, siret, name in json.loads(holders_json or "[]")
        ],
        "source": source_file,
    }
