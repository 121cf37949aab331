"""Many new rows at once: ``bulk_insert`` writes plain rows (field name → value) into a model's
table and returns their primary keys, through PostgreSQL's COPY where that is the database.

Why: Django's ``bulk_create`` on PostgreSQL sends each column as one array (``UNNEST``), and
psycopg's client-side binding quotes every element of a text or JSON array in Python (a regular
expression per value); building a model instance per row and preparing each of its values costs
as much again. For the nightly review's flags and their audit events (evidence, log keys and
thresholds as JSON) that was a third of the review. COPY takes the rows as they are, psycopg
adapting the values in C; the keys are drawn from the table's sequence first (one query). Other
databases (SQLite for ``make run``) get ``bulk_create``.

The values are what the model's fields hold (an aware datetime, a dict for a JSON field, an id
for a foreign key by its ``_id`` name); a field left out gets its default, and ``auto_now`` or
``auto_now_add`` fields the time of the call. No signals are sent, as with ``bulk_create``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from django.db import connections, models, router, transaction
from django.utils import timezone


def bulk_insert(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, keys: bool = True
) -> list[int]:
    """Insert ``rows`` into ``model``'s table, inside the caller's transaction; their primary
    keys, in order (``keys=False``: the table's sequence gives them in the COPY itself, one
    query fewer, and none are returned)."""
    if not rows:
        return []
    db = router.db_for_write(model)
    connection = connections[db]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if f is not pk]
    now = timezone.now()
    missing = {f.attname: _default(f, now) for f in fields}
    if connection.vendor != "postgresql":
        objs = [model(**{**missing, **row}) for row in rows]
        made = model._default_manager.using(db).bulk_create(objs)
        return [obj.pk for obj in made] if keys else []
    table, quote = str(meta.db_table), connection.ops.quote_name
    prepare = [(f.attname, _prepare(f)) for f in fields]
    with connection.cursor() as cursor:
        drawn: list[Any] = [None] * len(rows)
        if keys:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(rows)],
            )
            drawn = [key for (key,) in cursor.fetchall()]
        named = [f.column for f in fields] if not keys else [pk.column, *(f.column for f in fields)]
        columns = ", ".join(quote(str(c)) for c in named)
        copying = cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN")
        with connection.wrap_database_errors, copying as copy:  # (Django's exceptions)
            for key, row in zip(drawn, rows, strict=True):
                values = [key] if keys else []
                for name, prep in prepare:
                    value = row[name] if name in row else missing[name]
                    values.append(value if prep is None or value is None else prep(value))
                copy.write_row(values)
    return drawn if keys else []


def _default(field: models.Field[Any, Any], now: Any) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def _prepare(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value of ``field`` becomes what COPY takes: JSON as its text (with the field's
    encoder); anything else psycopg adapts itself."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder)
    return None


def bulk_change(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], fields: Sequence[str]
) -> int:
    """Set ``fields`` of existing rows to the values given (each row: ``"pk"`` and those
    fields), inside the caller's transaction; how many rows changed.

    Why: Django's ``bulk_update`` writes one ``CASE WHEN pk = … THEN …`` per row and field and
    resolves each as an expression: for the nightly review's ten thousand refreshed flags that
    was three quarters of the night. Here the values are COPied into a temporary table and the
    table is updated from it in one statement. Other databases get ``bulk_update``."""
    if not rows:
        return 0
    db = router.db_for_write(model)
    connection = connections[db]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    changed = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in fields]
    if connection.vendor != "postgresql":
        objs = [model(pk=row["pk"], **{name: row[name] for name in fields}) for row in rows]
        return model._default_manager.using(db).bulk_update(objs, list(fields))
    quote = connection.ops.quote_name
    table, scratch = quote(str(meta.db_table)), quote(f"bulk_change_{meta.db_table}")
    columns = [quote(str(c)) for c in (pk.column, *(f.column for f in changed))]
    prepare = [_prepare(f) for f in changed]
    # the statements name only the model's quoted table and columns; the values go by COPY
    names = ", ".join(columns)
    create = f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA"  # noqa: S608
    assignments = ", ".join(f"{c} = s.{c}" for c in columns[1:])
    update = f"UPDATE {table} AS t SET {assignments} FROM {scratch} AS s WHERE t.{columns[0]} = s.{columns[0]}"  # noqa: S608
    with transaction.atomic(using=db), connection.cursor() as cursor:
        cursor.execute(create)
        copying = cursor.cursor.copy(f"COPY {scratch} ({names}) FROM STDIN")
        with connection.wrap_database_errors, copying as copy:
            for row in rows:
                values = [row["pk"]]
                for name, prep in zip(fields, prepare, strict=True):
                    value = row[name]
                    values.append(value if prep is None or value is None else prep(value))
                copy.write_row(values)
        cursor.execute(update)
        count = cursor.rowcount
        cursor.execute(f"DROP TABLE {scratch}")
    return count
