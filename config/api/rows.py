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

from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from rest_framework import serializers

Writer = Callable[[Mapping[str, Any]], dict[str, Any]]
_PLANS: dict[type, Writer] = {}


def _value(row: Mapping[str, Any], path: Sequence[str]) -> Any:
    for key in path:
        if row is None:
            return None
        row = row[key]
    return row


def _many(child: Writer) -> Callable[[Any], list[dict[str, Any]]]:
    return lambda rows: [child(row) for row in rows]


def _plan(serializer: Any) -> Writer:
    steps: list[tuple[str, Sequence[str], Callable[[Any], Any]]] = []
    methods: list[tuple[str, Callable[[Any], Any]]] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            methods.append((name, getattr(serializer, field.method_name)))
            continue
        convert: Callable[[Any], Any]
        if isinstance(field, serializers.ListSerializer):
            convert = _many(_plan(field.child))
        elif isinstance(field, serializers.Serializer):
            convert = _plan(field)
        else:
            convert = field.to_representation
        steps.append((name, field.source_attrs, convert))
    order = list(serializer.fields)

    def write(row: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, path, convert in steps:
            value = row[path[0]] if len(path) == 1 else _value(row, path)
            out[name] = None if value is None else convert(value)
        if methods:
            record = SimpleNamespace(**row)
            for name, method in methods:
                out[name] = method(record)
            out = {name: out[name] for name in order if name in out}
        return out

    return write


def writer(serializer_class: type[Any]) -> Writer:
    """The plan of this serializer class for plain rows (made once)."""
    plan = _PLANS.get(serializer_class)
    if plan is None:
        plan = _PLANS[serializer_class] = _plan(serializer_class())
    return plan


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
