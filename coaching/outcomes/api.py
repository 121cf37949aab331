"""Questionnaires in the API: the client's (``/me/questionnaires/``) and their answers
(``POST /questionnaire-responses/``, idempotent like sessions); for the care team, a client's
answers (``/clients/{id}/questionnaire-responses/``) and the questionnaires a program or template
sends (``/programs/{id}/questionnaires/``, ``/templates/{id}/questionnaires/``)."""

from __future__ import annotations

from typing import Any, cast

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.accounts.permissions import IsClient, IsTrainer
from coaching.accounts.selectors import client_get, profile_of
from coaching.journal.api import IDEMPOTENCY_KEY, KEY_REUSED, KeyConflict, idempotency_key
from coaching.journal.services import KeyReused
from coaching.models import Client, OutcomeSchedule, Program, ProgramTemplate
from coaching.outcomes import services
from coaching.outcomes.selectors import Questionnaire, plain_words, questionnaires_for
from coaching.programs.selectors import programs_for, templates_for
from config.api.fields import DateTimeField


class ScaleSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    low = serializers.CharField(help_text="What the lowest value means.")
    high = serializers.CharField(help_text="What the highest value means.")


class InstrumentSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    version = serializers.IntegerField(help_text="Answers are scored by this version.")
    name = serializers.CharField()
    short_name = serializers.CharField()
    instructions = serializers.CharField()
    terms = serializers.CharField(help_text="Its source and terms of use.")
    scale = ScaleSerializer(allow_null=True)
    items = serializers.ListField(
        child=serializers.DictField(),
        allow_null=True,
        help_text="Fixed questions: `key`, `text`, `options` ({label, value}) or `scale`, "
        "`required`. Null for an instrument of client-named activities.",
    )
    activities = serializers.DictField(
        allow_null=True, help_text="`{min, max}`: how many activities the client names."
    )
    scoring = serializers.ChoiceField(choices=["mean", "sum", "percent"])
    better = serializers.ChoiceField(choices=["higher", "lower"])
    meaningful_change = serializers.FloatField()


class ScoreSerializer(serializers.Serializer):
    score = serializers.FloatField()
    answered_at = DateTimeField()


class QuestionnaireSerializer(serializers.Serializer):
    instrument = InstrumentSerializer()
    due_on = serializers.DateField(
        allow_null=True, help_text="The occasion to answer now; null: nothing due."
    )
    next_on = serializers.DateField(allow_null=True, help_text="The next occasion, if known.")
    cadence = serializers.CharField(help_text='e.g. "at the start, every 2 weeks, at the end".')
    activities = serializers.ListField(
        child=serializers.CharField(),
        help_text="The activities named in the first answer, to rate again (empty before it).",
    )
    baseline = ScoreSerializer(allow_null=True, help_text="The first answer of the program.")
    latest = ScoreSerializer(allow_null=True)
    change = serializers.ChoiceField(
        choices=["better", "worse", "no meaningful change"],
        allow_null=True,
        help_text="The latest answer against the baseline (null with fewer than two).",
    )
    in_words = serializers.ListField(
        child=serializers.CharField(), help_text='e.g. "Bending to tie shoes: 3 → 7".'
    )


def questionnaire_document(q: Questionnaire) -> dict[str, Any]:
    d = q.instrument.definition
    answered = len(q.answers)
    return {
        "instrument": {
            "slug": q.instrument.slug,
            "version": q.instrument.version,
            "name": d["name"],
            "short_name": d.get("short_name", ""),
            "instructions": d["instructions"],
            "terms": d["terms"],
            "scale": d.get("scale"),
            "items": d.get("items"),
            "activities": d.get("activities"),
            "scoring": d["scoring"],
            "better": d["better"],
            "meaningful_change": d["meaningful_change"],
        },
        "due_on": q.due_on,
        "next_on": q.next_on,
        "cadence": q.schedule.cadence,
        "activities": q.activities,
        "baseline": _score(q.baseline),
        "latest": _score(q.latest),
        "change": None
        if answered < 2
        else {1: "better", -1: "worse", 0: "no meaningful change"}[q.change],
        "in_words": plain_words(q),
    }


def _score(response: Any) -> dict[str, Any] | None:
    if response is None:
        return None
    return {"score": response.score, "answered_at": response.answered_at}


class AnswersInputSerializer(serializers.Serializer):
    instrument = serializers.SlugField(help_text="The questionnaire's slug, e.g. `psfs`.")
    answers = serializers.DictField(
        help_text='`{"activities": [{"name": "Tie shoes", "rating": 4}, …]}` for client-named '
        'activities (the first time 3–5 of them; later the same ones), or `{"items": {key: '
        "value}}` for fixed questions.",
    )


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    instrument = serializers.SlugField(source="instrument.slug")
    version = serializers.IntegerField(source="instrument.version")
    answers = serializers.DictField()
    score = serializers.FloatField()
    band = serializers.CharField(help_text="The risk band, for instruments that have them.")
    due_on = serializers.DateField(allow_null=True)
    answered_at = DateTimeField()


