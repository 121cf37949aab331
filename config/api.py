"""API plumbing shared by every app: the v1 router, pagination, and the lockout answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import django_filters
import drf_standardized_errors.handler
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import inline_serializer
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from drf_standardized_errors.settings import package_settings
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings as drf_settings


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (up to 1,000, so a device can sync the catalogue at once)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request: Request) -> int | None:
        """As DRF's (0 or less is the default size, more than 1,000 is 1,000), except that a
        ``page_size`` that is not a whole number is a 400 naming it, not silently ignored."""
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw.strip():
            try:
                int(raw)
            except ValueError as exc:
                raise exceptions.ValidationError(
                    {self.page_size_query_param: ["A whole number, up to 1000."]}
                ) from exc
        return super().get_page_size(request)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
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


# --- times ------------------------------------------------------------------------------------

_OFFSET_WITH_SECONDS = re.compile(r"[+-]\d\d:\d\d:\d\d(\.\d+)?$")


class DateTimeField(serializers.DateTimeField):
    """DRF's output, in the server's time zone as everywhere, except for a time whose offset
    there is not whole minutes (London before 1847 is ``-00:01:15``): ``…-00:01:15`` is not an
    RFC 3339 time, so such a time is given in UTC. For times a client sends (``performed_at``
    may be any time in the past), not only the server's own."""

    def to_representation(self, value: datetime) -> str:
        text = super().to_representation(value)
        if isinstance(value, datetime) and text and _OFFSET_WITH_SECONDS.search(text):
            return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return text


# --- query parameters -------------------------------------------------------------------------


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, converted to UTC. Python accepts any offset under 24 hours, PostgreSQL
    only up to ±15:59 (a ``since`` of ``…-20:58`` was a 500); and a time that UTC cannot hold
    (year 1 with a positive offset, year 9999 with a negative one) is a 400, not a 500."""

    def to_python(self, value: object) -> datetime | None:
        parsed: datetime | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``since``, ``performed_after``, …: an ISO 8601 time (any offset), compared in UTC."""

    field_class = UtcIsoDateTimeField


# --- the OpenAPI schema -----------------------------------------------------------------------


ERROR_503_SCHEMAS = {
    "Error503": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": [DatabaseUnavailable.default_code]},
            "detail": {"type": "string"},
            "attr": {"type": "string", "nullable": True},
        },
        "required": ["code", "detail", "attr"],
    },
    "ErrorResponse503": {
        "type": "object",
        "properties": {
            "type": {"$ref": "#/components/schemas/ServerErrorEnum"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error503"}},
        },
        "required": ["type", "errors"],
    },
}
DATABASE_UNAVAILABLE = {
    "description": "The database went away: nothing was saved. Retry after `Retry-After` "
    "seconds (with the same `Idempotency-Key`, a retried log is stored once).",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse503"}}},
}


