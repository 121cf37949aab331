"""The OpenAPI schema (drf-spectacular): what it says beyond what the libraries find by
themselves, each through the libraries' extension points.

- ``AutoSchema`` (``DEFAULT_SCHEMA_CLASS``): drf-standardized-errors' schema class, with the
  error codes DRF answers where the library does not look (a ``page_size`` that is not a number,
  the codes of nested lists).
- ``DeclaredConstraints``: a drf-spectacular serializer extension adding to every serializer's
  schema what DRF checks outside a field's validators, and a serializer's
  ``schema_constraints``.
- ``truthful_schema``: a postprocessing hook (``POSTPROCESSING_HOOKS``) for what only the whole
  schema can say (empty query parameters, list positions in ``attr``, the 503)."""

from __future__ import annotations

import re
from typing import Any

import drf_standardized_errors.openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_standardized_errors.openapi_utils import InputDataField
from drf_standardized_errors.settings import package_settings
from rest_framework import serializers
from rest_framework.settings import api_settings as drf_settings

from config.api.errors import DatabaseUnavailable
from config.api.pagination import Pagination

# --- the schema class -------------------------------------------------------------------------


class AutoSchema(drf_standardized_errors.openapi.AutoSchema):
    """drf-standardized-errors' schema, with the error codes of nested serializers where DRF
    puts them. A nested list (``entries``) that is missing or null is ``required``/``null`` at
    its own name, not under ``entries.non_field_errors``; a null item of it is ``null`` at its
    position (``entries.INDEX``); and a list's ``min_length``/``max_length`` are under
    ``entries.non_field_errors``, where the library left them out. And a list that pages by
    size answers a 400 for a ``page_size`` that is not a number.

    drf-standardized-errors documents subclassing its ``AutoSchema`` and overriding its
    (underscore) methods as the way to change the error answers it documents (docs/openapi.md,
    "Already using a custom AutoSchema class" and "Custom error format"): its example
    ``_get_http400_serializer`` builds the 400 from ``_should_add_validation_error_response()``
    and ``_determine_fields_with_error_codes()``, the two overridden here, so the library's own
    400 stays and only which fields answer which codes changes."""

    def _pages_by_size(self) -> bool:
        """The operation has ``Pagination``'s ``page_size``: drf-spectacular documents the
        paginator's parameters on the operations it takes for lists (``_is_list_view``)."""
        paginator = getattr(self.view, "paginator", None)  # DRF's GenericAPIView.paginator
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


# --- what DRF checks outside the validators ---------------------------------------------------

_LISTS = (serializers.ListSerializer, serializers.ListField, serializers.ManyRelatedField)


def _declare_unchecked(
    field: serializers.Field[Any, Any, Any, Any], schema: dict[str, Any]
) -> None:
    """Add to a field's schema what DRF refuses without a validator (drf-spectacular reads
    constraints from the validators only, and had left ``entries: []`` schema-valid):

    - a list's ``min_length``, ``max_length`` and ``allow_empty=False`` (a nested ``many=True``
      serializer, a ``ListField``, a ``many=True`` related field) as ``minItems``/``maxItems``:
      DRF checks them in ``to_internal_value``;
    - a text that must not be blank, trimmed (``CharField``'s default), as a ``pattern`` asking
      for one character that is not white space: ``"  "`` is ``blank``, though ``minLength: 1``
      allows it.

    And the same for the items of a ``ListField`` and the values of a ``DictField``, which
    drf-spectacular maps (and reads the validators of) as fields of their own."""
    if schema.get("type") == "array" and isinstance(field, _LISTS):
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
    # (an item that is a serializer is a ``$ref`` to its component, mapped by this extension;
    # an item of any value is ``{}``: neither has a ``type`` to add to)
    if isinstance(field, serializers.ListField) and isinstance(schema.get("items"), dict):
        _declare_unchecked(field.child, schema["items"])
    elif isinstance(field, serializers.DictField) and isinstance(
        schema.get("additionalProperties"), dict
    ):
        _declare_unchecked(field.child, schema["additionalProperties"])


class DeclaredConstraints(OpenApiSerializerExtension):
    """Every serializer's schema as drf-spectacular maps it, plus what DRF checks outside the
    fields' validators (``_declare_unchecked``) and the serializer's ``schema_constraints``
    (``{field: {keyword: value}}``): what a service or a cross-field check refuses and the field
    cannot declare without answering differently.

    drf-spectacular's documented way to augment a serializer's schema
    (``OpenApiSerializerExtension``: "The existing implementation of ``map_serializer()`` will
    generate the same result as drf-spectacular would. Either augment or replace the generated
    schema."). It matches every ``Serializer``; its priority is below the built-in extensions'
    (-1), so a serializer that one of those maps (``PolymorphicProxySerializer``) stays theirs.
    """

    target_class = "rest_framework.serializers.Serializer"
    match_subclasses = True
    priority = -2

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        # the default ``map_serializer`` maps ``target_class`` (here the base ``Serializer``);
        # this is the same call for the serializer that matched
        schema: dict[str, Any] = auto_schema._map_serializer(
            self.target, direction, bypass_extensions=True
        )
        properties = schema.get("properties", {})
        for name, field in self.target.fields.items():
            if name in properties:
                _declare_unchecked(field, properties[name])
        for name, constraints in getattr(self.target, "schema_constraints", {}).items():
            if name in properties:
                properties[name].update(constraints)
        return schema


# --- the postprocessing hook ------------------------------------------------------------------


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
      ``prescriptions.INDEX.reps_max``, which no answer matches (and we write ``.KEY`` for a
      key of a mapping: ``answers.items.KEY``). A pattern says it (and the
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
        if any(".INDEX" in name or ".KEY" in name for name in names if isinstance(name, str)):
            patterns = [
                re.escape(name).replace("INDEX", r"\d+").replace("KEY", "[a-z0-9-]+")
                for name in names
            ]
            attr.pop("enum")
            attr["pattern"] = f"^({'|'.join(patterns)})$"
        mapping = component.get("discriminator", {}).get("mapping", {})
        if any(".INDEX" in value for value in mapping):
            del component["discriminator"]
    return result
