"""Where the handout is downloaded: the client's portal (their active program), the API for the
care team (``GET /api/v1/programs/{id}/handout.pdf``), and the admin's client page. Options:
``paper`` (``a4`` or ``letter``) and ``large`` (``1``/``true``: large print)."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.accounts.permissions import IsTrainer
from coaching.accounts.selectors import client_get
from coaching.models import Client, HandoutLink, Program
from coaching.portal.views import client_only
from coaching.programs.handout import (
    LINK_DAYS,
    LINK_DAYS_MAX,
    PAPERS,
    LinkRefused,
    Options,
    handout_by_token,
    handout_email,
    handout_name,
    handout_pdf,
    handout_revoke,
    handout_share,
)
from coaching.programs.selectors import active_program, program_detail, programs_for
from coaching.shared.selectors import one_or_404
from coaching.shared.tokens import digest

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


# --- a shared link (no sign-in) --------------------------------------------------------------------

LINK_DOWNLOADS_PER_HOUR = 20


def shared_handout_view(request: HttpRequest, token: str) -> HttpResponse:
    """A handout by its shared link: no sign-in; unknown, expired, revoked or over the hourly
    limit of downloads, the page says so."""
    key = f"handout-link:{digest(token)}:{int(time.time() // 3600)}"
    cache.add(key, 0, 3600)
    if cache.incr(key) > LINK_DOWNLOADS_PER_HOUR:
        return render(
            request,
            "portal/handout_link.html",
            {"message": "This link was opened too often in the last hour. Try again later."},
            status=429,
        )
    try:
        link = handout_by_token(token)
    except LinkRefused as refused:
        return render(
            request, "portal/handout_link.html", {"message": refused.message}, status=refused.status
        )
    program = active_program(link.program.client, with_cues=True, with_trainer=True)
    assert program is not None  # handout_by_token checked it is active
    response = pdf_response(program, options_from({}))
    response["X-Robots-Tag"] = "noindex"
    return response


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


class ShareForm(forms.Form):
    days = forms.IntegerField(
        label="Valid for (days)", min_value=1, max_value=LINK_DAYS_MAX, initial=LINK_DAYS
    )


class HandoutAdmin(admin.ModelAdmin):
    """For the client admin: ``<id>/handout/`` (the active program's handout) and
    ``<id>/handout/share/`` (email it, or share a link that needs no sign-in; revoke links)."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/handout/", view(self.handout_view), name="coaching_client_handout"),
            path(
                "<int:pk>/handout/share/",
                view(self.share_view),
                name="coaching_client_handout_share",
            ),
            *super().get_urls(),
        ]

    def share_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = client_get(request.user, pk)
        program = active_program(client)
        here = reverse("admin:coaching_client_handout_share", args=[pk])
        form = ShareForm(request.POST if request.POST.get("do") == "share" else None)
        if request.method == "POST" and program is not None:
            try:
                what = request.POST.get("do")
                if what == "email":
                    sent_to = handout_email(actor=request.user, program=program)
                    messages.success(request, f"The handout was emailed to {sent_to}.")
                elif what == "revoke":
                    link = get_object_or_404(
                        HandoutLink, pk=request.POST.get("link"), program=program
                    )
                    handout_revoke(actor=request.user, link=link)
                    messages.success(request, "The link was withdrawn: it opens nothing now.")
                elif form.is_valid():
                    _, url = handout_share(
                        actor=request.user, program=program, days=form.cleaned_data["days"]
                    )
                    messages.success(request, f"New link (shown once; copy it now): {url}")
                if what != "share" or form.is_valid():
                    return HttpResponseRedirect(here)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return HttpResponseRedirect(here)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": f"Share the handout of {client.user}",
            "client": client,
            "program": program,
            "links": program.handout_links.all() if program else [],
            "now": timezone.now(),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/coaching/client/handout_share.html", context)

    def handout_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            return client_handout(client_get(request.user, pk), request.GET)
        except ValidationError as exc:
            raise Http404(" ".join(exc.messages)) from exc


# --- sharing through the API ---------------------------------------------------------------------


class HandoutLinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="The link (only in the answer that made it: only its digest is stored)."
    )

    class Meta:
        model = HandoutLink
        fields = ["id", "url", "created_at", "expires_at", "revoked_at", "downloads"]

    def get_url(self, link: HandoutLink) -> str | None:
        return self.context.get("urls", {}).get(link.pk)


class ShareInputSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=LINK_DAYS_MAX, default=LINK_DAYS,
        help_text="How long the link works (default 14 days).",
    )  # fmt: skip


class _ProgramAction(APIView):
    permission_classes = [IsTrainer]
    detail = True  # names a program: 404 for people who are not trainers

    def program(self, request: Request, pk: int) -> Program:
        return one_or_404(programs_for(request.user), pk, "program")


class ProgramHandoutLinksView(_ProgramAction):
    @extend_schema(
        summary="The program's shared handout links",
        responses={200: HandoutLinkSerializer(many=True)},
    )
    def get(self, request: Request, pk: int) -> Response:
        links = self.program(request, pk).handout_links.all()
        return Response(HandoutLinkSerializer(links, many=True).data)

    @extend_schema(
        summary="Share the handout by a link that needs no sign-in",
        request=ShareInputSerializer,
        responses={201: HandoutLinkSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        program = self.program(request, pk)
        data = ShareInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link, url = handout_share(actor=request.user, program=program, **data.validated_data)
        answer = HandoutLinkSerializer(link, context={"urls": {link.pk: url}})
        return Response(answer.data, status=201)


class HandoutLinkView(APIView):
    permission_classes = [IsTrainer]
    detail = True

    @extend_schema(summary="Withdraw a shared handout link", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        links = HandoutLink.objects.filter(program__in=programs_for(request.user))
        handout_revoke(actor=request.user, link=one_or_404(links, pk, "link"))
        return Response(status=204)


@extend_validation_errors(["invalid"], "non_field_errors", methods=["POST"])
class ProgramHandoutEmailView(_ProgramAction):
    @extend_schema(
        summary="Email the handout to the client (attached)",
        request=None,
        responses={200: inline_serializer("HandoutEmailed", {"sent_to": serializers.EmailField()})},
    )
    def post(self, request: Request, pk: int) -> Response:
        sent_to = handout_email(actor=request.user, program=self.program(request, pk))
        return Response({"sent_to": sent_to})
