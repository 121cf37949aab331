"""Filters of the trainer API. They narrow a queryset a selector already limited to what the
user may see; a filter that names a row (``trainer``, ``client``) looks it up through the
selectors too, so naming someone else's row is the same 400 as naming an unknown one."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from rest_framework.request import Request

from coaching.models import CheckIn, Client, Program, ProgramTemplate, Session, Trainer
from coaching.selectors import clients_for, trainers_for
from config.api import IsoDateTimeFilter

SINCE_HELP = "Only rows changed after this time (ISO 8601), for syncing."


def _visible_trainers(request: Request | None) -> QuerySet[Trainer]:
    return trainers_for(request.user) if request is not None else Trainer.objects.none()


def _visible_clients(request: Request | None) -> QuerySet[Client]:
    return clients_for(request.user) if request is not None else Client.objects.none()


class ClientFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", help_text="Every word, in the name, username or email."
    )
    trainer = django_filters.ModelChoiceFilter(
        queryset=_visible_trainers, help_text="Id of a trainer (practice admins)."
    )
    since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt", help_text=SINCE_HELP)

    class Meta:
        model = Client
        fields: list[str] = []

    def filter_search(self, qs: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        for word in value.split()[:8]:
            qs = qs.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__username__icontains=word)
                | Q(user__email__icontains=word)
            )
        return qs


class ProgramFilter(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(
        queryset=_visible_clients, help_text="Id of a client."
    )
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
