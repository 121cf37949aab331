"""Read API of the catalogue: ``/api/v1/exercises/`` and ``/api/v1/exercises/{slug}/``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from exercises.filters import ExerciseFilter
from exercises.models import Cue, Exercise
from exercises.selectors import exercise_list


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
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Exercise) -> dict[str, Any]:
        # Built by hand from the prefetched rows: the list returns up to 1,000 exercises with
        # all their parts, and the generic field machinery costs several times more.
        def named(rows: Any) -> list[dict[str, str]]:
            return [{"slug": r.slug, "name": r.name} for r in rows.all()]

        return {
            "slug": instance.slug,
            "name": instance.name,
            "aliases": instance.aliases,
            "summary": instance.summary,
            "position": instance.position,
            "movement_pattern": instance.movement_pattern,
            "difficulty": instance.difficulty,
            "laterality": instance.laterality,
            "primary_muscles": named(instance.primary_muscles),
            "stabilizers": named(instance.stabilizers),
            "equipment": named(instance.equipment),
            "cues": [{"phase": c.phase, "text": c.text} for c in instance.cues.all()],
            "mistakes": [{"title": m.title, "detail": m.detail} for m in instance.mistakes.all()],
            "contraindications": instance.contraindications,
            "stop_signals": instance.stop_signals,
            "default_prescription": {
                "sets": instance.default_sets,
                "reps_min": instance.default_reps_min,
                "reps_max": instance.default_reps_max,
                "tempo": instance.default_tempo,
                "hold_seconds": instance.default_hold_seconds,
            },
            "progressions": [e.harder.slug for e in instance.harder_edges.all()],
            "regressions": [e.easier.slug for e in instance.easier_edges.all()],
            "updated_at": serializers.DateTimeField().to_representation(instance.updated_at),
        }


@extend_schema_view(
    list=extend_schema(summary="Published exercises of the catalogue"),
    retrieve=extend_schema(summary="One published exercise"),
)
class ExerciseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ExerciseSerializer
    filterset_class = ExerciseFilter
    lookup_field = "slug"
    lookup_value_regex = r"[a-z0-9-]+"

    def get_queryset(self) -> QuerySet[Exercise]:
        return exercise_list(actor=self.request.user)
