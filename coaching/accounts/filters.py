"""Filters of ``/api/v1/clients/``; a named trainer is looked up through the selectors."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from rest_framework.request import Request

from coaching.accounts.selectors import trainers_for
from coaching.models import Client, Trainer
from coaching.shared.filters import SINCE_HELP
from config.api.fields import IsoDateTimeFilter


def _visible_trainers(request: Request | None) -> QuerySet[Trainer]:
    return trainers_for(request.user) if request is not None else Trainer.objects.none()


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
