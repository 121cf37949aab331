"""Middleware of the API: an oversized request body is refused before anything reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.api.errors import error_response


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
