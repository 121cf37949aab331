"""Sign-in for the mobile apps, ``/api/v1/me/``, and ``/api/v1/clients/`` for trainers.

Anonymous 401; someone who is not a trainer gets 403 on collection routes and 404 on detail
routes (the API never says whether another person's object exists); another person's object
named in a body is "does not exist" (400)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from knox.models import AuthToken
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.accounts.auth import TokenAuthentication
from coaching.accounts.filters import ClientFilter
from coaching.accounts.permissions import IsTrainer
from coaching.accounts.selectors import (
    CLIENT_LIST,
    as_client_rows,
    client_detail,
    client_get,
    client_list,
    client_row_get,
    user_role,
)
from coaching.accounts.serializers import (
    ClientCreateInputSerializer,
    ClientSerializer,
    ClientUpdateInputSerializer,
    InvitationSentSerializer,
    InvitationSerializer,
    invitation_data,
)
from coaching.accounts.services import (
    client_create,
    client_update,
    invitation_revoke,
    invitation_send,
)
from coaching.journal.filters import SessionFilter
from coaching.journal.selectors import CLIENT_SESSIONS, sessions_for, with_entries
from coaching.journal.serializers import SessionSerializer
from coaching.models import Invitation, User
from coaching.privacy.api import EraseInputSerializer
from coaching.privacy.downloads import export_download
from coaching.privacy.services import client_erase, client_export
from config.api.errors import error_envelope
from config.api.pagination import Listed, paginated_response
from config.api.rows import FromRows


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=512, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField()


@extend_validation_errors(["invalid_credentials"], field_name="non_field_errors")
class TokenView(APIView):
    """Sign in with a username and password and receive a token for this device.

    Tokens are stored hashed and expire; each device signs in on its own. After repeated
    failures the username is locked out from this address for a while (HTTP 429)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            201: TokenResponseSerializer,
            429: error_envelope("LockedOutResponse", "locked_out"),
        },
        summary="Sign in and get a device token",
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes watches authenticate(): it needs the plain Django request.
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to sign in with those credentials."]},
                code="invalid_credentials",
            )
        # the user's expired tokens go at sign-in too (knox's authentication sweeps them only
        # when one of the user's tokens is presented)
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user)
        # as a session login does: updates last_login, and django-axes resets the failure count
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(
            TokenResponseSerializer({"token": token, "expires_at": instance.expiry}).data,
            status=status.HTTP_201_CREATED,
        )


class LogoutView(APIView):
    """Revoke the token this request was made with (the other devices stay signed in)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Revoke this device's token")
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):  # (signed in some other way: nothing to revoke)
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeSerializer(FromRows):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField(
        allow_blank=True,
        help_text='An email address, or empty (`""`) when the person has none.',
    )
    role = serializers.CharField(help_text="What this person does on the platform.")


class MeView(APIView):
    @extend_schema(
        responses={200: MeSerializer},
        summary="The signed-in person and their role",
    )
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # signed in: IsAuthenticated, the default permission
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "username": user.get_username(),
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "email": user.email,
                    "role": user_role(user),
                }
            ).data
        )


ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


# Every path segment reaches the view, whose selector answers anything that is not an id of
# the user's with the API's 404. The router's default (``[^/.]+``) left ``/clients/1.5/`` to
# Django's HTML 404 page, which is not the API's answer.
ANY_SEGMENT = r"[^/]+"


class TrainerViewSet(viewsets.GenericViewSet):
    permission_classes = [IsTrainer]
    lookup_value_regex = ANY_SEGMENT
    output_serializer: type[serializers.Serializer]
    input_serializers: dict[str, type[serializers.Serializer]] = {}

    def get_serializer_class(self) -> type[serializers.Serializer]:
        """Only for the browsable API's forms; the actions name their serializers."""
        return self.input_serializers.get(self.action, self.output_serializer)

    def input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """The request body, validated; a 400 with field messages otherwise."""
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data