class MyQuestionnairesView(APIView):
    permission_classes = [IsClient]

    @extend_schema(
        summary="The questionnaires the client's program sends",
        description="With what is due now, the activities to rate again, and the scores so far.",
        responses={200: QuestionnaireSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        client = cast(Client, profile_of(request.user).client)
        found = [questionnaire_document(q) for q in questionnaires_for(client)]
        return Response(QuestionnaireSerializer(found, many=True).data)


@extend_validation_errors(["invalid"], "Idempotency-Key", methods=["POST"])
@extend_validation_errors(["invalid"], "instrument", methods=["POST"])
@extend_validation_errors(["invalid"], "answers.items", methods=["POST"])
@extend_validation_errors(["invalid"], "answers.items.KEY", methods=["POST"])
@extend_validation_errors(["invalid"], "answers.activities", methods=["POST"])
@extend_validation_errors(["invalid"], "answers.activities.INDEX", methods=["POST"])
@extend_validation_errors(["invalid"], "answers.activities.INDEX.name", methods=["POST"])
@extend_validation_errors(["invalid"], "answers.activities.INDEX.rating", methods=["POST"])
class QuestionnaireResponsesView(APIView):
    permission_classes = [IsClient]

    @extend_schema(
        summary="Answer a questionnaire (idempotent)",
        description="Scored on save with the instrument's current version; a 400 names the item "
        "(`answers.activities.0.rating`, `answers.items.q3`) for an answer outside the scale or "
        "missing, and `instrument` for one the program does not send.",
        parameters=[IDEMPOTENCY_KEY],
        request=AnswersInputSerializer,
        responses={201: ResponseSerializer, 409: KEY_REUSED},
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key(request)
        data = AnswersInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        spec = services.AnswerSpec(
            instrument=data.validated_data["instrument"], answers=data.validated_data["answers"]
        )
        try:
            logged = services.response_submit(actor=request.user, spec=spec, idempotency_key=key)
        except KeyReused as exc:
            raise KeyConflict from exc
        headers = {} if logged.created else {"Idempotent-Replayed": "true"}
        return Response(
            ResponseSerializer(logged.record).data, status=status.HTTP_201_CREATED, headers=headers
        )


class ClientResponsesView(APIView):
    permission_classes = [IsTrainer]
    detail = True  # names a client: 404 for people who are not trainers

    @extend_schema(
        summary="A client's questionnaire answers, newest first",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: ResponseSerializer(many=True)},
    )
    def get(self, request: Request, pk: int) -> Response:
        client = client_get(request.user, pk)
        rows = client.questionnaire_responses.select_related("instrument").order_by(
            "-answered_at", "-id"
        )
        return Response(ResponseSerializer(rows, many=True).data)


class ScheduleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="DELETE /questionnaire-schedules/{id}/")
    instrument = serializers.SlugField(source="instrument_slug")
    at_start = serializers.BooleanField(default=True)
    every_weeks = serializers.IntegerField(
        min_value=1, max_value=52, allow_null=True, required=False, default=None
    )
    at_end = serializers.BooleanField(default=True)
    cadence = serializers.CharField(read_only=True)


class _Schedules(APIView):
    permission_classes = [IsTrainer]
    detail = True  # names a program or template: 404 for people who are not trainers
    owner_model: type[Program] | type[ProgramTemplate]

    def owner(self, request: Request, pk: int) -> Program | ProgramTemplate:
        rows = (
            programs_for(request.user)
            if self.owner_model is Program
            else templates_for(request.user)
        )
        return cast(Program | ProgramTemplate, get_object_or_404(rows, pk=pk))

    def listed(self, owner: Program | ProgramTemplate) -> Response:
        return Response(ScheduleSerializer(owner.outcome_schedules.all(), many=True).data)

    def get(self, request: Request, pk: int) -> Response:
        return self.listed(self.owner(request, pk))

    def post(self, request: Request, pk: int) -> Response:
        owner = self.owner(request, pk)
        data = ScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        services.schedule_set(
            actor=request.user, owner=owner, instrument=values.pop("instrument_slug"), **values
        )
        return self.listed(owner)


SCHEDULE_DOCS = {
    "get": extend_schema(
        summary="The questionnaires it sends, and when",
        responses={200: ScheduleSerializer(many=True)},
    ),
    "post": extend_schema(
        summary="Send a questionnaire with it (or change when)",
        description="At the start, every N weeks (1–52), at the end. A 400 names `instrument` "
        "for one not loaded.",
        request=ScheduleSerializer,
        responses={200: ScheduleSerializer(many=True)},
    ),
}


@extend_schema_view(**SCHEDULE_DOCS)
class ProgramSchedulesView(_Schedules):
    owner_model = Program


@extend_schema_view(**SCHEDULE_DOCS)
class TemplateSchedulesView(_Schedules):
    owner_model = ProgramTemplate


class ScheduleView(APIView):
    permission_classes = [IsTrainer]
    detail = True

    @extend_schema(summary="Stop sending a questionnaire", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        schedule = get_object_or_404(
            OutcomeSchedule.objects.select_related("program", "template"), pk=pk
        )
        owners = (
            programs_for(request.user).filter(pk=schedule.program_id)
            if schedule.program_id
            else templates_for(request.user).filter(pk=schedule.template_id or 0)
        )
        if not owners.exists():
            return Response(status=status.HTTP_404_NOT_FOUND)
        services.schedule_remove(actor=request.user, schedule=schedule)
        return Response(status=status.HTTP_204_NO_CONTENT)
