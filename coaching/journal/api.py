"""The client's API: ``/api/v1/me/program/``, ``/api/v1/sessions/`` and ``/api/v1/check-ins/``.

Anonymous 401; someone who is not a client gets 403 on the collection routes and 404 on the
detail routes; a client sees only their own records. Creating is idempotent on the
``Idempotency-Key`` header (the same key again replays the stored record; with another body,
409). The reply carries ``safety``, computed in the request from the reported symptoms."""

from __future__ import annotations

import uuid
from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.accounts.api import ANY_SEGMENT
from coaching.accounts.permissions import IsClient
from coaching.accounts.selectors import profile_of
from coaching.journal.filters import CheckInFilter, SessionFilter
from coaching.journal.selectors import (
    CHECK_IN_LIST,
    SESSION_LIST,
    check_in_get,
    check_ins_for,
    session_row_get,
    session_row_of,
    sessions_for,
    with_entries,
)
from coaching.journal.serializers import (
    CheckInInputSerializer,
    CheckInSerializer,
    MyProgramSerializer,
    SessionInputSerializer,
    SessionSerializer,
)
from coaching.journal.services import KeyReused, Logged, check_in_log, session_log
from coaching.models import Client, Session
from coaching.programs.selectors import my_program_row
from config.api.errors import error_envelope
from config.api.pagination import Listed, paginated_response

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    required=False,
    description="A UUID the device makes once per record. Sending the same key again returns "
    "the stored record and creates nothing; the same key with a different body is a 409.",
)


ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


class KeyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This Idempotency-Key was already used for a different record."
    default_code = "idempotency_key_reused"


KEY_REUSED = error_envelope("IdempotencyKeyReusedResponse", KeyConflict.default_code)


def idempotency_key(request: Request) -> uuid.UUID | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError as exc:
        raise exceptions.ValidationError(
            {"Idempotency-Key": ["Must be a UUID, made once per record by the device."]}
        ) from exc


class MyProgramView(APIView):
    permission_classes = [IsClient]

    @extend_schema(
        summary="The client's active program",
        description="Its current prescriptions, in order, each with the exercise's cues. "
        "404 when the client has no active program.",
        responses={200: MyProgramSerializer},
    )
    def get(self, request: Request) -> Response:
        client = cast(Client, profile_of(request.user).client)  # IsClient let only clients in
        program = my_program_row(client)
        if program is None:
            raise exceptions.NotFound("You have no active program yet.")
        return Response(MyProgramSerializer(program).data)


class _LogViewSet(viewsets.GenericViewSet):
    permission_classes = [IsClient]
    lookup_value_regex = ANY_SEGMENT  # a non-number is the API's 404, not Django's page

    def _created(self, logged: Logged, serializer: type, stored: Any = None) -> Response:
        """201 with the record as a read shows it (``stored``: its plain row, when given);
        ``Idempotent-Replayed`` when the key had stored it before."""
        headers = {} if logged.created else {"Idempotent-Replayed": "true"}
        body = serializer(logged.record if stored is None else stored).data
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    def _log(self, service: Any, input_serializer: type, **kwargs: Any) -> Logged:
        key = idempotency_key(self.request)
        data = input_serializer(data=self.request.data, context={"request": self.request})
        data.is_valid(raise_exception=True)
        try:
            return service(actor=self.request.user, spec=data.validated_data, idempotency_key=key)
        except KeyReused as exc:
            raise KeyConflict from exc


# what the view and the service refuse (a 400 naming the field, code ``invalid``), beyond the
# serializer: a key that is not a UUID, a session too far ahead, a prescription of an ended
# program or replaced before the session, the same exercise twice, two programs in one session
@extend_validation_errors(["invalid"], "Idempotency-Key", actions=["create"])
@extend_validation_errors(["invalid"], "performed_at", actions=["create"])
@extend_validation_errors(["invalid"], "entries", actions=["create"])
@extend_validation_errors(["invalid"], "entries.INDEX.prescription", actions=["create"])
class SessionViewSet(_LogViewSet):
    """The client's own sessions."""

    filterset_class = SessionFilter
    serializer_class = SessionInputSerializer  # the browsable API's form

    def get_queryset(self) -> Any:
        return sessions_for(self.request.user)

    @extend_schema(
        summary="Own sessions, newest first", responses={200: SessionSerializer(many=True)}
    )
    def list(self, request: Request) -> Response:
        rows = Listed(SESSION_LIST, (request.user,))  # (get_queryset: the browsable API's)
        return paginated_response(self, rows, SessionSerializer, with_entries)

    @extend_schema(
        summary="One of own sessions", parameters=[ID], responses={200: SessionSerializer}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(SessionSerializer(session_row_get(request.user, pk)).data)

    @extend_schema(
        summary="Log a session (idempotent)",
        description="Stores the session pending review and hands it to triage. `safety` is "
        "null, or what to tell the client at once about a red-flag symptom.",
        parameters=[IDEMPOTENCY_KEY],
        request=SessionInputSerializer,
        responses={
            201: SessionSerializer,
            409: KEY_REUSED,
        },
    )
    def create(self, request: Request) -> Response:
        logged = self._log(session_log, SessionInputSerializer)
        # new or replayed, the stored session as any read shows it (entries, sets, exercises)
        stored = (  # a new session as it was stored; a replayed one as it is now
            session_row_of(cast(Session, logged.record), logged.parts)
            if logged.created
            else session_row_get(request.user, logged.record.pk)
        )
        return self._created(logged, SessionSerializer, stored)


@extend_validation_errors(["invalid"], "Idempotency-Key", actions=["create"])
@extend_validation_errors(["invalid"], "date", actions=["create"])  # in the future
class CheckInViewSet(_LogViewSet):
    """The client's morning check-ins."""

    filterset_class = CheckInFilter
    serializer_class = CheckInInputSerializer

    def get_queryset(self) -> Any:
        return check_ins_for(self.request.user)

    @extend_schema(
        summary="Own check-ins, newest first", responses={200: CheckInSerializer(many=True)}
    )
    def list(self, request: Request) -> Response:
        return paginated_response(self, Listed(CHECK_IN_LIST, (request.user,)), CheckInSerializer)

    @extend_schema(
        summary="One of own check-ins", parameters=[ID], responses={200: CheckInSerializer}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CheckInSerializer(check_in_get(request.user, pk)).data)

    @extend_schema(
        summary="Log a morning check-in (idempotent)",
        parameters=[IDEMPOTENCY_KEY],
        request=CheckInInputSerializer,
        responses={
            201: CheckInSerializer,
            409: KEY_REUSED,
        },
    )
    def create(self, request: Request) -> Response:
        return self._created(self._log(check_in_log, CheckInInputSerializer), CheckInSerializer)
