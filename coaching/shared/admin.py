"""What the coaching admin pages share: the viewer's role (superuser, practice admin), ordering a
selector's queryset as the admin would, columns (dates, links, no-wrap) and the base classes
(a read-only admin, the trainer filter, the admin whose saves go through services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from coaching.accounts.selectors import profile_of, trainers_for
from coaching.shared.forms import with_service_error

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


def adopt(target: Model, saved: Model) -> None:
    """Make the admin's unsaved form instance the row a service wrote, so that the admin's log
    entry and redirect name the right object."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db
    target._state.fields_cache = dict(saved._state.fields_cache)


def record(
    formset: BaseInlineFormSet,
    new: list[M] | None = None,
    changed: list[tuple[M, list[str]]] | None = None,
    deleted: list[M] | None = None,
) -> None:
    """What ``formset.save()`` would leave behind for the admin's change message."""
    formset.new_objects = new or []
    formset.changed_objects = changed or []
    formset.deleted_objects = deleted or []


def marked_for_deletion(formset: BaseInlineFormSet, form: ModelForm) -> bool:
    """The formset's own reading of a row's delete box (Django's ``_should_delete_form``,
    private, so the stubs leave it out)."""
    return bool(formset._should_delete_form(form))  # type: ignore[attr-defined]


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
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[pk]), text)


class ServiceAdmin(admin.ModelAdmin):
    """A model admin whose saves call services. A ``ValidationError`` from a service rolls the
    whole request back (the admin wraps it in a transaction); the form is then validated once
    more with the service's errors added, so the page comes back as for any invalid form, with
    what was typed kept."""

    add_form: type[ModelForm] | None = None

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST" or hasattr(request, "_service_error"):
                raise
            request._service_error = exc  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        if obj is None and self.add_form is not None:
            kwargs.setdefault("form", self.add_form)
        form = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, "_service_error", None)
        return with_service_error(form, error) if error is not None else form

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return without_related_buttons(super().formfield_for_dbfield(db_field, request, **kwargs))

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        """Nothing here: the services write, in ``save_related`` (they need the inlines)."""

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list, change: bool
    ) -> None:
        for formset in formsets:
            record(formset)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False


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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
