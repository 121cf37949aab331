"""``/api/v1/me/preferences/``: the client's reminder settings (the portal's settings page, for
the apps)."""

from __future__ import annotations

from typing import ClassVar, cast

from drf_spectacular.utils import extend_schema, extend_schema_field
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.accounts.permissions import IsClient
from coaching.accounts.selectors import profile_of
from coaching.models import Client, PushSubscription, ReminderPreferences
from coaching.reminders import push
from coaching.reminders.services import preferences_of, preferences_update


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "18:00"}
)
class ClockField(serializers.TimeField):
    """A time of day as `HH:MM` (00:00 to 23:59), in and out."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)  # type: ignore[arg-type]


class PreferencesSerializer(serializers.ModelSerializer):
    """Times are local to ``time_zone`` (an IANA name such as `Europe/London`), `HH:MM`."""

    at = ClockField(help_text="On planned days, reminders from this time (default 18:00).")
    check_in_at = ClockField(help_text="The check-in reminder from this time (default 09:00).")
    quiet_from = ClockField(allow_null=True, help_text="Quiet hours: both ends, or neither (null).")
    quiet_until = ClockField(allow_null=True)
    push_key = serializers.SerializerMethodField(
        help_text="The server's VAPID public key (the browser's `applicationServerKey`) to "
        "subscribe a device with; null when this server does not send Web Push."
    )

    class Meta:
        model = ReminderPreferences
        fields = [
            "email", "push", "at", "check_in", "check_in_at", "time_zone", "quiet_from",
            "quiet_until", "message_email", "push_key",
        ]  # fmt: skip
        extra_kwargs = {
            "push": {"help_text": "Web Push notifications (the devices' subscriptions)."},
            "time_zone": {"help_text": "An IANA time zone, e.g. `Europe/London`."},
            "message_email": {"help_text": "An email when the care team writes (never the text)."},
        }

    def get_push_key(self, _prefs: ReminderPreferences) -> str | None:
        return push.public_key() or None


@extend_validation_errors(["invalid"], "time_zone", methods=["PUT", "PATCH"])
@extend_validation_errors(["invalid"], "quiet_from", methods=["PUT", "PATCH"])
@extend_validation_errors(["invalid"], "quiet_until", methods=["PUT", "PATCH"])
class MyPreferencesView(APIView):
    permission_classes = [IsClient]
    serializer_class = PreferencesSerializer

    @extend_schema(summary="The client's reminder settings", responses={200: PreferencesSerializer})
    def get(self, request: Request) -> Response:
        return Response(PreferencesSerializer(preferences_of(_client(request))).data)

    @extend_schema(
        summary="Change the reminder settings",
        description="Every field; see PATCH for some.",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer},
    )
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        summary="Change some reminder settings",
        description="Only the fields sent change.",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer},
    )
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        client = _client(request)
        data = PreferencesSerializer(preferences_of(client), data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        prefs = preferences_update(client=client, **data.validated_data)
        return Response(PreferencesSerializer(prefs).data)


# --- Web Push: the client's devices -------------------------------------------------------------


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=100, help_text="The device's P-256 key, base64url.")
    auth = serializers.CharField(max_length=40, help_text="The auth secret, base64url.")


class PushSubscriptionSerializer(serializers.ModelSerializer):
    """A device, as the browser's ``PushSubscription.toJSON()`` gives it (``expirationTime`` is
    accepted and ignored). The server's key to subscribe with is ``push_key`` in
    ``/me/preferences/``."""

    keys = PushKeysSerializer(write_only=True)

    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "keys", "user_agent", "created_at", "last_sent_at"]
        read_only_fields = ["user_agent", "created_at", "last_sent_at"]
        # the same endpoint again updates its device (not a uniqueness error)
        extra_kwargs: ClassVar[dict[str, dict[str, object]]] = {"endpoint": {"validators": []}}


class MyDevicesView(APIView):
    permission_classes = [IsClient]
    serializer_class = PushSubscriptionSerializer

    @extend_schema(
        summary="The client's devices that receive notifications",
        responses={200: PushSubscriptionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        devices = push.devices_of(_client(request))
        return Response(PushSubscriptionSerializer(devices, many=True).data)

    @extend_schema(
        summary="Receive notifications on this device (Web Push)",
        description="The same endpoint again updates that device (200); a new one is 201.",
        request=PushSubscriptionSerializer,
        responses={201: PushSubscriptionSerializer, 200: PushSubscriptionSerializer},
    )
    def post(self, request: Request) -> Response:
        data = PushSubscriptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        keys = data.validated_data["keys"]
        device, created = push.subscribe(
            client=_client(request),
            endpoint=data.validated_data["endpoint"],
            p256dh=keys["p256dh"],
            auth=keys["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(PushSubscriptionSerializer(device).data, status=201 if created else 200)


class MyDeviceView(APIView):
    permission_classes = [IsClient]

    @extend_schema(summary="Stop notifications on one device", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        if not push.unsubscribe(client=_client(request), pk=pk):
            raise NotFound("No such device.")
        return Response(status=204)


def _client(request: Request) -> Client:
    return cast(Client, profile_of(request.user).client)  # IsClient let only clients in
