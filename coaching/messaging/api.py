"""The conversations in the API: ``/api/v1/me/messages/`` for the client, and
``/api/v1/clients/{id}/messages/`` for their care team (a client the actor does not see is a 404,
as everywhere). Newest first, paginated; ``…/read/`` marks the thread read; ``unread`` counts
what the other side wrote since."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.accounts.permissions import IsClient, IsTrainer
from coaching.accounts.selectors import client_get, profile_of
from coaching.messaging import selectors, services
from coaching.messaging.models import BODY_MAX
from coaching.models import Client, Message, Session
from config.api.fields import TextField
from config.api.pagination import Pagination


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_name", read_only=True)
    body = TextField(max_length=BODY_MAX, help_text=f"1 to {BODY_MAX:,} characters.")
    flag = serializers.IntegerField(source="flag_id", read_only=True, allow_null=True)
    session = serializers.IntegerField(
        source="session_id",
        required=False,
        allow_null=True,
        help_text="The id of the client's logged session this message is about (a comment on it).",
    )

    class Meta:
        model = Message
        fields = ["id", "author", "from_client", "body", "session", "flag", "created_at"]
        read_only_fields = ["from_client", "created_at"]


UNREAD = inline_serializer("Unread", {"unread": serializers.IntegerField()})
PAGE = inline_serializer(
    "PaginatedMessageList",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": MessageSerializer(many=True),
    },
)
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="A page number within the paginated result set."),
    OpenApiParameter("page_size", int, description="Messages per page (default 50)."),
]


class _Thread(APIView):
    """What both sides share: the thread's messages, a new one, the read mark, the count."""

    serializer_class = MessageSerializer

    def client_of(self, request: Request, pk: int | None) -> Client:
        raise NotImplementedError

    def list_thread(self, request: Request, pk: int | None = None) -> Response:
        client = self.client_of(request, pk)
        paginator = Pagination()
        messages = selectors.thread(client).order_by("-created_at", "-pk")
        page = paginator.paginate_queryset(messages, request, view=self)
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)

    def post_message(self, request: Request, pk: int | None = None) -> Response:
        client = self.client_of(request, pk)
        data = MessageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session_id = data.validated_data.get("session_id")
        session = None
        if session_id is not None:
            session = Session.objects.filter(pk=session_id, client=client).first()
            if session is None:  # whether it exists elsewhere is not said
                raise serializers.ValidationError({"session": "Not one of this client's sessions."})
        message = services.message_post(
            actor=request.user, client=client, body=data.validated_data["body"], session=session
        )
        return Response(MessageSerializer(message).data, status=201)


@extend_validation_errors(["invalid"], "page_size", methods=["GET"])
class MyMessagesView(_Thread):
    permission_classes = [IsClient]

    def client_of(self, request: Request, pk: int | None) -> Client:
        return cast(Client, profile_of(request.user).client)

    @extend_schema(
        summary="The client's conversation with their care team, newest first",
        parameters=PAGE_PARAMETERS,
        responses={200: PAGE},
    )
    def get(self, request: Request) -> Response:
        return self.list_thread(request)

    @extend_schema(
        summary="Write to the care team",
        description="Optionally about one of the client's sessions (`session`).",
        responses={201: MessageSerializer},
    )
    def post(self, request: Request) -> Response:
        return self.post_message(request)


@extend_validation_errors(["invalid"], "page_size", methods=["GET"])
class ClientMessagesView(_Thread):
    permission_classes = [IsTrainer]
    detail = True  # names a client: 404 for people who are not trainers

    def client_of(self, request: Request, pk: int | None) -> Client:
        return client_get(request.user, pk)

    @extend_schema(
        summary="A client's conversation with their care team, newest first",
        parameters=PAGE_PARAMETERS,
        responses={200: PAGE},
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list_thread(request, pk)

    @extend_schema(summary="Write to the client", responses={201: MessageSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return self.post_message(request, pk)


class _ReadMark(APIView):
    """``GET``: how many messages of the other side are unread; ``POST``: all read now."""

    def client_of(self, request: Request, pk: int | None) -> Client:
        raise NotImplementedError

    @extend_schema(summary="How many messages are unread", responses={200: UNREAD})
    def get(self, request: Request, pk: int | None = None) -> Response:
        client = self.client_of(request, pk)
        unread = selectors.unread_counts(request.user, [client.pk]).get(client.pk, 0)
        return Response({"unread": unread})

    @extend_schema(summary="Mark the conversation read", request=None, responses={204: None})
    def post(self, request: Request, pk: int | None = None) -> Response:
        services.thread_read(actor=request.user, client=self.client_of(request, pk))
        return Response(status=204)


class MyReadMarkView(_ReadMark):
    permission_classes = [IsClient]
    client_of = MyMessagesView.client_of


class ClientReadMarkView(_ReadMark):
    permission_classes = [IsTrainer]
    detail = True  # names a client: 404 for people who are not trainers
    client_of = ClientMessagesView.client_of