def truthful_schema(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (after drf-standardized-errors' own): what the
    generated schema says differently from what the API answers.

    - An empty query parameter (``?since=``) is the same as none: django-filter and the
      pagination ignore it. ``allowEmptyValue`` says so.
    - A field of a list in a request body is named with its position in an error's ``attr``
      (``prescriptions.0.reps_max``); drf-standardized-errors writes the placeholder
      ``prescriptions.INDEX.reps_max``, which no answer matches. A pattern says it (and the
      ``attr`` discriminator, which cannot hold a pattern, goes: ``oneOf`` still says it).
    - Any operation answers 503 with ``Retry-After`` when the database goes away mid-request
      (``DatabaseUnavailable``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
            operation.get("responses", {}).setdefault("503", DATABASE_UNAVAILABLE)
    schemas.update(ERROR_503_SCHEMAS)
    for component in schemas.values():
        attr = component.get("properties", {}).get("attr")
        names = attr.get("enum", []) if isinstance(attr, dict) else []
        if any(".INDEX" in name for name in names if isinstance(name, str)):
            patterns = [re.escape(name).replace("INDEX", r"\d+") for name in names]
            attr.pop("enum")
            attr["pattern"] = f"^({'|'.join(patterns)})$"
        mapping = component.get("discriminator", {}).get("mapping", {})
        if any(".INDEX" in value for value in mapping):
            del component["discriminator"]
    return result


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


def __getattr__(name: str) -> Any:
    """``config.api.AutoSchema`` (``DEFAULT_SCHEMA_CLASS``), made on first use: its base class
    imports DRF's generic views, which read ``DEFAULT_PAGINATION_CLASS`` (``Pagination``, in
    this module) as they load, so it cannot be made while this module loads."""
    if name != "AutoSchema":
        raise AttributeError(name)
    import drf_standardized_errors.openapi
    from drf_standardized_errors.openapi_utils import InputDataField

    class AutoSchema(drf_standardized_errors.openapi.AutoSchema):
        """drf-standardized-errors' schema, with the error codes of nested serializers where DRF
        puts them. A nested list (``entries``) that is missing or null is ``required``/``null``
        at its own name, not under ``entries.non_field_errors``; a null item of it is ``null`` at
        its position (``entries.INDEX``); and a list's ``min_length``/``max_length`` are under
        ``entries.non_field_errors``, where the library left them out.

        And the constraints that DRF checks outside a field's validators, which drf-spectacular
        reads from the validators only (see ``_insert_field_validators``), plus a serializer's
        ``schema_constraints``: what a service refuses and no field can say (see
        ``_map_basic_serializer``)."""

        def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
            """drf-spectacular's, and:

            - a list's ``min_length``, ``max_length`` and ``allow_empty=False`` (a nested
              ``many=True`` serializer, a ``ListField``, a ``many=True`` related field) as
              ``minItems``/``maxItems``: DRF checks them in ``to_internal_value``, not with
              validators, so drf-spectacular left them out (``entries: []`` was schema-valid);
            - a text that must not be blank, trimmed (``CharField``'s default), as a
              ``pattern`` asking for one character that is not white space: ``"  "`` is
              ``blank``, though ``minLength: 1`` allows it."""
            super()._insert_field_validators(field, schema)
            if schema.get("type") == "array" and isinstance(
                field,
                serializers.ListSerializer | serializers.ListField | serializers.ManyRelatedField,
            ):
                least = getattr(field, "min_length", None) or 0
                if not getattr(field, "allow_empty", True):
                    least = max(least, 1)
                if least:
                    schema["minItems"] = max(schema.get("minItems", 0), least)
                most = getattr(field, "max_length", None)
                if most is not None:
                    schema["maxItems"] = min(schema.get("maxItems", most), most)
            if (
                isinstance(field, serializers.CharField)
                and field.trim_whitespace
                and not field.allow_blank
                and schema.get("type") == "string"
                and schema.get("minLength")  # a request: blank is refused on the way in only
                and not {"pattern", "format", "enum"} & schema.keys()
            ):
                schema["pattern"] = r"\S"

        def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
            """drf-spectacular's, with the serializer's ``schema_constraints`` (``{field:
            {keyword: value}}``) added to its fields: what a service or a cross-field check
            refuses and the field cannot declare without answering differently."""
            schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
            properties = schema.get("properties", {})
            for name, constraints in getattr(serializer, "schema_constraints", {}).items():
                if name in properties:
                    properties[name].update(constraints)
            return schema

        def _pages_by_size(self) -> bool:
            paginator = self._get_paginator()
            return isinstance(paginator, Pagination) and self._is_list_view()

        def _should_add_validation_error_response(self) -> bool:
            return self._pages_by_size() or super()._should_add_validation_error_response()

        def _determine_fields_with_error_codes(self) -> list[InputDataField]:
            fields = super()._determine_fields_with_error_codes()
            if self._pages_by_size():  # a page_size that is not a number
                return [*fields, InputDataField("page_size", serializers.Field(), {"invalid"})]
            if self.method not in ("PUT", "PATCH", "POST"):
                return fields
            suffix = f".{drf_settings.NON_FIELD_ERRORS_KEY}"
            moved: dict[str, set[str]] = {}
            for data_field in fields:
                if not data_field.name.endswith(suffix):
                    continue  # a plain field, or the body's own non_field_errors
                parent = data_field.name.removesuffix(suffix)
                codes = data_field.error_codes & {"required", "null"}
                data_field.error_codes -= codes
                if parent.endswith(f".{package_settings.LIST_INDEX_IN_API_SCHEMA}"):
                    codes.discard("required")  # an item of a list is never missing
                moved.setdefault(parent, set()).update(codes)
                if isinstance(data_field.field, serializers.ListSerializer):
                    for code in ("min_length", "max_length"):
                        if getattr(data_field.field, code, None) is not None:
                            data_field.error_codes.add(code)
            by_name = {data_field.name: data_field for data_field in fields}
            for name, codes in moved.items():
                if name in by_name:
                    by_name[name].error_codes.update(codes)
                elif codes:
                    fields.append(InputDataField(name, serializers.Field(), codes))
            return [data_field for data_field in fields if data_field.error_codes]

    globals()["AutoSchema"] = AutoSchema
    return AutoSchema


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: the API's error envelope under ``/api/``, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "Not found.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Exception("Not found"))
