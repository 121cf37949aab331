"""A selector's query built and compiled by the ORM once per process, then run again with new
values: the SQL and the ORM's result conversions are kept, the per-request cost of building the
query (lookups, joins) and compiling it (about 1 ms of CPU a query on the hot reads) is not paid.

``Prepared(build)`` wraps a function that returns a queryset of model instances (with their
``select_related`` rows and annotations; prefetches are the caller's), ``.values()`` or
``.values_list()``. Its arguments — ints, strings, lists of ints, and on PostgreSQL aware times,
dates and ``Array`` (ids passed as one array parameter), and (with an asker adapter, see
``coaching.accounts.selectors.prepared``) the person asking as the first — are the query's
values: the function is called with *markers* (improbable values standing for them) and the
compiled SQL's parameters that are markers are filled in with the real values on each call.
The SQL is kept per *shape*: the arguments' kinds, a list's length, the asker's role and the
current time zone (a date of a time is taken in it), so a query whose form depends on them gets
one SQL per form. ``count()`` and ``between()`` count and slice the same SQL; ``Listing`` and
``PreparedList`` give the API's paginator a prepared list with its filters.

Safety, checked when a shape is prepared (an error, never a wrong answer):

- the function is built twice with two different sets of markers (and stand-in askers whose
  other columns differ too): the SQL must be the same, and every parameter must be a marker of
  the same argument both times or the same constant both times. A value the function took from
  anywhere else (the clock, a setting read per call, a column of the asker that is not one of
  its ids) shows as a difference and is refused;
- a date or time constant is refused even when equal (a "today" would be frozen), unless the
  query names it in ``constants`` (an epoch, a fixed interval);
- a query the ORM answers without SQL (``pk__in=[]``: nobody's rows) stays empty;
- at run time, an argument the ORM could not take as-is (None, another type, a list longer
  than ``MAX_LIST``) and an asker without a value the SQL needs (a trainer without a practice)
  are answered by building the query as before, so the answer never depends on the shortcut.

The tests compare each prepared read with the same query built by the ORM, for every kind of
asker (``config/tests/test_prepared.py`` and the selectors' tests)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.utils import timezone

_populators: Any = get_related_populators  # (Django 5.2's signature; the stubs follow 6.0)
_ITERABLES = (ModelIterable, ValuesIterable, ValuesListIterable, FlatValuesListIterable)
MAX_LIST = 200  # the longest list of ids prepared (longer lists: built per call)
_SEED = (1_987_654_000, 1_876_543_000)  # the markers of the two builds: seed + position
_TEXT = ("\u2063prepared-a:{}\u2063", "\u2063prepared-b:{}\u2063")


class AskerMarkers(Protocol):
    """How the person asking (the first argument) is prepared: their shape (role), the ids the
    SQL may use, and a stand-in built from markers in their place."""

    width: int  # how many ids ``values`` gives

    def shape(self, asker: Any) -> Hashable: ...

    def values(self, asker: Any) -> tuple[int | None, ...]: ...

    def stand_in(self, shape: Hashable, markers: Sequence[int], build: int) -> Any: ...


@dataclass(frozen=True)
class _Instances:
    """What ``ModelIterable`` makes a row into, taken from the compiled query once."""

    model: Any
    names: tuple[str, ...]
    columns: slice
    related: tuple[Any, ...]  # Django's ``RelatedPopulator`` of each ``select_related``
    annotations: tuple[tuple[str, int], ...]

    def make(self, row: Sequence[Any]) -> Any:
        obj = self.model.from_db(DEFAULT_DB_ALIAS, self.names, row[self.columns])
        for related in self.related:
            related.populate(row, obj)
        for name, position in self.annotations:
            setattr(obj, name, row[position])
        return obj


@dataclass(frozen=True)
class _Plan:
    sql: str | None  # None: the ORM answers without a query (always empty)
    slots: tuple[tuple[bool, Any], ...]  # per parameter: (True, value index) or (False, constant)
    names: tuple[str, ...] | None  # a dict per row with these keys, or tuples (values_list)
    flat: bool
    sliced: bool
    model: _Instances | None  # model instances (``select_related`` and annotations too)
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


def _marker(build: int, index: int, kind: str) -> Any:
    if kind == "i":
        return _SEED[build] + index
    if kind == "d":
        return datetime.date(1901 + 2 * build, 1, 1) + datetime.timedelta(days=index)
    if kind == "t":
        start = datetime.datetime(1901 + 2 * build, 1, 1, tzinfo=datetime.UTC)
        return start + datetime.timedelta(seconds=index + 1)
    return _TEXT[build].format(index)


def _moments() -> bool:
    """Dates, times and arrays are values of the SQL on PostgreSQL, which takes them as they are
    (other databases get them as text the ORM formats, or have no arrays: their queries are built
    per call)."""
    return bool(connections[DEFAULT_DB_ALIAS].vendor == "postgresql")


@dataclass(frozen=True)
class Array:
    """An argument of ids that the query takes as one array parameter (an ``unnest(%s)``):
    one SQL whatever their number."""

    ids: Sequence[int]


class Prepared:
    """A query function prepared per shape; ``rows(*args)`` answers it (see the module)."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        asker: AskerMarkers | None = None,
        constants: Sequence[Any] = (),
    ) -> None:
        """``constants``: date or time values the query holds by design (an epoch), which
        may be kept in its SQL; any other date or time constant is refused."""
        self.build = build
        self.asker = asker
        self.constants = tuple(constants)
        self._plans: dict[Hashable, _Plan] = {}
        self._counter: Prepared | None = None

    # --- the arguments: their shape and their values, flattened ---------------------------

    def _flatten(self, args: Sequence[Any]) -> tuple[Hashable, list[Any]] | None:
        shape: list[Hashable] = []
        values: list[Any] = []
        for position, arg in enumerate(args):
            if position == 0 and self.asker is not None:
                shape.append(("asker", self.asker.shape(arg)))
                values.extend(self.asker.values(arg))
            elif isinstance(arg, bool):
                return None
            elif isinstance(arg, int):
                shape.append("i")
                values.append(arg)
            elif isinstance(arg, str):
                shape.append("s")
                values.append(arg)
            elif isinstance(arg, datetime.date) and _moments():
                moment = isinstance(arg, datetime.datetime)
                if isinstance(arg, datetime.datetime) and arg.utcoffset() is None:
                    return None  # (a naive time: the ORM warns and converts it)
                shape.append("t" if moment else "d")
                values.append(arg)
            elif isinstance(arg, Array) and _moments():
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in arg.ids):
                    return None
                shape.append("a")
                values.append(list(arg.ids))
            elif isinstance(arg, list | tuple) and len(arg) <= MAX_LIST:
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in arg):
                    return None
                shape.append(("l", len(arg)))
                values.extend(arg)
            else:
                return None
        return tuple(shape), values

    def _stand_ins(self, shape: Hashable, build: int) -> tuple[list[Any], dict[Any, int]]:
        """The arguments made of markers for this shape, and which value index each marks."""
        args: list[Any] = []
        index: dict[Any, int] = {}
        n = 0

        def mark(kind: str) -> Any:
            nonlocal n
            value = _marker(build, n, kind)
            index[value] = n
            n += 1
            return value

        for part in shape:  # type: ignore[attr-defined]  # (a tuple, from _flatten)
            if isinstance(part, tuple) and part[0] == "asker":
                assert self.asker is not None
                markers = [mark("i") for _ in range(self.asker.width)]
                args.append(self.asker.stand_in(part[1], markers, build))
            elif part == "i":
                args.append(mark("i"))
            elif part in ("t", "d"):
                args.append(mark(str(part)))
            elif part == "a":
                args.append([mark("i")])  # (one array parameter: the list of ids)
            elif part == "s":
                args.append(mark("s"))
            else:
                args.append([mark("i") for _ in range(part[1])])
        return args, index

    # --- preparing -------------------------------------------------------------------------

    def _built(self, args: Sequence[Any]) -> QuerySet[Any]:
        """The query built as before (``Array`` arguments as their lists)."""
        return self.build(*(list(a.ids) if isinstance(a, Array) else a for a in args))

    def _compile(
        self, build: int, shape: Hashable
    ) -> tuple[QuerySet[Any], Any, str | None, list[Any], dict[Any, int]]:
        args, index = self._stand_ins(shape, build)
        qs = self._built(args)
        if qs._iterable_class not in _ITERABLES:
            raise ImproperlyConfigured(f"{self.build!r}: prepare instances, values or values_list")
        if getattr(qs, "_prefetch_related_lookups", ()) or getattr(
            qs, "_known_related_objects", {}
        ):
            raise ImproperlyConfigured(f"{self.build!r}: prefetch what it needs after the read")
        compiler = qs.query.get_compiler(using=DEFAULT_DB_ALIAS)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return qs, compiler, None, [], index
        return qs, compiler, sql, list(params), index

    def _prepare(self, shape: Hashable) -> _Plan:
        qs, compiler, sql, params, index = self._compile(0, shape)
        *_, sql_b, params_b, index_b = self._compile(1, shape)
        name = getattr(self.build, "__qualname__", repr(self.build))
        if sql != sql_b or len(params) != len(params_b):
            raise ImproperlyConfigured(f"{name}: the SQL depends on a value not passed to it")
        if sql is None:
            return _Plan(None, (), (), False, False, None, ())
        slots: list[tuple[bool, Any]] = []
        for a, b in zip(params, params_b, strict=True):
            if isinstance(a, list) and len(a) == 1 and _hashable(a[0]) and a[0] in index:
                if not (isinstance(b, list) and len(b) == 1 and index_b.get(b[0]) == index[a[0]]):
                    raise ImproperlyConfigured(f"{name}: an array of markers moved between builds")
                slots.append((True, index[a[0]]))
            elif _hashable(a) and a in index:
                if not (_hashable(b) and index_b.get(b) == index[a]):
                    raise ImproperlyConfigured(f"{name}: a marker moved between builds")
                slots.append((True, index[a]))
            elif a != b or (_hashable(b) and b in index_b):
                raise ImproperlyConfigured(
                    f"{name}: a parameter ({a!r}) comes from a value not passed to it"
                )
            elif isinstance(a, datetime.date | datetime.time | datetime.timedelta) and not any(
                a == c and type(a) is type(c) for c in self.constants
            ):
                raise ImproperlyConfigured(f"{name}: a date or time constant would be frozen")
            else:
                slots.append((False, a))
        query = qs.query
        names = (
            tuple(query.selected)
            if query.selected
            else (*query.extra_select, *query.values_select, *query.annotation_select)
        )  # (as ValuesIterable names them)
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (i, tuple(functions), expression)
            for i, (functions, expression) in compiler.get_converters(fields).items()
        )
        kind = qs._iterable_class
        instances = None
        if kind is ModelIterable:
            info = compiler.klass_info
            first, last = info["select_fields"][0], info["select_fields"][-1] + 1
            instances = _Instances(
                model=info["model"],
                names=tuple(c[0].target.attname for c in compiler.select[first:last]),
                columns=slice(first, last),
                related=tuple(_populators(info, compiler.select, DEFAULT_DB_ALIAS)),
                annotations=tuple(compiler.annotation_col_map.items()),
            )
        return _Plan(
            sql,
            tuple(slots),
            names if kind is ValuesIterable else None,
            kind is FlatValuesListIterable,
            query.is_sliced,
            instances,
            converters,
        )

    # --- running ---------------------------------------------------------------------------

    def _bound(self, args: Sequence[Any]) -> tuple[_Plan, list[Any]] | None:
        """The plan of these arguments' shape and its parameters; None: build the query."""
        flat = self._flatten(args)
        if flat is None:
            return None
        shape, values = flat
        # (a date of a time is taken in the current time zone, a constant of the SQL)
        key = (DEFAULT_DB_ALIAS, shape, timezone.get_current_timezone_name())
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._prepare(shape)
        params = []
        for is_marker, value in plan.slots:
            if is_marker:
                value = values[value]
                if value is None:  # (an asker without an id the SQL needs)
                    return None
            params.append(value)
        return plan, params

    def _fetch(self, plan: _Plan, sql: str, params: list[Any]) -> list[Any]:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found: list[Any] = cursor.fetchall()
        if plan.converters:
            found = [list(row) for row in found]
            for row in found:
                for i, functions, expression in plan.converters:
                    for convert in functions:
                        row[i] = convert(row[i], expression, connection)
        if plan.model is not None:
            return [plan.model.make(row) for row in found]
        if plan.names is not None:
            names = plan.names
            return [dict(zip(names, row, strict=True)) for row in found]
        if plan.flat:
            return [row[0] for row in found]
        return [tuple(row) for row in found]

    def rows(self, *args: Any) -> list[Any]:
        """The query's rows for these arguments: dicts (``.values()``) or tuples / values
        (``.values_list()``), as the ORM would give them."""
        bound = self._bound(args)
        if bound is None:
            return list(self._built(args))
        plan, params = bound
        return [] if plan.sql is None else self._fetch(plan, plan.sql, params)

    def first(self, *args: Any) -> Any:
        """The first row, or None (for a query sliced to one row)."""
        found = self.rows(*args)
        return found[0] if found else None

    def between(self, start: int, stop: int | None, *args: Any) -> list[Any]:
        """``build(*args)[start:stop]``: the query's SQL with a limit and an offset as values."""
        bound = None if stop is None else self._bound(args)
        if bound is None or stop is None:
            return list(self._built(args)[start:stop])
        plan, params = bound
        if plan.sql is None:
            return []
        if plan.sliced:
            raise ImproperlyConfigured("between() of a query that is already sliced")
        limit = [max(stop - start, 0), start]
        return self._fetch(plan, f"{plan.sql} LIMIT %s OFFSET %s", [*params, *limit])

    def count(self, *args: Any) -> int:
        """``build(*args).count()``: its rows (without their order) counted in one query."""
        if self._counter is None:
            self._counter = Prepared(
                lambda *a: self.build(*a).order_by().values("pk"), asker=self.asker
            )
        bound = self._counter._bound(args)
        if bound is None:
            return int(self._built(args).count())
        plan, params = bound
        if plan.sql is None:
            return 0
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            sql = f"SELECT COUNT(*) FROM ({plan.sql}) counted"  # noqa: S608  # (the ORM's SQL)
            cursor.execute(sql, params)
            return int(cursor.fetchone()[0])


