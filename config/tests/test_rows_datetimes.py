"""The plain-row answers write datetimes as DRF's ``DateTimeField`` does — ISO 8601 in the
answer's timezone, ``Z`` for UTC — with the timezone read once per answer: summer and winter,
another active timezone, naive and text values (the field's own path)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework import serializers

from config.api.fields import DateTimeField
from config.api.rows import FromRows

UTC = datetime.UTC
VALUES = [
    pytest.param(datetime.datetime(2026, 1, 15, 9, 30, tzinfo=UTC), id="winter"),
    pytest.param(datetime.datetime(2026, 7, 15, 9, 30, 0, 250, tzinfo=UTC), id="summer"),
    pytest.param(datetime.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), id="clocks-go-forward"),
    pytest.param(datetime.datetime(2026, 7, 15, 9, 30), id="naive"),
    pytest.param("2026-07-15T09:30:00Z", id="text"),
    pytest.param(datetime.datetime(1800, 7, 15, 9, 30, tzinfo=UTC), id="offset-in-seconds"),
]


class Stamped(FromRows, serializers.Serializer):
    at = serializers.DateTimeField()
    also = serializers.DateTimeField(source="nested.at")
    local = serializers.DateTimeField(
        default_timezone=datetime.timezone(datetime.timedelta(hours=2))
    )
    formatted = serializers.DateTimeField(format="%d %b %Y %H:%M", source="at")
    rfc3339 = DateTimeField(source="at")


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "UTC"])
@pytest.mark.parametrize("value", VALUES)
def test_rows_write_datetimes_as_drf(value, zone):
    row = {"at": value, "nested": {"at": value}, "local": value}
    with timezone.override(zone):
        from_rows = Stamped(row).data
        many = Stamped([row, row], many=True).data
        drf = serializers.Serializer.to_representation(Stamped(), type("R", (), {
            "at": value, "nested": type("N", (), {"at": value}), "local": value,
        }))  # fmt: skip
    assert dict(from_rows) == dict(drf)
    assert [dict(r) for r in many] == [dict(drf), dict(drf)]
    if zone == "America/New_York" and not isinstance(value, str):
        assert not from_rows["at"].endswith("Z")
    if zone == "Europe/London" and "1800" in str(value):  # London's offset was -00:01:15
        assert from_rows["at"].endswith("-00:01:15")
        assert from_rows["rfc3339"] == "1800-07-15T09:30:00Z"
