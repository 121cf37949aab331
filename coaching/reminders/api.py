"""``/api/v1/me/preferences/``: the client's reminder settings (the portal's settings page, for
the apps)."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema, extend_schema_field
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.accounts.permissions import IsClient
from coaching.accounts.selectors import profile_of
from coaching.models import Client, ReminderPreferences
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

    class Meta:
        model = ReminderPreferences
        fields = [
            "email", "push", "at", "check_in", "check_in_at", "time_zone", "quiet_from",
            "quiet_until",
        ]  # fmt: skip
        extra_kwargs = {
            "push": {"help_text": "Web Push notifications (the devices' subscriptions)."},
            "time_zone": {"help_text": "An IANA time zone, e.g. `Europe/London`."},
        }


@extend_validation_errors(["invalid"], "time_zone", methods=["PUT", "PATCH"])
@extend_validation_errors(["invalid"], "quiet_from", methods=["PUT", "PATCH"])
@extend_validation_errors(["invalid"], "quiet_until", methods=["PUT", "PATCH"])
class MyPreferencesView(APIView):
    permission_classes = [IsClient]
    serializer_class = PreferencesSerializer

    @extend_schema(summary="The client's reminder settings", responses={200: PreferencesSerializer})
    def get(self, request: Request) -> Response:
        return Response(PreferencesSerializer(preferences_of(self._client(request))).data)

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

    def _client(self, request: Request) -> Client:
        return cast(Client, profile_of(request.user).client)  # IsClient let only clients in

    def _update(self, request: Request, *, partial: bool) -> Response:
        client = self._client(request)
        data = PreferencesSerializer(preferences_of(client), data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        prefs = preferences_update(client=client, **data.validated_data)
        return Response(PreferencesSerializer(prefs).data)