class Family:
    """Prepared reads made on first use, one per key: the variants of one query (a limit, the
    options a caller asks for) whose forms differ, each prepared as it is first needed."""

    def __init__(self, make: Callable[[Any], Prepared]) -> None:
        self.make = make
        self._reads: dict[Hashable, Prepared] = {}

    def __getitem__(self, key: Hashable) -> Prepared:
        read = self._reads.get(key)
        if read is None:
            read = self._reads[key] = self.make(key)
        return read


class PreparedList:
    """A prepared read as a paginator's object list (Django's ``Paginator``): its ``count()``
    and each page (a slice) one query each."""

    ordered = True  # (the read's own order; the paginator warns about unordered lists)

    def __init__(self, read: Prepared, args: Sequence[Any]) -> None:
        self.read, self.args = read, tuple(args)

    def count(self) -> int:
        return self.read.count(*self.args)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Any]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("a PreparedList is read by slices")
        return self.read.between(index.start or 0, index.stop, *self.args)


class Listing:
    """A list selector ``base(asker, *ids)`` prepared with each set of filters of a
    django-filter ``FilterSet`` applied to it as that filter set applies them (the filters'
    values are the read's last arguments)."""

    def __init__(
        self, base: Callable[..., QuerySet[Any]], *, asker: AskerMarkers | None = None
    ) -> None:
        self.base, self.asker = base, asker
        self._reads = Family(self._prepare)

    def read(self, filterset_class: Any, names: tuple[str, ...]) -> Prepared:
        return self._reads[(filterset_class, names)]

    def _prepare(self, key: tuple[Any, tuple[str, ...]]) -> Prepared:
        filterset_class, names = key
        width = len(names)

        def build(*args: Any) -> QuerySet[Any]:
            fixed, values = args[: len(args) - width], args[len(args) - width :]
            qs = self.base(*fixed)
            if names:
                filters = filterset_class(queryset=qs).filters
                for name, value in zip(names, values, strict=True):
                    qs = filters[name].filter(qs, value)
            return qs

        return Prepared(build, asker=self.asker)


def prefetched(instance: Any, name: str, rows: list[Any]) -> None:
    """Give ``instance.<name>.all()`` these rows without a query, as ``prefetch_related``
    leaves them."""
    relation: Any = instance._meta.get_field(name)  # (a reverse foreign key)
    queryset = relation.related_model._default_manager.all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[relation.cache_name] = queryset


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
