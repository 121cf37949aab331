"""Pagination of every list of the API (``DEFAULT_PAGINATION_CLASS``) and the one helper a view
answers a page of rows with.

This module must not import DRF's generic views at run time: they read
``DEFAULT_PAGINATION_CLASS`` (this module's ``Pagination``) while they load."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

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
    queryset: QuerySet[Any],
    serializer_class: type[BaseSerializer[Any]],
    complete: Callable[[list[Any]], list[Any]] | None = None,
) -> Response:
    """One page of ``queryset``, after the view's filters (``?since=``, …), each row presented
    by ``serializer_class``, in the paginator's envelope (``count``, ``next``, ``previous``,
    ``results``). ``complete`` adds to a page of plain rows what their serializer nests (their
    entries, …) in a constant number of queries."""
    rows = view.paginate_queryset(view.filter_queryset(queryset))
    if complete is not None and rows:
        rows = complete(rows)
    return view.get_paginated_response(serializer_class(rows, many=True).data)
