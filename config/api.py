"""API plumbing shared by every app: the v1 router, pagination, and the lockout answer."""

from __future__ import annotations

from collections.abc import Callable

import drf_standardized_errors.handler
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
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
        return error_response(429, "locked_out", message)
    return render(request, "portal/locked_out.html", {"message": message}, status=429)


def error_response(status: int, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    """The API's error envelope, for answers given before DRF runs."""
    return JsonResponse(
        {"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": attr}]},
        status=status,
    )


class BodySizeLimitMiddleware:
    """Refuse an API request whose body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` before anything
    reads it. Django checks the limit for form posts only; DRF's parsers read the stream past
    it. A 400, as Django answers an oversized form post, in the API's envelope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return error_response(
                    400,
                    "request_too_large",
                    f"The request body is {length} bytes; the limit is {limit} bytes.",
                )
        return self.get_response(request)


class ExceptionHandler(drf_standardized_errors.handler.ExceptionHandler):
    """The one error envelope, also for the services' Django ``ValidationError``: a view calls
    a service and a refusal becomes a 400 with the service's field messages."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(as_serializer_error(exc))
        if isinstance(exc, OperationalError | InterfaceError):
            # the database went away mid-request: nothing was committed; say so and when to
            # retry (with the same Idempotency-Key, a retry stores the record once)
            return DatabaseUnavailable()
        return super().convert_known_exceptions(exc)


class DatabaseUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = (
        "The service is briefly unavailable; nothing was saved. Retry in a few seconds."
    )
    default_code = "service_unavailable"
    wait = 5  # seconds: the Retry-After header
