"""Where the handout is downloaded: the client's portal (their active program), the API for the
care team (``GET /api/v1/programs/{id}/handout.pdf``), and the admin's client page. Options:
``paper`` (``a4`` or ``letter``) and ``large`` (``1``/``true``: large print)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from coaching.accounts.permissions import IsTrainer
from coaching.accounts.selectors import client_get
from coaching.models import Client, Program
from coaching.portal.views import client_only
from coaching.programs.handout import PAPERS, Options, handout_name, handout_pdf
from coaching.programs.selectors import active_program, program_detail

TRUE = {"1", "true", "yes", "on"}


def options_from(query: Any) -> Options:
    """The handout's options from a query string; a bad ``paper`` or ``large`` is refused
    naming it."""
    paper = (query.get("paper") or "a4").lower()
    if paper not in PAPERS:
        raise ValidationError({"paper": "Either a4 or letter."})
    large = (query.get("large") or "").lower()
    if large and large not in TRUE | {"0", "false", "no", "off"}:
        raise ValidationError({"large": "Either 1 (large print) or 0."})
    return Options(paper=paper, large=large in TRUE)


def pdf_response(program: Program, options: Options) -> HttpResponse:
    response = HttpResponse(handout_pdf(program, options), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{handout_name(program)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def client_handout(client: Client, query: Any) -> HttpResponse:
    """The handout of the client's active program (``Http404`` without one; ``ValidationError``
    for bad options)."""
    program = active_program(client, with_cues=True, with_trainer=True)
    if program is None:
        raise Http404("No active program.")
    return pdf_response(program, options_from(query))


# --- the portal -------------------------------------------------------------------------------


@client_only
def my_handout_view(request: HttpRequest, client: Client) -> HttpResponse:
    try:
        return client_handout(client, request.GET)
    except ValidationError as exc:
        return render(request, "portal/handout_error.html", {"errors": exc.messages}, status=400)


# --- the API ------------------------------------------------------------------------------------


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data


@extend_validation_errors(["invalid"], "paper", methods=["GET"])
@extend_validation_errors(["invalid"], "large", methods=["GET"])
class ProgramHandoutView(APIView):
    permission_classes = [IsTrainer]
    renderer_classes = [JSONRenderer, PDFRenderer]
    detail = True  # names a program: 404 for people who are not trainers

    @extend_schema(
        summary="The program as a printable PDF handout",
        description="Its exercises with dose, cues and stop signals, the pain zones, the "
        "red-flag advice, a blank log grid for the next four weeks and a QR code to the portal.",
        parameters=[
            OpenApiParameter("paper", str, enum=list(PAPERS), description="a4 (default) or letter"),
            OpenApiParameter("large", bool, description="Large print"),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        program = program_detail(request.user, pk)
        try:
            options = options_from(request.query_params)
        except ValidationError as exc:
            raise ApiValidationError(exc.message_dict) from exc
        return pdf_response(program, options)

    def handle_exception(self, exc: Exception) -> Any:
        # errors are the API's JSON envelope whatever the client accepts
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)


# --- the admin's client page ---------------------------------------------------------------------


class HandoutAdmin(admin.ModelAdmin):
    """For the client admin: ``<id>/handout/`` (the active program's handout)."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/handout/", view(self.handout_view), name="coaching_client_handout"),
            *super().get_urls(),
        ]

    def handout_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            return client_handout(client_get(request.user, pk), request.GET)
        except ValidationError as exc:
            raise Http404(" ".join(exc.messages)) from exc
