"""Filters of ``/api/v1/programs/`` and ``/api/v1/templates/``; a named client is looked up
through the selectors, so someone else's client is the same 400 as an unknown one."""

from __future__ import annotations

import django_filters

from coaching.models import Program, ProgramTemplate
from coaching.shared.filters import SINCE_HELP, visible_clients
from config.api.fields import IsoDateTimeFilter


class ProgramFilter(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=visible_clients, help_text="Id of a client.")
    status = django_filters.ChoiceFilter(choices=Program.Status.choices)
    since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt", help_text=SINCE_HELP)

    class Meta:
        model = Program
        fields: list[str] = []


class TemplateFilter(django_filters.FilterSet):
    since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt", help_text=SINCE_HELP)

    class Meta:
        model = ProgramTemplate
        fields: list[str] = []
