"""The catalogue editors' admin: search and filters, cues, mistakes and harder variations
inline, and publish / retire actions that go through the services."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from exercises.forms import ExerciseAdminForm
from exercises.illustration import animated_svg, still_svg, validate_illustration
from exercises.loader import illustration_problems
from exercises.models import (
    Cue,
    Equipment,
    Exercise,
    ExerciseMedia,
    Mistake,
    Muscle,
    ProgressionEdge,
)
from exercises.services import exercises_set_status


class CueInline(admin.TabularInline):
    model = Cue
    extra = 0
    fields = ["order", "phase", "text"]
    ordering = ["order"]


class MistakeInline(admin.TabularInline):
    model = Mistake
    extra = 0
    fields = ["order", "title", "detail"]
    ordering = ["order"]


class MediaInline(admin.StackedInline):
    """Editors' own pictures or short videos, each with its licence data; the first takes the
    place of the drawing. The file is checked for what it really is (``ExerciseMedia.clean``)."""

    model = ExerciseMedia
    extra = 0
    fields = [
        ("file", "shown"),
        ("title", "alt_text"),
        ("author", "source_url", "licence"),
        "order",
    ]
    readonly_fields = ["shown"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    verbose_name = "own picture or video"
    verbose_name_plural = "own pictures and videos (shown instead of the drawing)"

    @admin.display(description="preview")
    def shown(self, obj: ExerciseMedia) -> str:
        if not obj.pk:
            return "—"
        url = reverse_media(obj)
        if obj.kind == ExerciseMedia.Kind.VIDEO:
            return format_html('<video src="{}" controls muted width="220"></video>', url)
        return format_html('<img src="{}" alt="{}" style="max-width:220px">', url, obj.alt_text)


def reverse_media(media: ExerciseMedia) -> str:
    from django.urls import reverse

    return reverse("catalogue:media", args=[media.exercise.slug, media.pk])


class HarderVariationInline(admin.TabularInline):
    """Edges out of this exercise. Each is checked against the whole graph: no self-edge, no
    duplicate, no cycle (``ProgressionEdge.clean``)."""

    model = ProgressionEdge
    fk_name = "easier"
    extra = 0
    fields = ["harder", "change", "note"]
    autocomplete_fields = ["harder"]
    verbose_name = "harder variation"
    verbose_name_plural = "harder variations (progressions)"


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    form = ExerciseAdminForm
    list_display = [
        "name",
        "position",
        "movement_pattern",
        "difficulty",
        "status",
        "variation_count",
    ]
    list_filter = [
        "status",
        "position",
        "difficulty",
        "movement_pattern",
        ("primary_muscles", admin.RelatedOnlyFieldListFilter),
        ("equipment", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "slug", "summary", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["primary_muscles", "stabilizers", "equipment"]
    readonly_fields = ["easier_variations", "created_at", "updated_at"]
    inlines = [CueInline, MistakeInline, MediaInline, HarderVariationInline]
    actions = ["publish", "retire", "return_to_draft"]
    list_per_page = 50
    ordering = ["name"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "aliases", "summary"]}),
        (
            "Movement",
            {
                "fields": [
                    "position",
                    "movement_pattern",
                    "difficulty",
                    "laterality",
                    "primary_muscles",
                    "stabilizers",
                    "equipment",
                ]
            },
        ),
        ("Safety", {"fields": ["contraindications", "stop_signals"]}),
        ("Picture", {"fields": ["illustration"]}),
        (
            "Default prescription",
            {
                "fields": [
                    ("default_sets", "default_reps_min", "default_reps_max"),
                    ("default_tempo", "default_hold_seconds"),
                ]
            },
        ),
        ("Progression graph", {"fields": ["easier_variations"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "illustration-preview/",
            self.admin_site.admin_view(self.preview_view),
            name="exercises_exercise_preview",
        )
        return [preview, *super().get_urls()]

    @method_decorator(require_POST)
    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The live preview of the picture being edited: both drawings, or the problems
        (checked as the catalogue file is)."""
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            return JsonResponse({"problems": ["You may not edit the catalogue."]}, status=403)
        try:
            raw = json.loads(request.body)
        except ValueError:
            return JsonResponse({"problems": ["The data is not valid JSON."]}, status=400)
        problems = illustration_problems(raw)
        if problems:
            return JsonResponse({"problems": problems}, status=400)
        data = validate_illustration(raw)
        return JsonResponse(
            {"still": still_svg(data, "Preview"), "animation": animated_svg(data, "Preview")}
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Exercise]:
        return (
            super().get_queryset(request).annotate(_variations=Count("harder_edges", distinct=True))
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Exercise], search_term: str
    ) -> tuple[QuerySet[Exercise], bool]:
        # Pickers outside the catalogue (a program's exercise picker) offer published exercises
        # only; the catalogue's own pickers (the progression graph) offer every exercise.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/") and request.GET.get("app_label") != "exercises":
            queryset = queryset.filter(status=Exercise.Status.PUBLISHED)
        return queryset, may_have_duplicates

    @admin.display(description="harder variations", ordering="_variations")
    def variation_count(self, obj: Exercise) -> int:
        return obj._variations  # type: ignore[attr-defined]

    @admin.display(description="easier variations (regressions)")
    def easier_variations(self, obj: Exercise) -> str:
        edges = obj.easier_edges.select_related("easier") if obj.pk else []
        return (
            format_html_join(
                ", ",
                '<a href="../../{}/change/">{}</a> ({})',
                ((e.easier.pk, e.easier.name, e.get_change_display()) for e in edges),
            )
            or "— (edit them on the easier exercise's page)"
        )

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Exercise], status: str) -> None:
        result = exercises_set_status(exercises=queryset, status=status)
        label = Exercise.Status(status).label.lower()
        if result.changed:
            self.message_user(
                request,
                f"{len(result.changed)} exercise(s) {label}: "
                + ", ".join(e.name for e in result.changed),
                messages.SUCCESS,
            )
        for exercise, reason in result.refused.items():
            self.message_user(
                request, f"{exercise.name} was not {label}: {reason}.", messages.ERROR
            )
        if result.unchanged and not result.changed and not result.refused:
            self.message_user(request, f"Already {label}.", messages.INFO)

    @admin.action(description="Publish selected exercises", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        self._set_status(request, queryset, Exercise.Status.PUBLISHED)

    @admin.action(description="Retire selected exercises", permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        self._set_status(request, queryset, Exercise.Status.RETIRED)

    @admin.action(description="Return selected exercises to draft", permissions=["change"])
    def return_to_draft(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        self._set_status(request, queryset, Exercise.Status.DRAFT)

    def save_model(
        self, request: HttpRequest, obj: Exercise, form: ModelForm, change: bool
    ) -> None:
        # A status change made in the form goes through the same rules as the actions.
        if change and "status" in form.changed_data:
            wanted = obj.status
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            self._set_status(request, Exercise.objects.filter(pk=obj.pk), wanted)
            obj.refresh_from_db(fields=["status"])
        else:
            super().save_model(request, obj, form, change)


@admin.register(ProgressionEdge)
class ProgressionEdgeAdmin(admin.ModelAdmin):
    list_display = ["easier", "harder", "change", "note"]
    list_filter = ["change"]
    search_fields = ["easier__name", "harder__name", "note"]
    autocomplete_fields = ["easier", "harder"]
    list_select_related = ["easier", "harder"]


@admin.register(Muscle)
class MuscleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "region"]
    list_filter = ["region"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
