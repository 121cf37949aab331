"""Serializers of programs and templates (``/api/v1/programs/``, ``/api/v1/templates/``).

Input serializers check a request's shape against ``limits`` and find the rows it names
through the selectors, so another person's row "does not exist", exactly like an unknown id;
the services have the last word."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coaching.accounts.serializers import ClientField, VisibleRowField
from coaching.models import Client, Program, ProgramTemplate
from coaching.programs import limits, schedule
from coaching.programs.selectors import templates_for
from coaching.programs.services import PrescriptionSpec
from coaching.shared.selectors import Actor
from config.api.rows import FromRows
from exercises.api import CueSerializer, IllustrationSerializer
from exercises.models import Exercise


@extend_schema_field(OpenApiTypes.INT)
class TemplateField(VisibleRowField):
    def visible(self, actor: Actor) -> QuerySet[ProgramTemplate]:
        return templates_for(actor)


WEEKDAYS_HELP = (
    "The planned weekdays (`mon` … `sun`); empty: no fixed days, as many as "
    "`sessions_per_week`. With days, `sessions_per_week` is their number."
)


@extend_schema_field(
    serializers.ListField(child=serializers.ChoiceField(choices=schedule.CHOICES), max_length=7)
)
class WeekdaysField(serializers.Field):
    """A program's or template's planned weekdays, stored as bits, answered as codes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", WEEKDAYS_HELP)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: int) -> list[str]:
        return schedule.to_codes(value)


def weekdays_input() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=schedule.CHOICES),
        max_length=7,
        required=False,
        allow_null=True,
        default=None,
        help_text=WEEKDAYS_HELP,
    )


