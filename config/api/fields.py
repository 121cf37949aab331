"""Times in the API: the serializers' ``DateTimeField`` (always an RFC 3339 time) and the
filters' ``IsoDateTimeFilter`` (``since``, ``performed_after``, …: any offset, compared in UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

_OFFSET_WITH_SECONDS = re.compile(r"[+-]\d\d:\d\d:\d\d(\.\d+)?$")


class DateTimeField(serializers.DateTimeField):
    """DRF's output, in the server's time zone as everywhere, except for a time whose offset
    there is not whole minutes (London before 1847 is ``-00:01:15``): ``…-00:01:15`` is not an
    RFC 3339 time, so such a time is given in UTC. For times a client sends (``performed_at``
    may be any time in the past), not only the server's own."""

    def to_representation(self, value: datetime) -> str:
        text = super().to_representation(value)
        if isinstance(value, datetime) and text:
            return whole_minute_offset(value, text)
        return text


def whole_minute_offset(value: datetime, text: str) -> str:
    """``text``, DRF's ISO 8601 of ``value``; or ``value`` in UTC when that text's offset is
    not whole minutes (``DateTimeField``)."""
    if _OFFSET_WITH_SECONDS.search(text):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return text


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, converted to UTC. Python accepts any offset under 24 hours, PostgreSQL
    only up to ±15:59 (a ``since`` of ``…-20:58`` was a 500); and a time that UTC cannot hold
    (year 1 with a positive offset, year 9999 with a negative one) is a 400, not a 500."""

    def to_python(self, value: object) -> datetime | None:
        parsed: datetime | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``since``, ``performed_after``, …: an ISO 8601 time (any offset), compared in UTC."""

    field_class = UtcIsoDateTimeField


class TextField(serializers.CharField):
    """Text that must arrive as a JSON string: DRF's ``CharField`` also takes a number (``0``
    becomes ``"0"``), which for a free text (a message) would store what nobody wrote. Anything
    but a string is ``invalid``, as DRF's answer to ``true``."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))
