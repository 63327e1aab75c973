"""Run a hot ``.values()`` query with its SQL compiled once per shape.

Building and compiling a Django query costs more than running it when the query reads
one indexed page (``benchmarks/cases_list.py``: about 0.7 ms of compiling against 0.3 ms
of SQLite). For such a query the caller names a *key* that fixes everything the SQL text
and its parameters depend on, except a few *varying* values (the clock). The first call
for a key builds and compiles the queryset as usual and notes where the varying values
sit among the parameters; later calls run the same SQL with fresh values in those places
and convert the rows with the converters Django chose the first time.

The cache lives on the database connection (one per thread), so threads never share a
compiler and a query never runs on a connection it was not compiled for.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import CharField, Expression, QuerySet

CACHE_SIZE = 512
_ATTRIBUTE = "_rainforest_compiled_queries"
_SAFE_CONSTANT = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # (position among the parameters, index into the varying values)
    slots: tuple[tuple[int, int], ...]
    names: tuple[str, ...]
    compiler: Any
    converters: dict[int, Any]


def _adapt(connection: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _compile(qs: QuerySet[Any], varying: Sequence[Any]) -> _Compiled:
    query = qs.query
    compiler = query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    adapted = [_adapt(compiler.connection, v) for v in varying]
    slots = []
    for position, param in enumerate(params):
        matches = [i for i, value in enumerate(adapted) if param == value]
        if len(matches) > 1:
            raise ValueError("two varying values are equal; they cannot be told apart")
        if matches:
            slots.append((position, matches[0]))
    fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return _Compiled(
        sql=sql,
        params=tuple(params),
        slots=tuple(slots),
        names=tuple(names),
        compiler=compiler,
        converters=_faster(compiler.connection, compiler.get_converters(fields)),
    )


def _utc_datetime(value: Any, expression: Any, connection: Any) -> Any:
    # SQLite hands back naive datetimes in UTC (Django's "datetime" converter parsed them).
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _faster(connection: Any, converters: dict[int, Any]) -> dict[int, Any]:
    """Django's converters, with SQLite's datetime one swapped for an equal, cheaper one.

    Django's converter re-reads settings for every value (a third of the page's time);
    when the connection's time zone is UTC it does exactly what ``_utc_datetime`` does.
    """
    if connection.vendor != "sqlite" or connection.timezone is not UTC:
        return converters
    slow = connection.ops.convert_datetimefield_value
    return {
        position: ([_utc_datetime if c == slow else c for c in convs], expression)
        for position, (convs, expression) in converters.items()
    }


def _cursor(connection: Any) -> Any:
    """A cursor for a compiled query: on PostgreSQL one that can be prepared.

    Django's PostgreSQL cursors bind parameters on the client, so the server parses and
    plans every query afresh, and they read ``timestamptz`` columns through a loader
    written in Python. For these hot queries a plain psycopg cursor binds on the server,
    psycopg prepares the statement once the same SQL has run ``prepare_threshold`` times
    on the connection (settings), and psycopg's own compiled loader reads timestamps.
    That loader answers in the session's time zone, which Django sets to UTC, as its own
    loader does; if a deployment sets another zone, Django's loader stays. The cursor
    is wrapped as Django wraps its own (query logging, execute wrappers).
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg
    from psycopg.types.datetime import TimestamptzLoader

    # As Django's own cursors do: test a reused connection once per request when
    # CONN_HEALTH_CHECKS is on (nothing to test before the first connect).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    cursor = psycopg.Cursor(raw)
    if connection.timezone is UTC and raw.info.parameter_status("TimeZone") == "UTC":
        cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
    return connection._prepare_cursor(cursor)


class Constant(Expression):
    """A constant written into the SQL text instead of passed as a parameter.

    A partial index (``WHERE status = 'open'``) serves a prepared statement's generic
    plan only when the query states the same condition literally. Only for constants
    from code (letters, digits and underscores), never for user input.
    """

    output_field = CharField()

    def __init__(self, value: str) -> None:
        if not _SAFE_CONSTANT.fullmatch(value):
            raise ValueError(f"not a safe SQL constant: {value!r}")
        super().__init__()
        self.value = value

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return f"'{self.value}'", []


def cached_values(
    key: Hashable,
    build: Callable[[], QuerySet[Any]],
    varying: Sequence[Any] = (),
    *,
    using: str = "default",
) -> list[dict[str, Any]]:
    """The rows of ``build()`` (a sliced ``.values()`` queryset) as dicts.

    ``key`` must determine the SQL and every parameter other than ``varying``; ``build``
    must put the ``varying`` values into the query unchanged. Distinct varying values
    must differ (they are found among the parameters by value).
    """
    connection = connections[using]
    cache: OrderedDict[Hashable, _Compiled] | None = getattr(connection, _ATTRIBUTE, None)
    if cache is None:
        cache = OrderedDict()
        setattr(connection, _ATTRIBUTE, cache)
    compiled = cache.get(key)
    if compiled is None:
        compiled = _compile(build(), varying)
        cache[key] = compiled
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    params = list(compiled.params)
    for position, index in compiled.slots:
        params[position] = _adapt(connection, varying[index])
    with _cursor(connection) as cursor:
        cursor.execute(compiled.sql, params)
        rows: Any = cursor.fetchall()
    if compiled.converters:
        rows = compiled.compiler.apply_converters(rows, compiled.converters)
    return [dict(zip(compiled.names, row, strict=True)) for row in rows]
