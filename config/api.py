"""API plumbing shared by every app: the v1 router, pagination, and the lockout answer."""

from __future__ import annotations

import drf_standardized_errors.handler
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.serializers import as_serializer_error


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (up to 1,000, so a device can sync the catalogue at once)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """django-axes calls this once a login is locked out: the API's error envelope for API
    requests, the portal's page for everything else. 429 either way."""
    message = (
        "Too many failed sign-in attempts. Wait 15 minutes and try again, or reset your password."
    )
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "type": "client_error",
                "errors": [{"code": "locked_out", "detail": message, "attr": None}],
            },
            status=429,
        )
    return render(request, "portal/locked_out.html", {"message": message}, status=429)


class ExceptionHandler(drf_standardized_errors.handler.ExceptionHandler):
    """The one error envelope, also for the services' Django ``ValidationError``: a view calls
    a service and a refusal becomes a 400 with the service's field messages."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(as_serializer_error(exc))
        return super().convert_known_exceptions(exc)
