"""The admin of programs (assigning one, changing its exercises, its history) and of the
practice's template library."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import admin
from django.db.models import Count, Model, Q, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from coaching.accounts.selectors import clients_for
from coaching.models import (
    Practice,
    Prescription,
    Program,
    ProgramTemplate,
    TemplatePrescription,
)
from coaching.outcomes.admin import OutcomeScheduleInline, schedules_save
from coaching.programs import schedule as weekly
from coaching.programs.forms import (
    PRESCRIPTION_FIELDS,
    CurrentPrescriptionForm,
    PrescriptionForm,
    ProgramAddForm,
    ProgramTemplateForm,
)
from coaching.programs.selectors import programs_for, templates_for
from coaching.programs.services import (
    program_create,
    program_exercises_update,
    template_create,
    template_delete,
    template_update,
)
from coaching.shared.admin import (
    ListDisplay,
    TrainerFilter,
    admin_link,
    is_superuser,
    manages_trainers,
    nowrap,
    ordered,
    short_date,
    without_related_buttons,
)
from coaching.shared.service_admin import ServiceAdmin
from exercises.selectors import exercise_list


class ProgramTrainerFilter(TrainerFilter):
    field_path = "client__trainer"


class PrescriptionInlineBase(admin.TabularInline):
    template = "admin/coaching/edit_inline/tabular.html"
    delete_label = "Delete?"

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return without_related_buttons(super().formfield_for_dbfield(db_field, request, **kwargs))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "exercise":
            kwargs["queryset"] = exercise_list(actor=request.user)  # published only
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PrescriptionInline(PrescriptionInlineBase):
    """The program's current exercises. Changing one ends it and starts its replacement;
    ending one (the box at the end of the row) keeps it in the history."""

    model = Prescription
    form = CurrentPrescriptionForm
    fields = (*PRESCRIPTION_FIELDS, "end")  # when each started: in the history below
    autocomplete_fields = ["exercise"]
    verbose_name = "exercise"
    verbose_name_plural = "current exercises"
    can_delete = False  # "End?" ends a prescription; it is never deleted

    def get_queryset(self, request: HttpRequest) -> QuerySet[Prescription]:
        return (
            super().get_queryset(request).filter(ended_at__isnull=True).select_related("exercise")
        )

    def get_extra(self, request: HttpRequest, obj: Program | None = None, **kwargs: Any) -> int:
        return 3 if obj is None else 1

    def _editable(self, obj: Program | None) -> bool:
        return obj is None or obj.status == Program.Status.ACTIVE

    def has_add_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Program | None = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)


class NewProgramPrescriptionInline(PrescriptionInlineBase):
    """The exercises of a program being assigned (``program_create`` writes them)."""

    model = Prescription
    form = PrescriptionForm
    fields = PRESCRIPTION_FIELDS
    autocomplete_fields = ["exercise"]
    extra = 3
    verbose_name = "exercise"
    verbose_name_plural = "exercises"
    delete_label = "Remove?"  # a row not wanted after all


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
        return nowrap(obj.dose())

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
        return format_html("{} {}", replacement.exercise.name, nowrap(replacement.dose()))


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
    inlines = [PrescriptionInline, EndedPrescriptionInline, OutcomeScheduleInline]
    ordering = ["-starts_on", "-id"]
    list_per_page = 50
    save_on_top = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Program]:
        current = Q(prescriptions__ended_at__isnull=True)
        qs = programs_for(request.user).annotate(_exercises=Count("prescriptions", filter=current))
        return ordered(self, request, qs)

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        if manages_trainers(request):
            return list(self.list_display)
        return [c for c in self.list_display if c != "trainer_name"]

    def get_list_filter(self, request: HttpRequest) -> list:
        if manages_trainers(request):
            return list(self.list_filter)
        return [f for f in self.list_filter if f is not ProgramTrainerFilter]

    def get_fieldsets(self, request: HttpRequest, obj: Program | None = None) -> list:
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": [
                            "client",
                            "template",
                            "name",
                            "starts_on",
                            "planned_days",
                            "sessions_per_week",
                        ]
                    },
                )
            ]
        return [
            (
                None,
                {
                    "fields": [
                        "client_link",
                        "name",
                        "period",
                        "schedule",
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
            "schedule",
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

    def save_with_service(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> Model:
        rows, *more = formsets  # the current exercises (the history is read-only), questionnaires
        if change:
            program = form.instance
            stored = {
                p.pk: p
                for p in Prescription.objects.select_related("program", "exercise").filter(
                    program=program, pk__in=[f.instance.pk for f in rows.initial_forms]
                )
            }
            changes = [
                replace(change, prescription=stored[change.prescription.pk])  # as stored
                for change in (f.change() for f in rows.initial_forms)
                if change is not None
            ]
            added = [
                f.spec()
                for f in rows.extra_forms
                if f.has_changed() and not f.cleaned_data.get("end")
            ]
            program_exercises_update(
                actor=request.user, program=program, changes=changes, added=added
            )
            for schedules in more:
                schedules_save(request.user, program, schedules)
            return program
        data = form.cleaned_data
        deleted = set(rows.deleted_forms)
        specs = [f.spec() for f in rows.forms if f.has_changed() and f not in deleted]
        return program_create(
            actor=request.user,
            client=data["client"],
            template=data.get("template"),
            name=data.get("name") or "",
            starts_on=data.get("starts_on"),
            sessions_per_week=None if data.get("planned_days") else data.get("sessions_per_week"),
            weekdays=data.get("planned_days") or None,
            prescriptions=specs or None,
        )

    # columns and read-only fields

    @admin.display(description="client", ordering="client__user__first_name")
    def client_link(self, obj: Program) -> str:
        return admin_link("admin:coaching_client_change", obj.client_id, obj.client)

    @admin.display(description="trainer", ordering="client__trainer__user__first_name")
    def trainer_name(self, obj: Program) -> str:
        return str(obj.client.trainer.user)

    @admin.display(description="exercises", ordering="_exercises")
    def exercise_count(self, obj: Program) -> int:
        return obj._exercises  # type: ignore[attr-defined]

    @admin.display(description="status")
    def period(self, obj: Program) -> str:
        if obj.status == Program.Status.ACTIVE:
            return f"Active since {short_date(obj.starts_on)}"
        return f"Ended: {short_date(obj.starts_on)} – {short_date(obj.ended_on)}"

    @admin.display(description="schedule")
    def schedule(self, obj: Program) -> str:
        return weekly.describe(obj.weekdays, obj.sessions_per_week)

    @admin.display(description="from template")
    def template_name(self, obj: Program) -> str:
        return obj.template.name if obj.template else "—"

    @admin.display(description="assigned by")
    def assigned_by(self, obj: Program) -> str:
        return str(obj.created_by) if obj.created_by else "—"


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
    list_display = ["name", "exercise_count", "schedule", "last_changed"]
    search_fields = ["name", "description"]
    inlines = [TemplatePrescriptionInline, OutcomeScheduleInline]
    ordering = ["name"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProgramTemplate]:
        return ordered(self, request, templates_for(request.user))

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        if is_superuser(request):
            return [*self.list_display[:1], "practice", *self.list_display[1:]]
        return list(self.list_display)

    def get_fieldsets(self, request: HttpRequest, obj: ProgramTemplate | None = None) -> list:
        # Trainers' templates go to their own practice; only a superuser says which one.
        practice = ["practice"] if is_superuser(request) else []
        return [
            (
                None,
                {
                    "fields": [
                        *practice,
                        "name",
                        "description",
                        "planned_days",
                        "sessions_per_week",
                    ]
                },
            )
        ]

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

    def save_with_service(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> Model:
        rows, *more = formsets  # the exercises, the questionnaires
        deleted = set(rows.deleted_forms)
        kept = [
            f
            for f in rows.forms
            if (f in rows.initial_forms or f.has_changed()) and f not in deleted
        ]
        data = form.cleaned_data
        values = {
            "name": data["name"],
            "description": data["description"],
            "sessions_per_week": None if data["planned_days"] else data["sessions_per_week"],
            "weekdays": data["planned_days"],
            "prescriptions": [f.spec() for f in kept],
        }
        if change:
            template = template_update(actor=request.user, template=form.instance, **values)
        else:
            template = template_create(actor=request.user, practice=data.get("practice"), **values)
        for schedules in more:
            schedules_save(request.user, template, schedules)
        return template

    def delete_model(self, request: HttpRequest, obj: ProgramTemplate) -> None:
        template_delete(actor=request.user, template=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProgramTemplate]) -> None:
        for template in queryset:
            template_delete(actor=request.user, template=template)

    @admin.display(description="last changed", ordering="updated_at")
    def last_changed(self, obj: ProgramTemplate) -> str:
        return short_date(timezone.localtime(obj.updated_at))

    @admin.display(description="schedule")
    def schedule(self, obj: ProgramTemplate) -> str:
        return weekly.describe(obj.weekdays, obj.sessions_per_week)

    @admin.display(description="exercises", ordering="prescription_count")
    def exercise_count(self, obj: ProgramTemplate) -> int:
        return obj.prescription_count  # type: ignore[attr-defined]