# A load's text: 0 to 1000 with at most two decimals (or empty: no load). OpenAPI 3.0 has no
# minimum or maximum for a string, so the pattern says the range; it allows nothing the field
# refuses (config/tests/test_schema_truth.py tries both ways).
LOAD_KG_PATTERN = r"^(?:\d{1,3}(?:\.\d{0,2})?|\.\d{1,2}|1000(?:\.0{0,2})?)?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": LOAD_KG_PATTERN})
class LoadKgField(serializers.DecimalField):
    """A load in kilograms, 0 to 1000, to two decimals; as text or a JSON number."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Kilograms, 0 to 1000, at most two decimals.")
        super().__init__(
            max_digits=6,
            decimal_places=2,
            min_value=limits.LOAD_KG.low,
            max_value=limits.LOAD_KG.high,
            **kwargs,
        )


class ExerciseSlugField(serializers.SlugRelatedField):
    """The slug of a published exercise. A text with a NUL character in it is no slug (and
    PostgreSQL refuses to compare it: it was a 500)."""

    def to_internal_value(self, data: Any) -> Exercise:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class PrescriptionInputSerializer(serializers.Serializer):
    """One exercise to prescribe. The ranges are those of the database constraints."""

    exercise = ExerciseSlugField(
        slug_field="slug",
        queryset=Exercise.objects.published(),
        help_text="Slug of a published exercise of the catalogue.",
    )
    sets = serializers.IntegerField(min_value=limits.SETS.low, max_value=limits.SETS.high)
    reps_min = serializers.IntegerField(
        min_value=limits.PRESCRIBED_REPS.low, max_value=limits.PRESCRIBED_REPS.high
    )
    reps_max = serializers.IntegerField(
        min_value=limits.PRESCRIBED_REPS.low,
        max_value=limits.PRESCRIBED_REPS.high,
        help_text="At least `reps_min`.",
    )
    load_kg = LoadKgField(required=False, allow_null=True, default=None)
    tempo = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="",
        help_text="Seconds per phase, e.g. 2-1-2 (up, hold, down).",
    )  # fmt: skip
    hold_seconds = serializers.IntegerField(
        min_value=limits.HOLD_SECONDS.low,
        max_value=limits.HOLD_SECONDS.high,
        required=False,
        allow_null=True,
        default=None,
    )
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["reps_min"] > attrs["reps_max"]:
            raise serializers.ValidationError({"reps_max": "Must be at least reps_min."})
        return attrs


def _specs(prescriptions: list[dict[str, Any]]) -> list[PrescriptionSpec]:
    return [PrescriptionSpec(**values) for values in prescriptions]


class ProgramCreateInputSerializer(serializers.Serializer):
    """Either `prescriptions` or a `template` (copied), not both."""

    client = ClientField()
    name = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required with prescriptions; defaults to the template's name.",
    )
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    sessions_per_week = serializers.IntegerField(
        min_value=limits.SESSIONS_PER_WEEK.low,
        max_value=limits.SESSIONS_PER_WEEK.high,
        required=False,
        allow_null=True,
        default=None,
    )
    weekdays = weekdays_input()
    prescriptions = PrescriptionInputSerializer(many=True, required=False)
    template = TemplateField(required=False, allow_null=True, default=None)

    def validate_prescriptions(self, value: list[dict[str, Any]]) -> list[PrescriptionSpec]:
        return _specs(value)


class TemplateCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    sessions_per_week = serializers.IntegerField(
        min_value=limits.SESSIONS_PER_WEEK.low,
        max_value=limits.SESSIONS_PER_WEEK.high,
        required=False,
        allow_null=True,
        default=None,
        help_text="Default 3, or the number of `weekdays`.",
    )
    weekdays = weekdays_input()
    prescriptions = PrescriptionInputSerializer(many=True, help_text="At least one.")

    # refused by the service (``services.template_create``: "A template needs at least one
    # exercise.", named ``prescriptions``, as in the admin); the list's own ``allow_empty=False``
    # would answer at ``prescriptions.non_field_errors`` instead, so the schema alone says it
    schema_constraints = {"prescriptions": {"minItems": 1}}

    def validate_prescriptions(self, value: list[dict[str, Any]]) -> list[PrescriptionSpec]:
        return _specs(value)


class TemplateAssignInputSerializer(serializers.Serializer):
    clients = ClientField(
        many=True,
        allow_empty=False,
        error_messages={"empty": "Choose at least one client."},
        help_text="Ids of the clients to copy the template to: at least one, each once.",
    )
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)

    schema_constraints = {"clients": {"uniqueItems": True}}  # ``validate_clients``

    def validate_clients(self, value: list[Client]) -> list[Client]:
        if len({client.pk for client in value}) != len(value):
            raise serializers.ValidationError("Name each client once.")
        return value


class ExerciseBriefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    cues = CueSerializer(many=True, help_text="In order: setup, brace, movement, stop, return.")


class TemplatePrescriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    exercise = ExerciseBriefSerializer()
    sets = serializers.IntegerField()
    reps_min = serializers.IntegerField()
    reps_max = serializers.IntegerField()
    load_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    tempo = serializers.CharField()
    hold_seconds = serializers.IntegerField(allow_null=True)
    notes = serializers.CharField()


class ProgramExerciseSerializer(ExerciseBriefSerializer):
    illustration = IllustrationSerializer(
        source="picture",
        help_text="Its pictures, as in the catalogue: show `primary` (an upload, else the "
        "animated drawing).",
    )


class ProgramPrescriptionSerializer(TemplatePrescriptionSerializer):
    exercise = ProgramExerciseSerializer()
    started_at = serializers.DateTimeField()


class ProgramSerializer(FromRows):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.user", read_only=True)
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Program.Status.choices)
    starts_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    sessions_per_week = serializers.IntegerField()
    weekdays = WeekdaysField()
    template = serializers.IntegerField(
        source="template_id", allow_null=True, help_text="The template it was copied from."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProgramDetailSerializer(ProgramSerializer):
    prescriptions = ProgramPrescriptionSerializer(
        source="current", many=True, help_text="The current prescriptions, in order."
    )


class TemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    practice = serializers.IntegerField(source="practice_id")
    name = serializers.CharField()
    description = serializers.CharField()
    sessions_per_week = serializers.IntegerField()
    weekdays = WeekdaysField()
    prescription_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TemplateDetailSerializer(TemplateSerializer):
    prescriptions = TemplatePrescriptionSerializer(many=True)
