"""Read API of the catalogue: ``/api/v1/exercises/`` and ``/api/v1/exercises/{slug}/``."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from exercises.filters import ExerciseFilter
from exercises.models import Cue, Exercise
from exercises.selectors import (
    DOCUMENT_COLUMNS,
    catalogue_revision,
    document_row,
    exercise_documents,
    exercise_fragments,
    exercise_list,
)

CACHE_SECONDS = 3600
SLUG = re.compile(r"[a-z0-9-]+")


class NamedSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class CueSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Cue.Phase.choices)
    text = serializers.CharField()


class MistakeSerializer(serializers.Serializer):
    title = serializers.CharField()
    detail = serializers.CharField()


class PrescriptionSerializer(serializers.Serializer):
    sets = serializers.IntegerField()
    reps_min = serializers.IntegerField()
    reps_max = serializers.IntegerField()
    tempo = serializers.CharField(help_text="Seconds per phase, e.g. 2-1-2; may be empty.")
    hold_seconds = serializers.IntegerField(allow_null=True)


class MediaSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["image", "video"])
    url = serializers.CharField(help_text="Relative to the server's address.")
    title = serializers.CharField()
    description = serializers.CharField(help_text="What it shows, for screen readers (alt text).")
    author = serializers.CharField()
    source = serializers.CharField(  # type: ignore[assignment]  # the API's key, not Field.source
        help_text="Where it comes from; empty for the practice's own."
    )
    licence = serializers.CharField(help_text="e.g. CC-BY-4.0, CC0-1.0, own, permission.")
    credit = serializers.CharField(help_text="The attribution line to show under it.")


class PrimaryPictureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["image", "video", "drawing"])
    url = serializers.CharField()


class IllustrationSerializer(serializers.Serializer):
    """The exercise's pictures. Show ``primary``: an editor's upload when there is one, else the
    animated drawing (which holds still for readers who asked for reduced motion)."""

    primary = PrimaryPictureSerializer(allow_null=True)
    still = serializers.CharField(
        allow_null=True, help_text="SVG of the start and end positions side by side."
    )
    animation = serializers.CharField(
        allow_null=True, help_text="SVG animating from the start to the end position."
    )
    media = MediaSerializer(many=True)


class ExerciseListSerializer(serializers.ListSerializer):
    """Builds a whole page at once from plain rows (``exercise_documents``): the list returns
    up to 1,000 exercises, and field-by-field serialization costs several times more."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        return exercise_documents([document_row(e) for e in data])


class ExerciseSerializer(serializers.Serializer):
    """One published exercise. ``progressions`` and ``regressions`` are the slugs of the next
    harder and easier variations in the catalogue's progression graph."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
    position = serializers.ChoiceField(choices=Exercise.Position.choices)
    movement_pattern = serializers.ChoiceField(choices=Exercise.Pattern.choices)
    difficulty = serializers.IntegerField(min_value=1, max_value=5)
    laterality = serializers.ChoiceField(choices=Exercise.Laterality.choices)
    primary_muscles = NamedSerializer(many=True)
    stabilizers = NamedSerializer(many=True)
    equipment = NamedSerializer(many=True)
    cues = CueSerializer(many=True)
    mistakes = MistakeSerializer(many=True)
    contraindications = serializers.ListField(child=serializers.CharField())
    stop_signals = serializers.ListField(child=serializers.CharField())
    default_prescription = PrescriptionSerializer()
    progressions = serializers.ListField(child=serializers.SlugField())
    regressions = serializers.ListField(child=serializers.SlugField())
    illustration = IllustrationSerializer()
    updated_at = serializers.DateTimeField()

    class Meta:
        list_serializer_class = ExerciseListSerializer

    def to_representation(self, instance: Exercise) -> dict[str, Any]:
        return exercise_documents([document_row(instance)])[0]


@extend_schema_view(
    list=extend_schema(
        summary="Published exercises of the catalogue",
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                description="The `ETag` of an earlier answer: 304 if the catalogue and the "
                "query are the same.",
            )
        ],
        responses={
            200: ExerciseSerializer(many=True),
            304: OpenApiResponse(description="Not modified: the app's copy is current."),
        },
    ),
    retrieve=extend_schema(
        summary="One published exercise",
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, pattern=f"^{SLUG.pattern}$")
        ],
    ),
)
class ExerciseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ExerciseSerializer
    filterset_class = ExerciseFilter
    lookup_field = "slug"
    # any segment reaches the view: an unknown slug (``%C2%84`` too) is the API's 404, not
    # Django's HTML page
    lookup_value_regex = r"[^/]+"

    def get_queryset(self) -> QuerySet[Exercise]:
        return exercise_list(actor=self.request.user)

    def get_object(self) -> Exercise:
        if not SLUG.fullmatch(self.kwargs["slug"]):
            raise NotFound  # not a slug (PostgreSQL refuses to compare a NUL character)
        return super().get_object()

    # DRF answers whatever HttpResponseBase a handler returns (a 304 here); the stubs say Response
    def list(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        """Every signed-in user sees the same catalogue, and it changes rarely: answers are
        cached by catalogue revision and query, and carry an ETag so that an app that already
        has this revision gets a 304."""
        if not isinstance(request.accepted_renderer, JSONRenderer):
            return super().list(request, *args, **kwargs)  # the browsable API
        number, revision = catalogue_revision()
        query = urlencode(sorted(request.query_params.items()))
        digest = hashlib.sha256(f"{request.get_host()}?{query}".encode()).hexdigest()[:20]
        etag = f'"catalogue-{revision}-{digest}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
        if etag in request.headers.get("If-None-Match", ""):
            return HttpResponseNotModified(headers=headers)
        key = f"api:exercises:{revision}:{digest}"
        body = cache.get(key)
        if body is None:
            body = self._page_body((number, revision))
            cache.set(key, body, timeout=CACHE_SECONDS)
        return HttpResponse(body, content_type="application/json", headers=headers)

    def _page_body(self, revision: tuple[int, str]) -> bytes:
        """The page the filters and the paginator choose, as DRF renders it, each exercise's
        document from ``exercise_fragments`` (after an edit, only what it changed is built)."""
        rows = self.paginate_queryset(
            self.filter_queryset(self.get_queryset()).values(*DOCUMENT_COLUMNS)
        )
        render = JSONRenderer().render
        envelope = render(self.get_paginated_response([]).data)  # ``results`` comes last
        assert envelope.endswith(b'"results":[]}')
        results = b",".join(exercise_fragments(list(rows or []), revision, render))
        return envelope[: -len(b"[]}")] + b"[" + results + b"]}"
