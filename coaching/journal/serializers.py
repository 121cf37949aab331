"""Serializers of what clients log (sessions, check-ins) and of ``/api/v1/me/program/``.

Input serializers check shapes and ranges (the same as the database constraints) and resolve
the prescriptions a session names in one query, among the client's own: another client's
prescription "does not exist". ``journal.services`` then checks what depends on the stored
state (an ended program, a replaced prescription) and stores the rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coaching.journal.models import MAX_SYMPTOMS
from coaching.journal.selectors import loggable_by_id
from coaching.journal.services import CheckInSpec, EntrySpec, SessionSpec, SetSpec
from coaching.journal.vocabulary import (
    PAIN_MAX,
    PAIN_MIN,
    PainLocation,
    PainQuality,
    Symptom,
    safety_for,
)
from coaching.models import CheckIn, ReviewState, Session
from coaching.programs import limits, schedule
from coaching.programs.serializers import (
    LoadKgField,
    ProgramExerciseSerializer,
    TemplatePrescriptionSerializer,
    WeekdaysField,
)
from config.api.fields import DateTimeField
from config.api.rows import FromRows


def _pain(help_text: str, **kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=PAIN_MIN, max_value=PAIN_MAX, help_text=help_text, **kwargs
    )


def _symptoms() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=Symptom.choices),
        max_length=MAX_SYMPTOMS,
        required=False,
        default=list,
        help_text="Codes of the symptom checklist (TRIAGE_RULES.md); empty when none.",
    )


class SetInputSerializer(serializers.Serializer):
    reps = serializers.IntegerField(min_value=0, max_value=limits.REPS.high)
    load_kg = LoadKgField(required=False, allow_null=True, default=None)
    rpe = serializers.IntegerField(
        min_value=limits.RPE.low, max_value=limits.RPE.high, required=False, allow_null=True,
        default=None,
        help_text="Rate of perceived exertion, 1 (very easy) to 10 (could not do one more).",
    )  # fmt: skip


class EntryInputSerializer(serializers.Serializer):
    prescription = serializers.IntegerField(
        help_text="`id` of a prescription of the client's program (GET /api/v1/me/program/)."
    )
    pain_during = _pain("Pain during the exercise, 0 (none) to 10 (worst imaginable).")
    pain_location = serializers.ChoiceField(
        choices=PainLocation.choices, required=False, allow_blank=True, default=""
    )
    pain_quality = serializers.ChoiceField(
        choices=PainQuality.choices, required=False, allow_blank=True, default=""
    )
    # DRF hands a many=True serializer's min_length/max_length to its ListSerializer; the stubs'
    # __init__ leaves them out
    sets = SetInputSerializer(  # type: ignore[call-arg]
        many=True,
        min_length=1,
        max_length=limits.SETS_PER_ENTRY.high,
        help_text=f"1 to {limits.SETS_PER_ENTRY.high} sets.",
    )


class SessionInputSerializer(serializers.Serializer):
    performed_at = serializers.DateTimeField(
        help_text="When the session happened (up to a day ahead; any time in the past)."
    )
    pain_before = _pain("Resting pain before the session, 0–10.")
    pain_after = _pain("Pain just after the session, 0–10.")
    symptoms = _symptoms()
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    entries = EntryInputSerializer(  # type: ignore[call-arg]  # min/max_length: as above
        many=True,
        min_length=1,
        max_length=limits.ENTRIES_PER_SESSION.high,
        help_text=f"1 to {limits.ENTRIES_PER_SESSION.high} exercises, each once.",
    )

    def validate(self, attrs: dict[str, Any]) -> SessionSpec:
        ids = [entry["prescription"] for entry in attrs["entries"]]
        found = loggable_by_id(self.context["request"].user, ids)
        errors = [
            {} if pk in found else {"prescription": ["No such prescription in your program."]}
            for pk in ids
        ]
        if any(errors):
            raise serializers.ValidationError({"entries": errors})
        return SessionSpec(
            performed_at=attrs["performed_at"],
            pain_before=attrs["pain_before"],
            pain_after=attrs["pain_after"],
            symptoms=tuple(attrs["symptoms"]),
            notes=attrs["notes"],
            entries=tuple(
                EntrySpec(
                    prescription=found[entry["prescription"]],
                    pain_during=entry["pain_during"],
                    pain_location=entry["pain_location"],
                    pain_quality=entry["pain_quality"],
                    sets=tuple(SetSpec(**s) for s in entry["sets"]),
                )
                for entry in attrs["entries"]
            ),
        )


class CheckInInputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The morning it reports on (not in the future).")
    pain = _pain("Pain on waking, 0–10.")
    stiffness = _pain("Stiffness on waking, 0–10.")
    symptoms = _symptoms()

    def validate(self, attrs: dict[str, Any]) -> CheckInSpec:
        return CheckInSpec(
            date=attrs["date"],
            pain=attrs["pain"],
            stiffness=attrs["stiffness"],
            symptoms=tuple(attrs["symptoms"]),
        )


class SafetySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["emergency", "urgent"])
    message = serializers.CharField(help_text="Show it to the client as it is, prominently.")
    symptoms = serializers.ListField(
        child=serializers.CharField(), help_text="The reported symptoms that call for it."
    )


class _SafetyMixin(FromRows):
    safety = serializers.SerializerMethodField(
        help_text="null, or what to tell the client at once about a red-flag symptom."
    )

    @extend_schema_field(SafetySerializer(allow_null=True))
    def get_safety(self, record: Session | CheckIn) -> dict[str, Any] | None:
        safety = safety_for(record.symptoms)
        return safety.as_dict() if safety else None


class SetSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    reps = serializers.IntegerField()
    load_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    rpe = serializers.IntegerField(allow_null=True)


class EntryExerciseSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prescription = serializers.IntegerField(source="prescription_id")
    exercise = EntryExerciseSerializer(source="prescription.exercise")
    pain_during = serializers.IntegerField()
    pain_location = serializers.CharField()
    pain_quality = serializers.CharField()
    sets = SetSerializer(many=True)


class SessionSerializer(_SafetyMixin):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    program = serializers.IntegerField(source="program_id")
    performed_at = DateTimeField()  # any time in the past: whole-minute offset
    pain_before = serializers.IntegerField()
    pain_after = serializers.IntegerField()
    symptoms = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField()
    entries = EntrySerializer(many=True)
    review_state = serializers.ChoiceField(choices=ReviewState.choices)
    idempotency_key = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CheckInSerializer(_SafetyMixin):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    date = serializers.DateField()
    pain = serializers.IntegerField()
    stiffness = serializers.IntegerField()
    symptoms = serializers.ListField(child=serializers.CharField())
    review_state = serializers.ChoiceField(choices=ReviewState.choices)
    idempotency_key = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MyPrescriptionSerializer(TemplatePrescriptionSerializer):
    id = serializers.IntegerField(help_text="Name it as `prescription` when logging a session.")
    exercise = ProgramExerciseSerializer()
    order = serializers.IntegerField()


class MyProgramSerializer(FromRows):
    id = serializers.IntegerField()
    name = serializers.CharField()
    starts_on = serializers.DateField()
    sessions_per_week = serializers.IntegerField()
    weekdays = WeekdaysField()
    next_planned = serializers.SerializerMethodField(
        help_text="The next 7 planned days from today (included, in the practice's time "
        "zone); empty when the program has no fixed days."
    )
    prescriptions = MyPrescriptionSerializer(
        source="current", many=True, help_text="What to do, in order."
    )
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_next_planned(self, program: Any) -> list[str]:
        if isinstance(program, Mapping):  # a plain row (``my_program_row``)
            weekdays, starts_on = program["weekdays"], program["starts_on"]
        else:
            weekdays, starts_on = program.weekdays, program.starts_on
        days = schedule.next_planned(weekdays, timezone.localdate(), starts_on)
        return [day.isoformat() for day in days]