# what the services refuse (a 400 naming the field, code ``invalid``), beyond the serializers
@extend_validation_errors(["invalid"], "username", actions=["create"])
@extend_validation_errors(["invalid"], "password", actions=["create"])
@extend_validation_errors(["invalid"], "trainer", actions=["create", "partial_update"])
@extend_validation_errors(["invalid"], "email", actions=["invite"])
@extend_validation_errors(["invalid"], "non_field_errors", actions=["invite"])
class ClientViewSet(TrainerViewSet):
    """A trainer's clients; a practice admin's: the practice's. Lists and creates are 403 for
    anyone who is not a trainer; a client that is not the user's is a 404."""

    output_serializer = ClientSerializer
    input_serializers = {
        "create": ClientCreateInputSerializer,
        "partial_update": ClientUpdateInputSerializer,
    }
    filterset_class = ClientFilter

    def get_queryset(self) -> QuerySet:
        if self.action == "sessions":
            return sessions_for(self.request.user)
        return client_list(self.request.user)

    @extend_schema(summary="The trainer's clients", responses={200: ClientSerializer(many=True)})
    def list(self, request: Request) -> Response:
        rows = Listed(CLIENT_LIST, (request.user,))  # (get_queryset: the browsable API's forms)
        return paginated_response(self, rows, ClientSerializer, as_client_rows)

    @extend_schema(
        summary="Add a client",
        description="The client belongs to the creating trainer; a practice admin may name "
        "another trainer of the practice with `trainer`. Without `password` the client is "
        "emailed an invitation to choose their own (see `/clients/{id}/invite/`).",
        request=ClientCreateInputSerializer,
        responses={201: ClientSerializer},
    )
    def create(self, request: Request) -> Response:
        data = self.input(ClientCreateInputSerializer)
        client = client_create(actor=request.user, **data)
        if data.get("password") is None:  # they choose their own
            invitation_send(actor=request.user, user=client.user)
        return Response(
            ClientSerializer(client_detail(request.user, client.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="A client's sessions, newest first",
        parameters=[ID],
        responses={200: SessionSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filterset_class=SessionFilter)
    def sessions(self, request: Request, pk: str) -> Response:
        client = client_get(request.user, pk)
        rows = Listed(CLIENT_SESSIONS, (request.user, client.pk))
        return paginated_response(self, rows, SessionSerializer, with_entries)

    @extend_schema(
        summary="Everything recorded about a client (JSON)",
        description="The same document the client downloads from the portal and from "
        "`/api/v1/me/export/`.",
        parameters=[ID],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def export(self, request: Request, pk: str) -> HttpResponse:
        client = client_get(request.user, pk)
        return export_download(client_export(actor=request.user, client=client))

    @extend_schema(
        summary="Erase or anonymise a client (practice admins)",
        description="`erase`: the person and every record about them. `anonymise`: no name, "
        "email, username, password, notes, devices or login records; the clinical logs and "
        "flags stay for the practice's records. Answers what was removed, by kind.",
        parameters=[ID],
        request=EraseInputSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def erase(self, request: Request, pk: str) -> Response:
        client = client_get(request.user, pk)
        mode = self.input(EraseInputSerializer)["mode"]
        return Response(client_erase(actor=request.user, client=client, mode=mode))

    @extend_schema(
        summary="The client's latest invitation",
        description="404 when the client was never invited.",
        parameters=[ID],
        responses={200: InvitationSerializer},
        methods=["GET"],
    )
    @extend_schema(
        summary="Invite the client to choose their password (or invite again)",
        description="Emails a single-use link that expires after `INVITATION_DAYS` days "
        "(default 7); a pending invitation is revoked first, so only the newest link works. "
        "400 when the client has no email address, already chose a password, or is "
        "deactivated.",
        parameters=[ID],
        request=None,
        responses={201: InvitationSentSerializer},
        methods=["POST"],
    )
    @extend_schema(
        summary="Withdraw the client's pending invitation",
        description="Its link stops working. 404 when none is pending.",
        parameters=[ID],
        request=None,
        responses={204: None},
        methods=["DELETE"],
    )
    @action(
        detail=True,
        methods=["get", "post", "delete"],
        filter_backends=[],
        pagination_class=None,
        serializer_class=InvitationSerializer,
    )
    def invite(self, request: Request, pk: str) -> Response:
        client = client_get(request.user, pk)
        if request.method == "POST":
            sent = invitation_send(actor=request.user, user=client.user)
            body = {**invitation_data(sent.invitation), "url": sent.url, "emailed": sent.emailed}
            return Response(InvitationSentSerializer(body).data, status=status.HTTP_201_CREATED)
        if request.method == "DELETE":
            if not invitation_revoke(actor=request.user, user=client.user):
                raise NotFound("This client has no pending invitation.")
            return Response(status=status.HTTP_204_NO_CONTENT)
        latest = Invitation.objects.filter(user_id=client.user_id).first()
        if latest is None:
            raise NotFound("This client was never invited.")
        return Response(InvitationSerializer(invitation_data(latest)).data)

    @extend_schema(summary="One client", parameters=[ID], responses={200: ClientSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        if request.accepted_renderer.format == "api":  # the browsable API fills its edit form
            return Response(ClientSerializer(client_detail(request.user, pk)).data)  # from this
        return Response(ClientSerializer(client_row_get(request.user, pk)).data)

    @extend_schema(
        summary="Change a client's details or reassign them",
        description="Only the fields sent change. `trainer` reassigns the client: practice "
        "admins only, to a trainer of the same practice.",
        parameters=[ID],
        request=ClientUpdateInputSerializer,
        responses={200: ClientSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        client = client_get(request.user, pk)
        client_update(actor=request.user, client=client, **self.input(ClientUpdateInputSerializer))
        return Response(ClientSerializer(client_detail(request.user, pk)).data)
