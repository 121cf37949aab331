"""The trainers' admin: their clients, the clients' programs, the practice's template library;
the practice's trainers for its admin; practices and users for superusers.

Two rules hold everywhere here. Reads go through ``coaching.selectors`` with ``request.user``
(``get_queryset``, foreign-key choices, list filters), so a trainer never sees another trainer's
clients, not even in an autocomplete. Writes go through ``coaching.services``; when a service
refuses (``ValidationError``) nothing is written and the form comes back with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, Max, Model, OuterRef, Q, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from coaching.forms import (
    PRESCRIPTION_FIELDS,
    AssignTemplateForm,
    ClientAddForm,
    ClientChangeForm,
    EraseClientForm,
    PrescriptionForm,
    ProgramAddForm,
    ProgramTemplateForm,
    with_service_error,
)
from coaching.models import (
    CheckIn,
    Client,
    Entry,
    Practice,
    Prescription,
    Program,
    ProgramTemplate,
    Session,
    TemplatePrescription,
    Trainer,
    User,
)
from coaching.reporting import Symptom, safety_for
from coaching.selectors import (
    active_program,
    check_ins_for,
    client_get,
    client_list,
    clients_for,
    profile_of,
    programs_for,
    sessions_for,
    templates_for,
    trainers_for,
)
from coaching.services import (
    client_create,
    client_erase,
    client_export,
    client_update,
    prescription_add,
    prescription_end,
    prescription_replace,
    program_create,
    template_assign,
    template_create,
    template_delete,
    template_update,
)
from coaching.views import export_download
from exercises.selectors import exercise_list

M = TypeVar("M", bound=Model)
# what get_list_display answers: field names and admin callables
ListDisplay = list[str | Callable[[Any], str | bool]]

# --- shared machinery -----------------------------------------------------------------------


def _is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def _manages_trainers(request: HttpRequest) -> bool:
    """Superusers and practice admins see (and choose between) several trainers."""
    return _is_superuser(request) or profile_of(request.user).is_practice_admin


def _ordered(model_admin: admin.ModelAdmin, request: HttpRequest, qs: QuerySet) -> QuerySet:
    """What ``ModelAdmin.get_queryset`` adds to a queryset: the admin's ordering."""
    ordering = model_admin.get_ordering(request)
    return qs.order_by(*ordering) if ordering else qs


def _adopt(target: Model, saved: Model) -> None:
    """Make the admin's unsaved form instance the row a service wrote, so that the admin's log
    entry and redirect name the right object."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db
    target._state.fields_cache = dict(saved._state.fields_cache)


def _record(
    formset: BaseInlineFormSet,
    new: list[M] | None = None,
    changed: list[tuple[M, list[str]]] | None = None,
    deleted: list[M] | None = None,
) -> None:
    """What ``formset.save()`` would leave behind for the admin's change message."""
    formset.new_objects = new or []
    formset.changed_objects = changed or []
    formset.deleted_objects = deleted or []


def _marked_for_deletion(formset: BaseInlineFormSet, form: ModelForm) -> bool:
    """The formset's own reading of a row's delete box (Django's ``_should_delete_form``,
    private, so the stubs leave it out)."""
    return bool(formset._should_delete_form(form))  # type: ignore[attr-defined]


def _without_related_buttons(formfield: Any) -> Any:
    """No add / change / delete / view buttons beside a picker: they open other admin pages
    (a template's delete page beside the template picker!) in the middle of a form."""
    widget = getattr(formfield, "widget", None)
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget.can_add_related = widget.can_change_related = False
        widget.can_delete_related = widget.can_view_related = False
    return formfield


def _date(value: Any) -> str:
    return value.strftime("%-d %b %Y") if value else ""


def _nowrap(text: str) -> str:
    return format_html('<span style="white-space: nowrap">{}</span>', text)


def _link(url_name: str, pk: object, text: object) -> str:
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
        return _without_related_buttons(super().formfield_for_dbfield(db_field, request, **kwargs))

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        """Nothing here: the services write, in ``save_related`` (they need the inlines)."""

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list, change: bool
    ) -> None:
        for formset in formsets:
            _record(formset)

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


class ProgramTrainerFilter(TrainerFilter):
    field_path = "client__trainer"


