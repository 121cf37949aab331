"""The API's one error envelope (``{"type", "errors": [{"code", "detail", "attr"}]}``): DRF's
exception handler (``DRF_STANDARDIZED_ERRORS["EXCEPTION_HANDLER_CLASS"]``), the answers given
before DRF runs (``error_response``: ``handler404``, django-axes' lockout, the body size limit),
and the envelope of one code for the schema (``error_envelope``)."""

from __future__ import annotations

from typing import Any

import drf_standardized_errors.handler
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from drf_spectacular.utils import inline_serializer
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import exceptions, serializers
from rest_framework.serializers import as_serializer_error


def error_response(status: int, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    """The API's error envelope, for answers given before DRF runs."""
    return JsonResponse(
        {"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": attr}]},
        status=status,
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes calls this once a login is locked out (``AXES_LOCKOUT_CALLABLE``): the API's
    error envelope for API requests, the portal's page for everything else. 429 either way."""
    message = (
        "Too many failed sign-in attempts. Wait 15 minutes and try again, or reset your password."
    )
    if request.path.startswith("/api/"):
        return error_response(429, "locked_out", message)
    return render(request, "portal/locked_out.html", {"message": message}, status=429)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: the API's error envelope under ``/api/``, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "Not found.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Exception("Not found"))


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


def error_envelope(name: str, code: str) -> serializers.Serializer[Any]:
    """The error envelope with one code, for the schema: an answer that drf-standardized-errors
    does not document by itself (a view's own 409, the sign-in lockout's 429)."""
    return inline_serializer(
        name,
        fields={
            "type": serializers.ChoiceField(choices=ClientErrorEnum.choices),
            "errors": inline_serializer(
                f"{name}Error",
                many=True,
                fields={
                    "code": serializers.ChoiceField(choices=[(code, code)]),
                    "detail": serializers.CharField(),
                    "attr": serializers.CharField(allow_null=True),
                },
            ),
        },
    )
