"""The admin whose saves go through services (clients, programs, templates).

Django's change form saves the model, then each inline, one after the other; our services save
an edit as a whole (a program with its exercises) and may refuse it. So a POST to the add or
change page is handled here, with the admin's public hooks only: the form and the editable
inline formsets are validated, their cleaned values go to one ``save_with_service`` call, and a
refusal (``ValidationError``) comes back on the same page, through the one error mapper
(``coaching.shared.forms.add_service_error``), with what was typed kept. The request runs in one
transaction, so a refusal leaves nothing behind. GET is Django's own view."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Model
from django.forms import BaseForm, BaseFormSet, BaseModelFormSet, Form, ModelForm, all_valid
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import override as translation_override

from coaching.shared.admin import ListAdmin, without_related_buttons
from coaching.shared.forms import add_service_error


class ServiceAdmin(ListAdmin):
    """Subclasses say how an edit is saved (``save_with_service``); deleting is off unless a
    subclass allows it (through a service too)."""

    add_form: type[ModelForm] | None = None

    def save_with_service(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> Model:
        """Save the edit through the services and return the saved object; raise the service's
        ``ValidationError`` to refuse it."""
        raise NotImplementedError

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        if obj is None and self.add_form is not None:
            kwargs.setdefault("form", self.add_form)
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return without_related_buttons(super().formfield_for_dbfield(db_field, request, **kwargs))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            return self._post(request, object_id, form_url, extra_context)

    def _post(
        self,
        request: HttpRequest,
        object_id: str | None,
        form_url: str,
        extra_context: dict[str, Any] | None,
    ) -> HttpResponse:
        add = object_id is None
        obj = None if object_id is None else self.get_object(request, unquote(object_id))
        if add and not self.has_add_permission(request):
            raise PermissionDenied
        if not add:
            if obj is None:  # Django's answer: back to the list, saying it does not exist
                return super().changeform_view(request, object_id, form_url, extra_context)
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
        fieldsets = self.get_fieldsets(request, obj)
        form_class = self.get_form(
            request, obj, change=not add, fields=flatten_fieldsets(fieldsets)
        )
        form = form_class(request.POST, request.FILES, instance=obj)
        formsets, inlines = self._formsets(request, obj, form.instance)
        edited = [fs for fs in formsets if fs.is_bound]
        form_valid = form.is_valid()
        valid = all_valid(edited) and form_valid  # every formset validated: all errors shown
        if valid:
            try:
                saved = self.save_with_service(request, form, edited, not add)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                message = self.construct_change_message(request, cast(Form, form), edited, add)
                if add:
                    self.log_addition(request, saved, message)
                    return self.response_add(request, saved)
                self.log_change(request, saved, message)
                return self.response_change(request, saved)
        return self._again(
            request, form, formsets, inlines, obj, fieldsets, form_url, extra_context
        )

    def _formsets(
        self, request: HttpRequest, obj: Model | None, parent: Model
    ) -> tuple[list[BaseFormSet], list[admin.options.InlineModelAdmin]]:
        """The inlines' formsets, as Django makes them; a read-only inline's formset is
        unbound (it only shows rows, and nothing of it is posted)."""
        formsets: list[BaseFormSet] = []
        inlines: list[admin.options.InlineModelAdmin] = []
        prefixes: dict[str, int] = {}
        args = [request] if obj is None else [request, obj]
        for formset_class, inline in self.get_formsets_with_inlines(*args):
            prefix = formset_class.get_default_prefix()
            prefixes[prefix] = prefixes.get(prefix, 0) + 1
            if prefixes[prefix] != 1 or not prefix:
                prefix = f"{prefix}-{prefixes[prefix]}"
            kwargs = self.get_formset_kwargs(request, parent, inline, prefix)
            if not (
                inline.has_change_permission(request, obj)
                or inline.has_add_permission(request, obj)
            ):
                kwargs = {k: v for k, v in kwargs.items() if k not in ("data", "files")}
            formsets.append(formset_class(**kwargs))
            inlines.append(inline)
        return formsets, inlines

    def _again(
        self,
        request: HttpRequest,
        form: ModelForm,
        formsets: list[BaseFormSet],
        inlines: list[admin.options.InlineModelAdmin],
        obj: Model | None,
        fieldsets: Any,
        form_url: str,
        extra_context: dict[str, Any] | None,
    ) -> HttpResponse:
        """The page again with the form's, the rows' and the service's errors."""
        add = obj is None
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        media = self.media + admin_form.media
        inline_formsets = self.get_inline_formsets(request, formsets, inlines, obj)
        for inline_formset in inline_formsets:
            media += inline_formset.media
        context = {
            **self.admin_site.each_context(request),
            "title": (_("Add %s") if add else _("Change %s")) % self.opts.verbose_name,
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": None if obj is None else obj.pk,
            "original": obj,
            "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
            "to_field": None,
            "media": media,
            "inline_admin_formsets": inline_formsets,
            "errors": helpers.AdminErrorList(form, formsets),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=form_url
        )

    def construct_change_message(
        self,
        request: HttpRequest,
        form: Form,
        formsets: Iterable[BaseFormSet[Any]],
        add: bool = False,
    ) -> list[dict[str, dict[str, list[str]]]]:
        """Django's log message, read from the forms (the services saved the rows, not the
        formsets): what was added, which fields changed, which rows went."""
        message: list[Any]  # Django's JSON: {"added" | "changed" | "deleted": {...}}
        if add:
            message = [{"added": {}}]
        else:
            changed = _labels(form, form.changed_data)
            message = [{"changed": {"fields": changed}}] if changed else []
        for formset in formsets:
            if not isinstance(formset, BaseModelFormSet) or formset.model is None:
                continue
            deleted = set(formset.deleted_forms) if formset.can_delete else set()
            name = str(formset.model._meta.verbose_name)
            for row in formset.forms:
                if row in deleted:
                    if row.instance.pk:
                        message.append({"deleted": {"name": name, "object": str(row.instance)}})
                elif row in formset.extra_forms and row.has_changed():
                    message.append({"added": {"name": name, "object": str(row.instance)}})
                elif row in formset.initial_forms and row.has_changed():
                    fields = _labels(row, row.changed_data)
                    change = {"name": name, "object": str(row.instance), "fields": fields}
                    message.append({"changed": change})
        return message


def _labels(form: BaseForm, names: list[str]) -> list[str]:
    """Fields as the log names them: by their labels, untranslated (as Django's log does)."""
    with translation_override(None):
        return [str(form.fields[name].label or name) for name in names if name in form.fields]
