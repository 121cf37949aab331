"""Answering from plain rows: a serializer's own fields, applied to dictionaries, without DRF's
per-field machinery.

A read serializer that mixes in ``FromRows`` presents model instances as before, and plain rows
(``dict``s from ``.values()`` with nested rows for nested serializers, keyed by each field's
``source``) several times faster: its fields are planned once per class (name, source path,
the field's own ``to_representation``; a nested serializer's plan; a method field's method)
and applied to each row. The answer is the one DRF builds from the same fields — same names,
same order, same conversions (the tests compare the two) — so the serializer stays the one
description of the answer, for the schema, the tests and the apps."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from config.api import fields

Writer = Callable[[Mapping[str, Any]], dict[str, Any]]
# a plan: a row and the timezone of the answer (read once per answer: reading the current one
# costs more than converting a datetime) → the serializer's dict
_Plan = Callable[[Mapping[str, Any], Any], dict[str, Any]]
_PLANS: dict[type, _Plan] = {}
_PLAIN, _NESTED, _DATETIME, _RFC3339 = 0, 1, 2, 3
_NEEDS_TZ: set[type] = set()  # the serializers with a datetime field, nested or not


def _value(row: Mapping[str, Any], path: Sequence[str]) -> Any:
    for key in path:
        if row is None:
            return None
        row = row[key]
    return row


def _many(child: _Plan) -> Callable[[Any, Any], list[dict[str, Any]]]:
    return lambda rows, tz: [child(row, tz) for row in rows]


def _datetime_kind(field: Any) -> int:
    """``_DATETIME`` for a ``DateTimeField`` as DRF ships it, written as ISO 8601 in the current
    timezone; ``_RFC3339`` for ``config.api.fields.DateTimeField`` so; else ``_PLAIN``."""
    kind = {
        serializers.DateTimeField.to_representation: _DATETIME,
        fields.DateTimeField.to_representation: _RFC3339,
    }.get(type(field).to_representation, _PLAIN)
    if kind == _PLAIN:
        return kind
    plain = (
        type(field).enforce_timezone is serializers.DateTimeField.enforce_timezone
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    )
    return kind if plain else _PLAIN


def _iso(value: Any, tz: Any, field: Any) -> Any:
    """``DateTimeField.to_representation`` of an aware datetime (others: the field's own)."""
    if tz is None or isinstance(value, str) or value.utcoffset() is None:
        return field.to_representation(value)
    text: str = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _plan(serializer: Any) -> _Plan:
    steps: list[tuple[str, Sequence[str], int, Callable[..., Any]]] = []
    methods: list[tuple[str, Callable[[Any], Any]]] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            methods.append((name, getattr(serializer, field.method_name)))
            continue
        if isinstance(field, serializers.ListSerializer):
            steps.append((name, field.source_attrs, _NESTED, _many(_plan(field.child))))
        elif isinstance(field, serializers.Serializer):
            steps.append((name, field.source_attrs, _NESTED, _plan(field)))
        elif kind := _datetime_kind(field):
            steps.append((name, field.source_attrs, kind, field))
        else:
            steps.append((name, field.source_attrs, _PLAIN, field.to_representation))
    order = list(serializer.fields)

    def write(row: Mapping[str, Any], tz: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, path, kind, convert in steps:
            value = row[path[0]] if len(path) == 1 else _value(row, path)
            if value is None:
                out[name] = None
            elif kind == _PLAIN:
                out[name] = convert(value)
            elif kind == _DATETIME:
                out[name] = _iso(value, tz, convert)
            elif kind == _RFC3339:
                text = _iso(value, tz, convert)
                aware = isinstance(value, datetime.datetime)
                out[name] = fields.whole_minute_offset(value, text) if aware else text
            else:
                out[name] = convert(value, tz)
        if methods:
            record = SimpleNamespace(**row)
            for name, method in methods:
                out[name] = method(record)
            out = {name: out[name] for name in order if name in out}
        return out

    return write


def _planned(serializer_class: type[Any]) -> _Plan:
    plan = _PLANS.get(serializer_class)
    if plan is None:
        serializer = serializer_class()
        plan = _PLANS[serializer_class] = _plan(serializer)
        if _has_datetimes(serializer):
            _NEEDS_TZ.add(serializer_class)
    return plan


def _has_datetimes(serializer: Any) -> bool:
    for field in serializer.fields.values():
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.Serializer):
            if _has_datetimes(field):
                return True
        elif _datetime_kind(field):
            return True
    return False


def _answer_timezone() -> Any:
    return timezone.get_current_timezone() if settings.USE_TZ else None


def writer(serializer_class: type[Any]) -> Writer:
    """The plan of this serializer class for plain rows (made once), for rows of one answer."""
    plan = _planned(serializer_class)
    tz = _answer_timezone() if serializer_class in _NEEDS_TZ else None
    return lambda row: plan(row, tz)


class RowsListSerializer(serializers.ListSerializer[Any]):
    def to_representation(self, data: Any) -> list[Any]:
        rows = list(data)
        if rows and isinstance(rows[0], Mapping):
            write = writer(type(self.child))
            return [write(row) for row in rows]
        return super().to_representation(rows)


# Mix into a read serializer: plain rows (``Mapping``) take the planned path. (No docstring: the
# schema would show it as the description of every serializer that has none of its own.)
class FromRows(serializers.Serializer[Any]):
    class Meta:
        list_serializer_class = RowsListSerializer

    def to_representation(self, instance: Any) -> Any:
        if isinstance(instance, Mapping):
            return writer(type(self))(instance)
        return super().to_representation(instance)
