"""Pagination of every list of the API (``DEFAULT_PAGINATION_CLASS``) and the one helper a view
answers a page of rows with.

This module must not import DRF's generic views at run time: they read
``DEFAULT_PAGINATION_CLASS`` (this module's ``Pagination``) while they load."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from config.prepared import Listing, PreparedList

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.generics import GenericAPIView
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.serializers import BaseSerializer


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


def paginated_response(
    view: GenericAPIView[Any],
    queryset: QuerySet[Any] | Listed,
    serializer_class: type[BaseSerializer[Any]],
    complete: Callable[[list[Any]], list[Any]] | None = None,
) -> Response:
    """One page of ``queryset``, after the view's filters (``?since=``, …), each row presented
    by ``serializer_class``, in the paginator's envelope (``count``, ``next``, ``previous``,
    ``results``). ``complete`` adds to a page of plain rows what their serializer nests (their
    entries, …) in a constant number of queries.

    A ``Listed`` (a prepared list selector and its arguments, ``config.prepared.Listing``) is
    counted and paged by its prepared SQL when the request's filters are among the view's
    ``prepared_filters`` (values the SQL takes as they are: choices, ids); with others (a
    search, a date) it is built and filtered as a queryset, as before."""
    if isinstance(queryset, Listed):
        object_list: Any = queryset.prepared(view)
        if object_list is None:
            object_list = view.filter_queryset(queryset.listing.base(*queryset.args))
    else:
        object_list = view.filter_queryset(queryset)
    rows = view.paginate_queryset(object_list)
    if complete is not None and rows:
        rows = complete(rows)
    return view.get_paginated_response(serializer_class(rows, many=True).data)


@dataclass(frozen=True)
class Listed:
    """A list selector prepared (``Listing``) and the arguments of one request (who asks, …)."""

    listing: Listing
    args: tuple[Any, ...]

    def prepared(self, view: GenericAPIView[Any]) -> PreparedList | None:
        """The page source of the prepared read for this request's filters, or None."""
        from django_filters import utils
        from django_filters.constants import EMPTY_VALUES
        from django_filters.rest_framework import DjangoFilterBackend

        backends = list(view.filter_backends)
        filterset_class: Any = getattr(view, "filterset_class", None)
        if backends and (backends != [DjangoFilterBackend] or filterset_class is None):
            return None
        params = view.request.query_params
        names = [n for n in filterset_class.base_filters if n in params] if backends else []
        if any(name not in getattr(view, "prepared_filters", ()) for name in names):
            return None
        values: list[tuple[str, Any]] = []
        if names:
            filterset = filterset_class(data=params, queryset=None, request=view.request)
            if not filterset.is_valid():
                raise utils.translate_validation(filterset.errors)
            cleaned = filterset.form.cleaned_data
            values = [(n, cleaned[n]) for n in names if cleaned.get(n) not in EMPTY_VALUES]
        read = self.listing.read(filterset_class, tuple(n for n, _ in values))
        return PreparedList(read, (*self.args, *(value for _, value in values)))
