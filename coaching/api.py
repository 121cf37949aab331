"""Sign-in for the mobile apps and ``/api/v1/me/``."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.selectors import user_role


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=512, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField()


class TokenView(APIView):
    """Sign in with a username and password and receive a token for this device.

    Tokens are stored hashed and expire; each device signs in on its own. After repeated
    failures the username is locked out from this address for a while (HTTP 429)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={201: TokenResponseSerializer},
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
        request._auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField(help_text="What this person does on the platform.")


class MeView(APIView):
    @extend_schema(
        responses={200: MeSerializer},
        summary="The signed-in person and their role",
    )
    def get(self, request: Request) -> Response:
        user = request.user
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
