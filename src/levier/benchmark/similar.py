"""Awarded contracts close to a planned purchase, by CPV and object text. No Django here.

Candidates are the contracts of the same CPV group (or of the whole store without a CPV) whose folded
object shares at least one word with the planned purchase's; DuckDB finds them, Python ranks them by a
TF-IDF cosine on the object's words (document frequencies counted among the candidates), plus a bonus for
a closer CPV (same code, same class, same group).
"""

from __future__ import annotations

import math
from collections import Counter

import duckdb

from levier.rules import cpv as cpv_rules
from levier.rules.text import fold

from .stats import cpv_scope
from .store import BenchmarkStore

MAX_CANDIDATES = 20_000
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


def _fetch(connection: duckdb.DuckDBPyConnection, where: str, parameters: list, limit: int) -> list[tuple]:
    return connection.execute(
        f"""
        SELECT row_key, object_folded, cpv FROM contracts WHERE {where}
        ORDER BY notified_on DESC NULLS LAST LIMIT {int(limit)}
        """,
        parameters,
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
        clauses, parameters = [], []
        if scope:
            clauses.append("starts_with(cpv, ?)")
            parameters.append(scope)
        if words:
            clauses.append("list_has_any(string_split(object_folded, ' '), ?::VARCHAR[])")
            parameters.append(words)
        candidates = _fetch(connection, " AND ".join(clauses), parameters, MAX_CANDIDATES)
        if not candidates and scope and words:
            # Nothing in the group shares a word: fall back on the group alone, most recent first.
            candidates = _fetch(connection, "starts_with(cpv, ?)", [scope], limit)
        documents = {row_key: set(_words(folded or "")) for row_key, folded, _ in candidates}
        frequency: Counter = Counter()
        for terms in documents.values():
            frequency.update(term for term in terms if term in words)
        total = len(documents) + 1
        idf = {word: math.log(total / (1 + frequency[word])) + 1 for word in words}
        query_norm = math.sqrt(sum(weight * weight for weight in idf.values())) or 1.0
        scored = []
        for row_key, _folded, found_cpv in candidates:
            terms = documents[row_key]
            shared = [idf[word] ** 2 for word in words if word in terms]
            norm = math.sqrt(sum(idf.get(term, math.log(total) + 1) ** 2 for term in terms)) or 1.0
            text_score = sum(shared) / (query_norm * norm) if shared else 0.0
            scored.append((text_score + _cpv_bonus(code, found_cpv), text_score, row_key))
        scored.sort(key=lambda item: (-item[0], item[2]))
        chosen = scored[:limit]
        return _details(connection, chosen)
    finally:
        connection.close()


def _details(connection: duckdb.DuckDBPyConnection, chosen: list[tuple[float, float, str]]) -> list[dict]:
    if not chosen:
        return []
    keys = [row_key for _, _, row_key in chosen]
    rows = connection.execute(
        """
        SELECT row_key, contract_id, object, cpv, amount, notified_on, buyer_id, buyer_name, buyer_kind,
               departement, region, social_values, social_known, source_file
        FROM contracts WHERE row_key IN (SELECT unnest(?::VARCHAR[]))
        """,
        [keys],
    ).fetchall()
    holders: dict[str, list[dict]] = {}
    for row_key, identifier, siret, name in connection.execute(
        "SELECT row_key, identifier, siret, name FROM holders WHERE row_key IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY row_key, rank",
        [keys],
    ).fetchall():
        holders.setdefault(row_key, []).append({"identifiant": identifier, "siret": siret, "nom": name})
    by_key = {row[0]: row for row in rows}
    result = []
    for score, text_score, row_key in chosen:
        row = by_key[row_key]
        result.append(
            {
                "score": round(score, 4),
                "score_texte": round(text_score, 4),
                "id": row[1],
                "objet": row[2],
                "cpv": cpv_rules.format_cpv(row[3]) if row[3] else None,
                "montant": row[4],
                "date_notification": row[5].isoformat() if row[5] else None,
                "acheteur": {"id": row[6], "nom": row[7], "type": row[8]},
                "departement": row[9],
                "region": row[10],
                "considerations_sociales": row[11].split("|") if row[11] else ([] if row[12] else None),
                "titulaires": holders.get(row_key, []),
                "source": row[13],
            }
        )
    return result
