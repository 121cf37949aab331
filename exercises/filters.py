"""Catalogue filters, shared by the API list and the portal's catalogue page."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from config.api.fields import IsoDateTimeFilter
from exercises.models import Exercise


class ExerciseFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", help_text="Words in the name, an alias or the summary."
    )
    muscle = django_filters.CharFilter(
        method="filter_muscle", help_text="Slug of a target muscle, e.g. gluteus-maximus."
    )
    equipment = django_filters.CharFilter(
        method="filter_equipment", help_text="Slug of a piece of equipment, or `none`."
    )
    position = django_filters.ChoiceFilter(choices=Exercise.Position.choices)
    pattern = django_filters.ChoiceFilter(
        field_name="movement_pattern", choices=Exercise.Pattern.choices
    )
    difficulty = django_filters.ChoiceFilter(choices=[(i, str(i)) for i in range(1, 6)])
    since = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt", help_text="Only exercises changed after this."
    )

    class Meta:
        model = Exercise
        fields: list[str] = []

    def filter_search(self, qs: QuerySet[Exercise], name: str, value: str) -> QuerySet[Exercise]:
        words = value.split()[:8]
        if not words:
            return qs
        qs = qs.annotate(aliases_text=Cast("aliases", TextField()))
        for word in words:
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(aliases_text__icontains=word)
                | Q(summary__icontains=word)
            )
        return qs

    def filter_muscle(self, qs: QuerySet[Exercise], name: str, value: str) -> QuerySet[Exercise]:
        ids = Exercise.primary_muscles.through.objects.filter(muscle__slug=value).values(
            "exercise_id"
        )
        return qs.filter(pk__in=ids)

    def filter_equipment(self, qs: QuerySet[Exercise], name: str, value: str) -> QuerySet[Exercise]:
        through = Exercise.equipment.through.objects
        if value == "none":
            return qs.exclude(pk__in=through.values("exercise_id"))
        return qs.filter(pk__in=through.filter(equipment__slug=value).values("exercise_id"))
