"""The admin of people: the trainer's clients (with their programs, the data-rights buttons and
the assign-a-template action), the practice's trainers, practices and users."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from coaching import hooks
from coaching.accounts.forms import ClientAddForm, ClientChangeForm, TrainerAddForm
from coaching.accounts.invitation_admin import InvitingAdmin, with_invitation_state
from coaching.accounts.selectors import client_get, client_list, profile_of, trainers_for
from coaching.accounts.services import (
    client_create,
    client_update,
    trainer_add,
)
from coaching.messaging.admin import MessagingAdmin
from coaching.messaging.selectors import with_unread
from coaching.models import (
    Client,
    Practice,
    Program,
    Trainer,
    User,
)
from coaching.privacy.downloads import export_download
from coaching.privacy.forms import EraseClientForm
from coaching.privacy.services import client_erase, client_export
from coaching.programs.forms import AssignTemplateForm
from coaching.programs.handout_views import HandoutAdmin
from coaching.programs.selectors import active_program, templates_for
from coaching.programs.services import template_assign
from coaching.shared.admin import (
    ListDisplay,
    ReadOnlyAdmin,
    TrainerFilter,
    admin_link,
    admin_url,
    is_superuser,
    manages_trainers,
    nowrap,
    ordered,
    short_date,
)
from coaching.shared.forms import add_service_error
from coaching.shared.service_admin import ServiceAdmin


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


@admin.register(Client)
class ClientAdmin(HandoutAdmin, MessagingAdmin, InvitingAdmin, ServiceAdmin):
    form = ClientChangeForm
    add_form = ClientAddForm
    list_display = [
        "name",
        "username",
        "trainer_name",
        "active_program_link",
        "last_session",
        "unread_messages",
        "sign_in",
    ]
    list_display_links = ["name"]
    list_filter = [TrainerFilter, ActiveProgramFilter]
    search_fields = ["user__first_name", "user__last_name", "user__username", "user__email"]
    search_help_text = "Search by name, username or email."
    actions = ["assign_template"]
    ordering = ["user__first_name", "user__last_name", "user__username"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        qs = with_unread(with_invitation_state(client_list(request.user)), request.user)
        for column in hooks.client_columns():  # what other apps add (triage: open flags)
            qs = column.annotate(qs)
        return ordered(self, request, qs)

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        columns: ListDisplay = list(self.list_display)
        if is_superuser(request):
            columns = [*columns[:3], "practice_name", *columns[3:]]
        elif not manages_trainers(request):
            columns = [c for c in columns if c != "trainer_name"]  # always themself
        return [*columns, *(column.display for column in hooks.client_columns())]

    def get_list_filter(self, request: HttpRequest) -> list:
        found = [*self.list_filter, *hooks.client_filters()]  # (triage: the dashboard's sets)
        if manages_trainers(request):
            return found
        return [f for f in found if f is not TrainerFilter]

    def get_fieldsets(self, request: HttpRequest, obj: Client | None = None) -> list:
        person = (None, {"fields": ["username", ("first_name", "last_name"), "email"]})
        trainer = ["trainer"] if manages_trainers(request) else []
        if obj is None:
            return [
                person,
                ("Password", {"fields": ["password", "password_again"]}),
                ("Coaching", {"fields": [*trainer, "notes"]}),
            ]
        practice = ["practice_name"] if is_superuser(request) else []
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

    def save_with_service(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> Client:
        data = form.cleaned_data
        person = {name: data[name] for name in ("first_name", "last_name", "email")}
        if change:
            return client_update(
                actor=request.user,
                client=client_get(
                    request.user, form.instance.pk
                ),  # as stored, not as the form left it
                notes=data["notes"],
                trainer=data.get("trainer"),
                **person,
            )
        client = client_create(
            actor=request.user,
            username=data["username"],
            password=data["password"] or None,
            trainer=data.get("trainer"),
            notes=data["notes"],
            **person,
        )
        if not data["password"]:  # they choose their own
            self.invite(request, client.user)
        return client

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
        return manages_trainers(request)

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
        return nowrap(str(obj.user))

    @admin.display(description="username", ordering="user__username")
    def username(self, obj: Client) -> str:
        return obj.user.username

    @admin.display(description="trainer", ordering="trainer__user__first_name")
    def trainer_name(self, obj: Client) -> str:
        return nowrap(str(obj.trainer.user))

    @admin.display(description="practice", ordering="practice__name")
    def practice_name(self, obj: Client) -> str:
        return str(obj.practice)

    @admin.display(description="active program")
    def active_program_link(self, obj: Client) -> str:
        programs = getattr(obj, "active_programs", None) or []
        if programs:
            return admin_link("admin:coaching_program_change", programs[0].pk, programs[0].name)
        return format_html(
            '<a href="{}?client={}" class="addlink">Assign</a>',
            admin_url("admin:coaching_program_add"),
            obj.pk,
        )

    @admin.display(description="last session", ordering="last_session_at")
    def last_session(self, obj: Client) -> str:
        when = obj.last_session_at  # type: ignore[attr-defined]  # annotated by client_list
        if when is None:
            return format_html('<span class="quiet">{}</span>', "none yet")
        url = admin_url("admin:coaching_session_changelist")
        return format_html(
            '<a href="{}?client={}">{}</a>',
            url,
            obj.pk,
            nowrap(short_date(timezone.localtime(when))),
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
            short_date(program.starts_on),
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
                    short_date(p.starts_on),
                    short_date(p.ended_on),
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
                add_service_error(form, exc)
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


@admin.register(Trainer)
class TrainerAdmin(InvitingAdmin, ServiceAdmin):
    """The practice's trainers, for its admin (``coaching.view_trainer``), who adds trainers
    (invited by email to choose their password). A trainer's details are read-only here."""

    add_form = TrainerAddForm
    list_display = ["name", "username", "email", "practice_admin", "client_count", "sign_in"]
    search_fields = ["user__first_name", "user__last_name", "user__username"]
    ordering = ["user__first_name", "user__last_name", "user__username"]
    fields = ("name", "username", "email", "practice_name", "practice_admin", "client_count")
    change_form_template = "admin/coaching/trainer/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Trainer]:
        qs = trainers_for(request.user).annotate(_clients=Count("clients"))
        return ordered(self, request, with_invitation_state(qs))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return manages_trainers(request)

    def has_change_permission(self, request: HttpRequest, obj: Trainer | None = None) -> bool:
        return False

    def get_fieldsets(self, request: HttpRequest, obj: Trainer | None = None) -> list:
        if obj is None:
            practice = ["practice"] if is_superuser(request) else []
            return [
                (None, {"fields": ["username", ("first_name", "last_name"), "email"]}),
                ("Practice", {"fields": [*practice, "is_practice_admin"]}),
            ]
        return [(None, {"fields": list(self.fields)})]

    def get_readonly_fields(self, request: HttpRequest, obj: Trainer | None = None) -> list[str]:
        return [] if obj is None else list(self.fields)

    def save_with_service(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> Trainer:
        data = form.cleaned_data
        trainer = trainer_add(
            actor=request.user,
            username=data["username"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            is_practice_admin=data["is_practice_admin"],
            practice=data.get("practice"),
        )
        self.invite(request, trainer.user)
        return trainer

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        if is_superuser(request):
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
        if not is_superuser(request):
            return qs.none()
        return qs.annotate(
            _trainers=Count("trainers", distinct=True), _clients=Count("clients", distinct=True)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Practice | None = None) -> bool:
        return is_superuser(request)

    @admin.display(description="trainers", ordering="_trainers")
    def trainer_count(self, obj: Practice) -> int:
        return obj._trainers  # type: ignore[attr-defined]

    @admin.display(description="clients", ordering="_clients")
    def client_count(self, obj: Practice) -> int:
        return obj._clients  # type: ignore[attr-defined]


@admin.register(User)
class CoachingUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "last_login"]