class ActiveProgramFilter(admin.SimpleListFilter):
    title = "active program"
    parameter_name = "active_program"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", "Has one"), ("no", "Has none")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Client]) -> QuerySet[Client]:
        active = Exists(Program.objects.filter(client=OuterRef("pk"), status=Program.Status.ACTIVE))
        if self.value() == "yes":
            return queryset.filter(active)
        if self.value() == "no":
            return queryset.filter(~active)
        return queryset


# --- clients --------------------------------------------------------------------------------


@admin.register(Client)
class ClientAdmin(ServiceAdmin):
    form = ClientChangeForm
    add_form = ClientAddForm
    list_display = [
        "name",
        "username",
        "trainer_name",
        "active_program_link",
        "last_session",
    ]
    list_display_links = ["name"]
    list_filter = [TrainerFilter, ActiveProgramFilter]
    search_fields = ["user__first_name", "user__last_name", "user__username", "user__email"]
    search_help_text = "Search by name, username or email."
    actions = ["assign_template"]
    ordering = ["user__first_name", "user__last_name", "user__username"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        return _ordered(self, request, client_list(request.user))

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        if _is_superuser(request):
            return [*self.list_display[:3], "practice_name", *self.list_display[3:]]
        if not _manages_trainers(request):
            return [c for c in self.list_display if c != "trainer_name"]  # always themself
        return list(self.list_display)

    def get_list_filter(self, request: HttpRequest) -> list:
        if _manages_trainers(request):
            return list(self.list_filter)
        return [f for f in self.list_filter if f is not TrainerFilter]

    def get_fieldsets(self, request: HttpRequest, obj: Client | None = None) -> list:
        person = (None, {"fields": ["username", ("first_name", "last_name"), "email"]})
        trainer = ["trainer"] if _manages_trainers(request) else []
        if obj is None:
            return [
                person,
                ("Password", {"fields": ["password", "password_again"]}),
                ("Coaching", {"fields": [*trainer, "notes"]}),
            ]
        practice = ["practice_name"] if _is_superuser(request) else []
        return [
            person,
            ("Program", {"fields": ["active_program_panel", "program_history"]}),
            ("Coaching", {"fields": [*(trainer or ["trainer_name"]), *practice, "notes"]}),
            ("History", {"fields": ["created_at"], "classes": ["collapse"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Client | None = None) -> list[str]:
        if obj is None:
            return []
        return [
            "username",
            "trainer_name",
            "practice_name",
            "active_program_panel",
            "program_history",
            "created_at",
        ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        trainer = profile_of(request.user).trainer
        if trainer is not None:
            initial.setdefault("trainer", trainer.pk)
        return initial

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "trainer":
            kwargs["queryset"] = trainers_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Client, form: ModelForm, change: bool) -> None:
        data = form.cleaned_data
        person = {name: data[name] for name in ("first_name", "last_name", "email")}
        if change:
            client = client_update(
                actor=request.user,
                client=client_get(request.user, obj.pk),  # as stored, not as the form left it
                notes=data["notes"],
                trainer=data.get("trainer"),
                **person,
            )
        else:
            client = client_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                trainer=data.get("trainer"),
                notes=data["notes"],
                **person,
            )
        _adopt(obj, client)

    # columns and read-only fields

    # data rights: a download for anyone who sees the client; erasure for the practice admin

    change_form_template = "admin/coaching/client/change_form.html"

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/export/", view(self.export_view), name="coaching_client_export"),
            path("<int:pk>/erase/", view(self.erase_view), name="coaching_client_erase"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {**(extra_context or {}), "may_erase": self._may_erase(request)}
        return super().change_view(request, object_id, form_url, context)

    def _may_erase(self, request: HttpRequest) -> bool:
        return _manages_trainers(request)

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = client_get(request.user, pk)
        document = client_export(actor=request.user, client=client)
        return export_download(document, name=client.user.username)

    def erase_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = client_get(request.user, pk)
        if not self._may_erase(request):
            raise PermissionDenied
        form = EraseClientForm(request.POST or None, username=client.user.username)
        if request.method == "POST" and form.is_valid():
            mode = form.cleaned_data["mode"]
            name = str(client.user)
            removed = client_erase(actor=request.user, client=client, mode=mode)
            summary = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in removed.items() if v)
            verb = "Erased" if mode == "erase" else "Anonymised"
            messages.success(request, f"{verb} {name} ({summary or 'nothing else recorded'}).")
            if mode == "erase":
                return HttpResponseRedirect(reverse("admin:coaching_client_changelist"))
            return HttpResponseRedirect(reverse("admin:coaching_client_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Erase or anonymise {client.user}",
            "client": client,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/coaching/client/erase.html", context)

    @admin.display(description="name", ordering="user__first_name")
    def name(self, obj: Client) -> str:
        return _nowrap(str(obj.user))

    @admin.display(description="username", ordering="user__username")
    def username(self, obj: Client) -> str:
        return obj.user.username

    @admin.display(description="trainer", ordering="trainer__user__first_name")
    def trainer_name(self, obj: Client) -> str:
        return _nowrap(str(obj.trainer.user))

    @admin.display(description="practice", ordering="practice__name")
    def practice_name(self, obj: Client) -> str:
        return str(obj.practice)

    @admin.display(description="active program")
    def active_program_link(self, obj: Client) -> str:
        programs = getattr(obj, "active_programs", None) or []
        if programs:
            return _link("admin:coaching_program_change", programs[0].pk, programs[0].name)
        return format_html(
            '<a href="{}?client={}" class="addlink">Assign</a>',
            reverse("admin:coaching_program_add"),
            obj.pk,
        )

    @admin.display(description="last session", ordering="last_session_at")
    def last_session(self, obj: Client) -> str:
        when = obj.last_session_at  # type: ignore[attr-defined]  # annotated by client_list
        if when is None:
            return format_html('<span class="quiet">{}</span>', "none yet")
        url = reverse("admin:coaching_session_changelist")
        return format_html(
            '<a href="{}?client={}">{}</a>', url, obj.pk, _nowrap(_date(timezone.localtime(when)))
        )

    @admin.display(description="active program")
    def active_program_panel(self, obj: Client) -> str:
        assign_url = f"{reverse('admin:coaching_program_add')}?client={obj.pk}"
        program = active_program(obj)
        if program is None:
            return format_html(
                'None. <a href="{}" class="addlink">Assign a program</a>', assign_url
            )
        rows = format_html_join(
            "",
            "<li>{} <span class='quiet'>{}</span></li>",
            ((p.exercise.name, p.dose()) for p in program.current),  # type: ignore[attr-defined]
        )
        return format_html(
            "<div><strong>{}</strong> · since {} · {} sessions a week</div>"
            '<ul style="margin: 4px 0 8px; padding-left: 1.2em">{}</ul>'
            '<div><a href="{}" class="changelink">Edit this program</a> &nbsp; '
            '<a href="{}" class="addlink">Assign a new program</a> '
            '<span class="quiet">(this one then ends; its history stays)</span></div>',
            program.name,
            _date(program.starts_on),
            program.sessions_per_week,
            rows or format_html("<li>{}</li>", "No exercises."),
            reverse("admin:coaching_program_change", args=[program.pk]),
            assign_url,
        )

    @admin.display(description="earlier programs")
    def program_history(self, obj: Client) -> str:
        ended = obj.programs.filter(status=Program.Status.ENDED).order_by("-ended_on", "-id")
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> <span class="quiet">{} – {}</span></li>',
            (
                (
                    reverse("admin:coaching_program_change", args=[p.pk]),
                    p.name,
                    _date(p.starts_on),
                    _date(p.ended_on),
                )
                for p in ended[:10]
            ),
        )
        return (
            format_html('<ul style="margin: 0; padding-left: 1.2em">{}</ul>', items)
            if items
            else "None."
        )

    # the action

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("coaching.add_program")

    @admin.action(description="Assign a template to selected clients", permissions=["assign"])
    def assign_template(
        self, request: HttpRequest, queryset: QuerySet[Client]
    ) -> TemplateResponse | None:
        clients = list(queryset)
        if request.POST.get("select_across") != "1":
            # The admin drops ids outside the list silently; we refuse them, writing nothing.
            chosen = set(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
            if len(chosen) != len(clients):
                self.message_user(
                    request,
                    "Some of the selected clients are not in your list. Nothing was assigned.",
                    messages.ERROR,
                )
                return None
        form = AssignTemplateForm(
            request.POST if "apply" in request.POST else None,
            templates=templates_for(request.user),
        )
        if form.is_valid():
            try:
                programs = template_assign(
                    actor=request.user,
                    template=form.cleaned_data["template"],
                    clients=clients,
                    starts_on=form.cleaned_data["starts_on"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(
                    request,
                    f"“{form.cleaned_data['template']}” assigned to {len(programs)} "
                    f"client{'s' if len(programs) != 1 else ''}; their previous programs ended.",
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign a template",
            "subtitle": f"to {len(clients)} client{'s' if len(clients) != 1 else ''}",
            "opts": self.opts,
            "clients": clients,
            "form": form,
            "media": self.media + form.media,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/coaching/client/assign_template.html", context)


# --- programs -------------------------------------------------------------------------------


class CurrentPrescriptionFormSet(BaseInlineFormSet):
    """The current prescriptions of a program; saved by ``ProgramAdmin.save_related``."""


class PrescriptionInlineBase(admin.TabularInline):
    template = "admin/coaching/edit_inline/tabular.html"
    delete_label = "Delete?"

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return _without_related_buttons(super().formfield_for_dbfield(db_field, request, **kwargs))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "exercise":
            kwargs["queryset"] = exercise_list(actor=request.user)  # published only
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PrescriptionInline(PrescriptionInlineBase):
    """The program's current exercises. Changing one ends it and starts its replacement;
    ending one (the box at the end of the row) keeps it in the history."""

    model = Prescription
    form = PrescriptionForm
    formset = CurrentPrescriptionFormSet
    fields = PRESCRIPTION_FIELDS  # when each started: in the history below
    autocomplete_fields = ["exercise"]
    verbose_name = "exercise"
    verbose_name_plural = "current exercises"
    delete_label = "End?"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Prescription]:
        return (
            super().get_queryset(request).filter(ended_at__isnull=True).select_related("exercise")
        )

    def get_extra(self, request: HttpRequest, obj: Program | None = None, **kwargs: Any) -> int:
        return 3 if obj is None else 1

    def get_formset(self, request: HttpRequest, obj: Program | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # "End?" ends the prescription (the service keeps the row): the admin's check that a
        # deletion would not remove protected rows (the client's logged entries) does not apply.
        # (hand_clean_DELETE is a method of the form class get_formset builds inside itself:
        # the stubs cannot know it.)
        formset.form.hand_clean_DELETE = lambda form: None  # type: ignore[attr-defined]
        return formset

    def _editable(self, obj: Program | None) -> bool:
        return obj is None or obj.status == Program.Status.ACTIVE

    def has_add_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class NewProgramPrescriptionInline(PrescriptionInline):
    """The exercises of a program being assigned (``program_create`` writes them)."""

    verbose_name_plural = "exercises"
    delete_label = "Remove?"


class EndedPrescriptionInline(admin.TabularInline):
    """The program's history: every prescription that ended, newest first. Read-only."""

    model = Prescription
    template = "admin/coaching/edit_inline/tabular.html"
    fields = ("exercise_name", "dose", "started", "ended", "replaced_with")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = "ended exercise"
    verbose_name_plural = "history: ended exercises"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Prescription]:
        return (
            super()
            .get_queryset(request)
            .filter(ended_at__isnull=False)
            .select_related("exercise", "replaced_by__exercise")
            .order_by("-ended_at", "-id")
        )

    def has_add_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return False

    @admin.display(description="exercise")
    def exercise_name(self, obj: Prescription) -> str:
        return obj.exercise.name

    @admin.display(description="dose")
    def dose(self, obj: Prescription) -> str:
        return _nowrap(obj.dose())

    @admin.display(description="started")
    def started(self, obj: Prescription) -> str:
        return f"{timezone.localtime(obj.started_at):%-d %b %Y %H:%M}"

    @admin.display(description="ended")
    def ended(self, obj: Prescription) -> str:
        return f"{timezone.localtime(obj.ended_at):%-d %b %Y %H:%M}" if obj.ended_at else ""

    @admin.display(description="replaced with")
    def replaced_with(self, obj: Prescription) -> str:
        replacement = getattr(obj, "replaced_by", None)
        if replacement is None:
            return "— (taken out)"
        return format_html("{} {}", replacement.exercise.name, _nowrap(replacement.dose()))


@admin.register(Program)
class ProgramAdmin(ServiceAdmin):
    add_form = ProgramAddForm
    list_display = [
        "name",
        "client_link",
        "trainer_name",
        "status",
        "starts_on",
        "ended_on",
        "exercise_count",
    ]
    list_filter = ["status", ProgramTrainerFilter]
    search_fields = [
        "name",
        "client__user__first_name",
        "client__user__last_name",
        "client__user__username",
    ]
    search_help_text = "Search by program name or the client's name or username."
    autocomplete_fields = ["client"]
    inlines = [PrescriptionInline, EndedPrescriptionInline]
    ordering = ["-starts_on", "-id"]
    list_per_page = 50
    save_on_top = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Program]:
        current = Q(prescriptions__ended_at__isnull=True)
        qs = programs_for(request.user).annotate(_exercises=Count("prescriptions", filter=current))
        return _ordered(self, request, qs)

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        if _manages_trainers(request):
            return list(self.list_display)
        return [c for c in self.list_display if c != "trainer_name"]

    def get_list_filter(self, request: HttpRequest) -> list:
        if _manages_trainers(request):
            return list(self.list_filter)
        return [f for f in self.list_filter if f is not ProgramTrainerFilter]

    def get_fieldsets(self, request: HttpRequest, obj: Program | None = None) -> list:
        if obj is None:
            return [
                (None, {"fields": ["client", "template", "name", "starts_on", "sessions_per_week"]})
            ]
        return [
            (
                None,
                {
                    "fields": [
                        "client_link",
                        "name",
                        "period",
                        "sessions_per_week",
                        "template_name",
                        "assigned_by",
                    ],
                    "description": (
                        "Change, add or end exercises below. A changed exercise is ended and "
                        "replaced, so the client's logs keep pointing at what they did."
                    ),
                },
            )
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Program | None = None) -> list[str]:
        if obj is None:
            return []
        return [
            "client_link",
            "name",
            "period",
            "sessions_per_week",
            "template_name",
            "assigned_by",
        ]

    def get_inlines(self, request: HttpRequest, obj: Program | None) -> list:
        return [NewProgramPrescriptionInline] if obj is None else list(self.inlines)

    def has_change_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        # An ended program is history: it can be looked at, not changed.
        active = obj is None or obj.status == Program.Status.ACTIVE
        return active and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "client":
            kwargs["queryset"] = clients_for(request.user)
        elif db_field.name == "template":
            kwargs["queryset"] = templates_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        current = next(f for f in formsets if isinstance(f, CurrentPrescriptionFormSet))
        if change:
            self._save_prescriptions(request, form.instance, current)
            return
        data = form.cleaned_data
        specs = [
            cast(PrescriptionForm, f).spec()  # the inline's form; the formset's types can't know
            for f in current.forms
            if f.has_changed() and not _marked_for_deletion(current, f)
        ]
        program = program_create(
            actor=request.user,
            client=data["client"],
            template=data.get("template"),
            name=data.get("name") or "",
            starts_on=data.get("starts_on"),
            sessions_per_week=data.get("sessions_per_week"),
            prescriptions=specs or None,
        )
        _adopt(form.instance, program)
        _record(current, new=list(program.prescriptions.select_related("exercise")))

    def _save_prescriptions(
        self, request: HttpRequest, program: Program, formset: BaseInlineFormSet
    ) -> None:
        """Each changed row is replaced, each ended row ends, each new row is added."""
        stored = {
            p.pk: p
            for p in Prescription.objects.select_related("program", "exercise").filter(
                program=program, pk__in=[f.instance.pk for f in formset.initial_forms]
            )
        }
        new, changed, ended = [], [], []
        for form in formset.initial_forms:
            original = stored[form.instance.pk]
            if _marked_for_deletion(formset, form):
                ended.append(prescription_end(actor=request.user, prescription=original))
            elif form.has_changed():
                changes = {
                    name: form.cleaned_data[name]
                    for name in form.changed_data
                    if name in PRESCRIPTION_FIELDS and name != "exercise"
                }
                exercise = (
                    form.cleaned_data["exercise"] if "exercise" in form.changed_data else None
                )
                replacement = prescription_replace(
                    actor=request.user, prescription=original, exercise=exercise, **changes
                )
                changed.append((replacement, form.changed_data))
        for form in formset.extra_forms:
            if form.has_changed() and not _marked_for_deletion(formset, form):
                spec = cast(PrescriptionForm, form).spec()  # the inline's form, as above
                new.append(prescription_add(actor=request.user, program=program, spec=spec))
        _record(formset, new=new, changed=changed, deleted=ended)

    # columns and read-only fields

    @admin.display(description="client", ordering="client__user__first_name")
    def client_link(self, obj: Program) -> str:
        return _link("admin:coaching_client_change", obj.client_id, obj.client)

    @admin.display(description="trainer", ordering="client__trainer__user__first_name")
    def trainer_name(self, obj: Program) -> str:
        return str(obj.client.trainer.user)

    @admin.display(description="exercises", ordering="_exercises")
    def exercise_count(self, obj: Program) -> int:
        return obj._exercises  # type: ignore[attr-defined]

    @admin.display(description="status")
    def period(self, obj: Program) -> str:
        if obj.status == Program.Status.ACTIVE:
            return f"Active since {_date(obj.starts_on)}"
        return f"Ended: {_date(obj.starts_on)} – {_date(obj.ended_on)}"

    @admin.display(description="from template")
    def template_name(self, obj: Program) -> str:
        return obj.template.name if obj.template else "—"

    @admin.display(description="assigned by")
    def assigned_by(self, obj: Program) -> str:
        return str(obj.created_by) if obj.created_by else "—"


# --- the template library -------------------------------------------------------------------


class TemplatePrescriptionInline(PrescriptionInlineBase):
    model = TemplatePrescription
    form = PrescriptionForm
    fields = PRESCRIPTION_FIELDS
    autocomplete_fields = ["exercise"]
    verbose_name = "exercise"
    verbose_name_plural = "exercises"
    delete_label = "Remove?"

    def get_queryset(self, request: HttpRequest) -> QuerySet[TemplatePrescription]:
        return super().get_queryset(request).select_related("exercise")

    def get_extra(
        self, request: HttpRequest, obj: ProgramTemplate | None = None, **kwargs: Any
    ) -> int:
        return 3 if obj is None else 1


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(ServiceAdmin):
    form = ProgramTemplateForm
    list_display = ["name", "exercise_count", "sessions_per_week", "last_changed"]
    search_fields = ["name", "description"]
    inlines = [TemplatePrescriptionInline]
    ordering = ["name"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProgramTemplate]:
        return _ordered(self, request, templates_for(request.user))

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        if _is_superuser(request):
            return [*self.list_display[:1], "practice", *self.list_display[1:]]
        return list(self.list_display)

    def get_fieldsets(self, request: HttpRequest, obj: ProgramTemplate | None = None) -> list:
        # Trainers' templates go to their own practice; only a superuser says which one.
        practice = ["practice"] if _is_superuser(request) else []
        return [(None, {"fields": [*practice, "name", "description", "sessions_per_week"]})]

    def get_readonly_fields(
        self, request: HttpRequest, obj: ProgramTemplate | None = None
    ) -> list[str]:
        return ["practice"] if obj is not None else []

    def has_delete_permission(
        self, request: HttpRequest, obj: ProgramTemplate | None = None
    ) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "practice":
            kwargs["queryset"] = Practice.objects.all()  # the field exists for superusers only
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        (rows,) = formsets
        kept = [
            f
            for f in rows.forms
            if (f in rows.initial_forms or f.has_changed()) and not rows._should_delete_form(f)
        ]
        data = form.cleaned_data
        values = {
            "name": data["name"],
            "description": data["description"],
            "sessions_per_week": data["sessions_per_week"],
            "prescriptions": [f.spec() for f in kept],
        }
        if change:
            template = template_update(actor=request.user, template=form.instance, **values)
        else:
            template = template_create(actor=request.user, practice=data.get("practice"), **values)
        _adopt(form.instance, template)
        _record(
            rows,
            new=[f.instance for f in rows.extra_forms if f in kept],
            changed=[(f.instance, f.changed_data) for f in rows.initial_forms if f in kept],
            deleted=[f.instance for f in rows.deleted_forms if f.instance.pk],
        )

    def delete_model(self, request: HttpRequest, obj: ProgramTemplate) -> None:
        template_delete(actor=request.user, template=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProgramTemplate]) -> None:
        for template in queryset:
            template_delete(actor=request.user, template=template)

    @admin.display(description="last changed", ordering="updated_at")
    def last_changed(self, obj: ProgramTemplate) -> str:
        return _date(timezone.localtime(obj.updated_at))

    @admin.display(description="exercises", ordering="prescription_count")
    def exercise_count(self, obj: ProgramTemplate) -> int:
        return obj.prescription_count  # type: ignore[attr-defined]


# --- trainers and practices: looked at here, onboarded with `manage.py create_trainer` ------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Trainer)
class TrainerAdmin(ReadOnlyAdmin):
    """The practice's trainers, for its admin (``coaching.view_trainer``)."""

    list_display = ["name", "username", "email", "practice_admin", "client_count"]
    search_fields = ["user__first_name", "user__last_name", "user__username"]
    ordering = ["user__first_name", "user__last_name", "user__username"]
    fields = ("name", "username", "email", "practice_name", "practice_admin", "client_count")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Trainer]:
        qs = trainers_for(request.user).annotate(_clients=Count("clients"))
        return _ordered(self, request, qs)

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        if _is_superuser(request):
            return [*self.list_display[:1], "practice_name", *self.list_display[1:]]
        return list(self.list_display)

    @admin.display(description="name", ordering="user__first_name")
    def name(self, obj: Trainer) -> str:
        return str(obj.user)

    @admin.display(description="username", ordering="user__username")
    def username(self, obj: Trainer) -> str:
        return obj.user.username

    @admin.display(description="email", ordering="user__email")
    def email(self, obj: Trainer) -> str:
        return obj.user.email

    @admin.display(description="practice", ordering="practice__name")
    def practice_name(self, obj: Trainer) -> str:
        return obj.practice.name

    @admin.display(description="practice admin", boolean=True, ordering="is_practice_admin")
    def practice_admin(self, obj: Trainer) -> bool:
        return obj.is_practice_admin

    @admin.display(description="clients", ordering="_clients")
    def client_count(self, obj: Trainer) -> int:
        return obj._clients  # type: ignore[attr-defined]


@admin.register(Practice)
class PracticeAdmin(ReadOnlyAdmin):
    """Superusers only. A practice is created with its first trainer (``create_trainer``)."""

    list_display = ["name", "trainer_count", "client_count", "created_at"]
    search_fields = ["name"]
    ordering = ["name"]
    fields = ("name", "trainer_count", "client_count", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Practice]:
        qs = super().get_queryset(request)
        if not _is_superuser(request):
            return qs.none()
        return qs.annotate(
            _trainers=Count("trainers", distinct=True), _clients=Count("clients", distinct=True)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Practice | None = None) -> bool:
        return _is_superuser(request)

    @admin.display(description="trainers", ordering="_trainers")
    def trainer_count(self, obj: Practice) -> int:
        return obj._trainers  # type: ignore[attr-defined]

    @admin.display(description="clients", ordering="_clients")
    def client_count(self, obj: Practice) -> int:
        return obj._clients  # type: ignore[attr-defined]


@admin.register(User)
class CoachingUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "last_login"]


# --- what clients log (read-only: a client's report is theirs) ----------------------------------


class ClientRecordFilter(admin.SimpleListFilter):
    """``?client=<id>``, the link from the client list's "last session" column. A caseload can
    hold thousands of clients, so the sidebar offers only the chosen one (to clear it); the
    search box finds a client by name. Someone else's client matches nothing."""

    title = "client"
    parameter_name = "client"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        value = self.value()
        if not (value and value.isdigit()):
            return []
        # Always one choice when one is given: a filter without choices is not applied at all.
        chosen = clients_for(request.user).filter(pk=int(value)).first()
        return [(value, str(chosen) if chosen else "no such client")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(client=int(value))
        return queryset


class SymptomsFilter(admin.SimpleListFilter):
    title = "symptoms"
    parameter_name = "symptoms"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", "Some reported"), ("no", "None reported")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(symptoms=[])
        if self.value() == "no":
            return queryset.filter(symptoms=[])
        return queryset


def _symptom_list(symptoms: list[str]) -> str:
    """The reported symptoms in the client's words; red flags marked."""
    if not symptoms:
        return format_html('<span class="quiet">{}</span>', "none")
    labels = dict(Symptom.choices)
    safety = safety_for(symptoms)
    flagged = set(safety.symptoms) if safety else set()
    return format_html_join(
        "",
        '<div class="{}">{}</div>',
        (("errornote" if code in flagged else "", labels.get(code, code)) for code in symptoms),
    )


class ClientRecordAdmin(ReadOnlyAdmin):
    """Shared by sessions and check-ins: the viewer's clients' records, never editable here."""

    list_per_page = 50
    search_fields = [
        "client__user__first_name",
        "client__user__last_name",
        "client__user__username",
    ]
    search_help_text = "Search by the client's name or username."

    list_filter = [ClientRecordFilter, "review_state", SymptomsFilter]

    @admin.display(description="client", ordering="client__user__first_name")
    def client_link(self, obj: Session | CheckIn) -> str:
        return _link("admin:coaching_client_change", obj.client_id, _nowrap(str(obj.client.user)))

    @admin.display(description="symptoms")
    def symptom_list(self, obj: Session | CheckIn) -> str:
        return _symptom_list(obj.symptoms)

    @admin.display(description="safety answer given")
    def safety_answer(self, obj: Session | CheckIn) -> str:
        safety = safety_for(obj.symptoms)
        if safety is None:
            return "none needed"
        return format_html("<strong>{}</strong>: {}", safety.level, safety.message)


class EntryInline(admin.TabularInline):
    model = Entry
    template = "admin/coaching/edit_inline/tabular.html"
    extra = 0
    can_delete = False
    fields = ("exercise_name", "prescribed", "done", "pain_during", "pain_location", "pain_quality")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entry]:
        return (
            super()
            .get_queryset(request)
            .select_related("prescription__exercise")
            .prefetch_related("sets")
        )

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.has_perm("coaching.view_session")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="exercise")
    def exercise_name(self, obj: Entry) -> str:
        return obj.prescription.exercise.name

    @admin.display(description="prescribed")
    def prescribed(self, obj: Entry) -> str:
        return obj.prescription.dose()

    @admin.display(description="done")
    def done(self, obj: Entry) -> str:
        sets = list(obj.sets.all())
        reps = ", ".join(str(s.reps) for s in sets)
        extra = []
        loads = {s.load_kg for s in sets if s.load_kg is not None}
        if loads:
            extra.append(" / ".join(f"{load.normalize():f} kg" for load in sorted(loads)))
        rpes = [s.rpe for s in sets if s.rpe is not None]
        if rpes:
            extra.append(f"RPE {max(rpes)}")
        return " · ".join([f"{len(sets)} × ({reps})", *extra])


@admin.register(Session)
class SessionAdmin(ClientRecordAdmin):
    """The sessions clients logged: what they did, how it felt, and any symptoms."""

    list_display = [
        "performed",
        "client_link",
        "pain_before",
        "worst_pain_during",
        "pain_after",
        "symptom_list",
        "review_state",
    ]
    list_display_links = ["performed"]
    date_hierarchy = "performed_at"
    ordering = ["-performed_at", "-id"]
    inlines = [EntryInline]
    fieldsets = [
        (None, {"fields": ["client_link", "program_link", "performed_at", "logged"]}),
        ("Pain (0–10)", {"fields": ["pain_before", "pain_after"]}),
        ("Symptoms", {"fields": ["symptom_list", "safety_answer"]}),
        (None, {"fields": ["notes", "review_state", "reviewed_at"]}),
    ]
    readonly_fields = [
        "client_link",
        "program_link",
        "performed_at",
        "logged",
        "pain_before",
        "pain_after",
        "symptom_list",
        "safety_answer",
        "notes",
        "review_state",
        "reviewed_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        qs = (
            sessions_for(request.user)
            .prefetch_related(None)
            .select_related("client__user", "program")
            .annotate(_worst=Max("entries__pain_during"))
        )
        return _ordered(self, request, qs)

    @admin.display(description="performed", ordering="performed_at")
    def performed(self, obj: Session) -> str:
        return _nowrap(f"{timezone.localtime(obj.performed_at):%-d %b %Y %H:%M}")

    @admin.display(description="worst pain during", ordering="_worst")
    def worst_pain_during(self, obj: Session) -> object:
        return obj._worst  # type: ignore[attr-defined]

    @admin.display(description="program")
    def program_link(self, obj: Session) -> str:
        return _link("admin:coaching_program_change", obj.program_id, obj.program.name)

    @admin.display(description="logged")
    def logged(self, obj: Session) -> str:
        late = obj.created_at - obj.performed_at
        text = f"{timezone.localtime(obj.created_at):%-d %b %Y %H:%M}"
        if late.total_seconds() > 6 * 3600:
            text += f" ({late.days} d {late.seconds // 3600} h after the session)"
        return text


@admin.register(CheckIn)
class CheckInAdmin(ClientRecordAdmin):
    """The morning check-ins: pain and stiffness on waking, and any symptoms."""

    list_display = ["day", "client_link", "pain", "stiffness", "symptom_list", "review_state"]
    list_display_links = ["day"]
    date_hierarchy = "date"
    ordering = ["-date", "-id"]
    fields = (
        "client_link",
        "date",
        "pain",
        "stiffness",
        "symptom_list",
        "safety_answer",
        "review_state",
        "reviewed_at",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CheckIn]:
        qs = check_ins_for(request.user).select_related("client__user")
        return _ordered(self, request, qs)

    @admin.display(description="date", ordering="date")
    def day(self, obj: CheckIn) -> str:
        return _nowrap(_date(obj.date))
