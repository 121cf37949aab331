"""The trainer's flag API: ``/api/v1/flags/`` (filters ``status``, ``kind``, ``client``,
``urgency``, ``since``) in queue order, and the actions ``apply``, ``dismiss`` and ``resolve``.

Same access rule as the other trainer endpoints (``coaching.permissions.IsTrainer``): 401 anonymous,
403 on the list for someone who is not a trainer, 404 for another person's flag."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from coaching.accounts.api import ANY_SEGMENT
from coaching.accounts.permissions import IsTrainer
from coaching.accounts.selectors import listing
from coaching.messaging.models import BODY_MAX as MESSAGE_MAX
from coaching.shared.filters import SINCE_HELP, visible_clients
from config.api.fields import IsoDateTimeFilter
from config.api.pagination import Listed, paginated_response
from config.api.rows import FromRows
from triage import services
from triage.models import Flag
from triage.selectors import as_flag_rows, flag_get, flag_row_get, flag_rows, flags_for

ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
QUEUE_ORDER = ("urgency_rank", "-created_at", "-id")  # emergency, urgent, routine; newest first


FLAG_QUEUE = listing(lambda actor: flag_rows(actor).order_by(*QUEUE_ORDER))


class FlagFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Flag.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Flag.Kind.choices)
    urgency = django_filters.ChoiceFilter(choices=Flag.Urgency.choices)
    client = django_filters.ModelChoiceFilter(
        queryset=visible_clients, help_text="Id of one of the trainer's clients."
    )
    since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt", help_text=SINCE_HELP)

    class Meta:
        model = Flag
        fields: list[str] = []


class ExerciseRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class FlagSerializer(FromRows):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.user", read_only=True)
    kind = serializers.ChoiceField(choices=Flag.Kind.choices)
    urgency = serializers.ChoiceField(choices=Flag.Urgency.choices)
    rule = serializers.CharField(help_text="The rule code of TRIAGE_RULES.md.")
    reason = serializers.CharField()
    evidence = serializers.JSONField(help_text="The logs and the values compared.")
    exercise = ExerciseRefSerializer(allow_null=True)
    suggested_exercise = ExerciseRefSerializer(allow_null=True)
    suggestion = serializers.JSONField(
        help_text="`text`, and the change: `exercise_id`, or a new `load_kg`, `reps_min`/"
        "`reps_max` or `hold_seconds`. Empty for referrals and adherence."
    )
    prescription = serializers.IntegerField(source="prescription_id", allow_null=True)
    status = serializers.ChoiceField(
        choices=Flag.Status.choices,
        help_text="open → applied | dismissed | resolved (by a person) or withdrawn (by the "
        "review: a progression or adherence flag the client's current history no longer "
        "supports; `withdraw_reason` says why).",
    )
    firing = serializers.BooleanField(
        help_text="Whether the rule still fires on the client's current history. An open "
        "referral or regression that stopped firing stays open for a person to decide."
    )
    not_firing_since = serializers.DateTimeField(
        allow_null=True, help_text="Since when an open referral or regression no longer fires."
    )
    withdraw_reason = serializers.CharField(
        help_text="Why the review withdrew the flag, in plain words (empty otherwise)."
    )
    holds_progression = serializers.BooleanField(
        help_text="A referral not yet cleared: every progression of the client waits."
    )
    referred_to = serializers.CharField()
    clearance = serializers.CharField()
    cleared_at = serializers.DateTimeField(allow_null=True)
    dismiss_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    thresholds = serializers.JSONField(help_text="The thresholds the rule used.")
    times_fired = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=MESSAGE_MAX, required=False, allow_blank=True, default="",
        help_text="A message to the client about this decision, posted in their conversation "
        "(linked to the flag) in the same step.",
    )  # fmt: skip


class DismissInputSerializer(NoteInputSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the flag is not needed.")


class ResolveInputSerializer(NoteInputSerializer):
    referred_to = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="",
        help_text="Whom the client was referred to (required while the flag is open).",
    )  # fmt: skip
    clearance = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text="Who cleared the client, and for what: lifts the hold on progression.",
    )  # fmt: skip


# what the service refuses with a 400: a flag no longer open, a progression held by a
# referral, a suggestion the platform cannot make (``non_field_errors``), a blank reason, …
@extend_validation_errors(["invalid"], "non_field_errors", actions=["apply", "dismiss", "resolve"])
@extend_validation_errors(["invalid"], "reason", actions=["dismiss"])
@extend_validation_errors(["invalid"], "note", actions=["apply", "dismiss", "resolve"])
@extend_validation_errors(["invalid"], "referred_to", actions=["resolve"])
@extend_validation_errors(["invalid"], "clearance", actions=["resolve"])
class FlagViewSet(viewsets.GenericViewSet):
    permission_classes = [IsTrainer]
    lookup_value_regex = ANY_SEGMENT  # a non-number is the API's 404, not Django's page
    filterset_class = FlagFilter
    prepared_filters = ("status", "kind", "urgency")  # (choices: plain values in the SQL)
    serializer_class = FlagSerializer

    def get_queryset(self) -> QuerySet[Flag]:
        return flags_for(self.request.user).order_by(*QUEUE_ORDER)

    def _answer(self, flag: Flag) -> Response:
        return Response(FlagSerializer(flag_get(self.request.user, flag.pk)).data)

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(
        summary="The flag queue: emergency, urgent, routine, newest first",
        responses={200: FlagSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        rows = Listed(FLAG_QUEUE, (request.user,))  # (get_queryset: the browsable API's forms)
        return paginated_response(self, rows, FlagSerializer, as_flag_rows)

    @extend_schema(summary="One flag", parameters=[ID], responses={200: FlagSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(FlagSerializer(flag_row_get(request.user, pk)).data)

    @extend_schema(
        summary="Apply a progression or regression",
        description="The prescription changes to the suggested exercise or dose; the old one "
        "ends and stays in the history. A progression is first re-checked on the client's "
        "current history (a log sent a moment ago included): if it no longer holds it is "
        "withdrawn and the answer is a 400 saying why. A progression waits while a referral "
        "holds.",
        parameters=[ID],
        request=NoteInputSerializer,
        responses={200: FlagSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def apply(self, request: Request, pk: str) -> Response:
        flag = flag_get(request.user, pk)
        data = self._input(NoteInputSerializer)
        return self._answer(services.flag_apply(actor=request.user, flag=flag, **data))

    @extend_schema(
        summary="Dismiss a flag, with a reason",
        parameters=[ID],
        request=DismissInputSerializer,
        responses={200: FlagSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def dismiss(self, request: Request, pk: str) -> Response:
        flag = flag_get(request.user, pk)
        data = self._input(DismissInputSerializer)
        return self._answer(services.flag_dismiss(actor=request.user, flag=flag, **data))

    @extend_schema(
        summary="Resolve a referral: whom the client was referred to, then the clearance",
        parameters=[ID],
        request=ResolveInputSerializer,
        responses={200: FlagSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def resolve(self, request: Request, pk: str) -> Response:
        flag = flag_get(request.user, pk)
        data = self._input(ResolveInputSerializer)
        return self._answer(services.flag_resolve(actor=request.user, flag=flag, **data))
