"""Data rights in the API: ``/api/v1/me/export/`` for clients, and the export and erase payloads
of the trainer's client endpoints."""

from __future__ import annotations

from typing import cast

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from coaching.accounts.permissions import IsClient
from coaching.accounts.selectors import profile_of
from coaching.models import Client
from coaching.privacy.downloads import export_download
from coaching.privacy.services import ANONYMISE, ERASE, client_export


class EraseInputSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=[ERASE, ANONYMISE])


class MyExportView(APIView):
    permission_classes = [IsClient]

    @extend_schema(
        summary="Download everything recorded about me (JSON)",
        description="Profile, the trainer's notes, programs and prescriptions (ended ones too), "
        "sessions with entries and sets, check-ins, the review's flags, signed-in devices.",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> HttpResponse:
        client = cast(Client, profile_of(request.user).client)  # IsClient let only clients in
        return export_download(client_export(actor=request.user, client=client))
