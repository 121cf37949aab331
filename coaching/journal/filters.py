"""Filters of the session and check-in lists (``since`` for syncing, dates, client)."""

from __future__ import annotations

import django_filters

from coaching.models import CheckIn, Session
from coaching.shared.filters import SINCE_HELP
from config.api.fields import IsoDateTimeFilter


class SessionFilter(django_filters.FilterSet):
    since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt", help_text=SINCE_HELP)
    performed_after = IsoDateTimeFilter(
        field_name="performed_at", lookup_expr="gte", help_text="Performed at or after (ISO 8601)."
    )
    performed_before = IsoDateTimeFilter(
        field_name="performed_at", lookup_expr="lt", help_text="Performed before (ISO 8601)."
    )

    class Meta:
        model = Session
        fields: list[str] = []


class CheckInFilter(django_filters.FilterSet):
    since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt", help_text=SINCE_HELP)

    class Meta:
        model = CheckIn
        fields: list[str] = []
