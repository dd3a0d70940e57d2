"""A lean multi-row INSERT for the imports' new rows (directory, plans), on SQLite and PostgreSQL.

`QuerySet.bulk_create` builds a model instance per row and prepares every value through the field's full
save path: most of a first import's time for the 5,300 structures of the national lists. Here values that
the database driver takes as they are (text, numbers, booleans, None) go straight through; only the fields
that need converting (JSON, dates) use the field's own `get_db_prep_save`, so what is stored is exactly
what the ORM would store. SQLite: multi-row INSERT with `RETURNING` for the primary keys (SQLite 3.35+,
the version Django requires to return rows from bulk inserts). PostgreSQL: keys drawn from the table's
sequence, rows streamed with COPY. Statements go to the driver's cursor, under Django's transaction,
without the query log that DEBUG adds to every statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection, models
from django.utils import timezone

_PLAIN = {
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _execute(
    model: type[models.Model], fields: list[models.Field], rows: list[list[object]], returning: bool
):
    """INSERT `rows` (values in `fields` order, already prepared); the new primary keys when asked."""
    if connection.vendor == "postgresql":
        return _copy_postgresql(model, fields, rows, returning)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, connection.features.max_query_params // len(fields))
    keys: list[object] = []
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES " + ", ".join(
                [row_sql] * len(chunk)
            )
            params = [value for row in chunk for value in row]
            if returning:
                cursor.execute(sql + f" RETURNING {quote(model._meta.pk.column)}", params)
                keys.extend(pk for (pk,) in cursor.fetchall())
            else:
                cursor.execute(sql, params)
    return keys


def _copy_postgresql(
    model: type[models.Model], fields: list[models.Field], rows: list[list[object]], returning: bool
):
    """PostgreSQL: primary keys drawn from the table's sequence, rows sent with COPY.

    A multi-row INSERT of thousands of parameters spends most of its time in the driver parsing the
    statement; COPY streams the rows instead (psycopg adapts each value, JSON included)."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    columns = [field.column for field in fields]
    keys: list[object] = []
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, len(rows)],
            )
            keys = [pk for (pk,) in cursor.fetchall()]
            columns = [pk_column, *columns]
            rows = [[pk, *row] for pk, row in zip(keys, rows, strict=True)]
        names = ", ".join(quote(column) for column in columns)
        with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return keys


def _preparers(fields: list[models.Field]) -> list:
    """Per column, None when the driver takes the value as it is, else the field's own conversion.

    Worked out once per insert: asking each field its type for every row cost seconds on large imports."""
    return [None if field.get_internal_type() in _PLAIN else field.get_db_prep_save for field in fields]


def _prepared(preparers: list, values: list[object]) -> list[object]:
    return [
        value if prepare is None else prepare(value, connection)
        for prepare, value in zip(preparers, values, strict=True)
    ]


def insert(objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model and set their primary keys."""
    if not objects:
        return
    model = type(objects[0])
    if not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(list(objects))
        return
    fields = _columns(model)
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, field.attname, now)
    preparers = _preparers(fields)
    rows = [_prepared(preparers, [getattr(obj, field.attname) for field in fields]) for obj in objects]
    for obj, pk in zip(objects, _execute(model, fields, rows, returning=True), strict=True):
        obj.pk = pk
        obj._state.adding = False


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, object]]) -> None:
    """Insert rows given as {attname: value}, without building instances; absent fields get defaults."""
    if not rows:
        return
    fields = _columns(model)
    now = timezone.now()
    defaults = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        else:
            defaults[field.attname] = None
    preparers = _preparers(fields)
    prepared = [
        _prepared(preparers, [row.get(field.attname, defaults[field.attname]) for field in fields])
        for row in rows
    ]
    _execute(model, fields, prepared, returning=False)
