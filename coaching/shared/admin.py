"""What the coaching admin pages share: the viewer's role (superuser, practice admin), ordering a
selector's queryset as the admin would, columns (dates, links, no-wrap) and the base classes
(a read-only admin, the trainer filter). The admin whose saves go through services is in
``service_admin``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from coaching.accounts.selectors import profile_of, trainers_for

M = TypeVar("M", bound=Model)


# what get_list_display answers: field names and admin callables
ListDisplay = list[str | Callable[[Any], str | bool]]


def is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def manages_trainers(request: HttpRequest) -> bool:
    """Superusers and practice admins see (and choose between) several trainers."""
    return is_superuser(request) or profile_of(request.user).is_practice_admin


def ordered(model_admin: admin.ModelAdmin, request: HttpRequest, qs: QuerySet) -> QuerySet:
    """What ``ModelAdmin.get_queryset`` adds to a queryset: the admin's ordering."""
    ordering = model_admin.get_ordering(request)
    return qs.order_by(*ordering) if ordering else qs


def without_related_buttons(formfield: Any) -> Any:
    """No add / change / delete / view buttons beside a picker: they open other admin pages
    (a template's delete page beside the template picker!) in the middle of a form."""
    widget = getattr(formfield, "widget", None)
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget.can_add_related = widget.can_change_related = False
        widget.can_delete_related = widget.can_view_related = False
    return formfield


def short_date(value: Any) -> str:
    return value.strftime("%-d %b %Y") if value else ""


def nowrap(text: str) -> str:
    return format_html('<span style="white-space: nowrap">{}</span>', text)


def admin_link(url_name: str, pk: object, text: object) -> str:
    return format_html('<a href="{}">{}</a>', admin_url(url_name, pk), text)


class TrainerFilter(admin.SimpleListFilter):
    """By trainer, offering only the trainers the viewer may see (``trainers_for``)."""

    title = "trainer"
    parameter_name = "trainer"
    field_path = "trainer"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [(str(t.pk), str(t)) for t in trainers_for(request.user)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{self.field_path: int(value)})
        return queryset


def admin_url(name: str, pk: object = None) -> str:
    """``reverse(name, args=[pk])`` (or without ``pk``) for the admin's pages: the same URL,
    made from the pattern reversed once per script prefix (a changelist links every row to
    several pages); a key that is not a whole number is reversed as before."""
    if pk is not None and (not isinstance(pk, int) or isinstance(pk, bool)):
        return reverse(name, args=[pk])
    key = (name, pk is None, get_script_prefix())
    pattern = _URLS.get(key)
    if pattern is None:
        pattern = _URLS[key] = reverse(name) if pk is None else reverse(name, args=[_PK])
    return pattern if pk is None else pattern.replace(_PK, str(pk), 1)


def change_url(name: str, pk: object) -> str:
    """The admin's page of one row: ``change_url("coaching_client", 52)``."""
    return admin_url(f"admin:{name}_change", pk)


_PK = "9081726354453627"  # (reversed in its place: a number every id pattern takes)
_URLS: dict[tuple[str, bool, str], str] = {}


class FastChangeList(ChangeList):
    """The changelist with each row's link from ``change_url`` and, when the admin names them
    in ``list_defer``, without the columns no column of the list shows (they load if read)."""

    def url_for_result(self, result: Model) -> str:
        if self.model_admin.admin_site.name != "admin":
            return str(super().url_for_result(result))
        return change_url(f"{self.opts.app_label}_{self.opts.model_name}", result.pk)

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Any]:
        queryset = super().get_queryset(request, exclude_parameters)
        deferred = getattr(self.model_admin, "list_defer", ())
        return queryset.defer(*deferred) if deferred else queryset


class ListAdmin(admin.ModelAdmin):
    """Django's ModelAdmin with the changelist's row checkbox written directly: the same HTML as
    ``ModelAdmin.action_checkbox``, which renders a form widget through the template engine for
    every row (a fifth of a trainer's client list's CPU in a profile); each row's link made
    without reversing a URL, and the columns of ``list_defer`` left out (``FastChangeList``)."""

    list_defer: tuple[str, ...] = ()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return FastChangeList

    def action_checkbox(self, obj: Model) -> SafeString:
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


class ReadOnlyAdmin(ListAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
