"""The admin of programs (assigning one, changing its exercises, its history) and of the
practice's template library."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
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
from coaching.programs.forms import (
    PRESCRIPTION_FIELDS,
    PrescriptionForm,
    ProgramAddForm,
    ProgramTemplateForm,
)
from coaching.programs.selectors import programs_for, templates_for
from coaching.programs.services import (
    prescription_add,
    prescription_end,
    prescription_replace,
    program_create,
    template_create,
    template_delete,
    template_update,
)
from coaching.shared.admin import (
    ListDisplay,
    ServiceAdmin,
    TrainerFilter,
    admin_link,
    adopt,
    is_superuser,
    manages_trainers,
    marked_for_deletion,
    nowrap,
    ordered,
    record,
    short_date,
    without_related_buttons,
)
from exercises.selectors import exercise_list


class ProgramTrainerFilter(TrainerFilter):
    field_path = "client__trainer"


class CurrentPrescriptionFormSet(BaseInlineFormSet):
    """The current prescriptions of a program; saved by ``ProgramAdmin.save_related``."""


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
    inlines = [PrescriptionInline, EndedPrescriptionInline]
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
            if f.has_changed() and not marked_for_deletion(current, f)
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
        adopt(form.instance, program)
        record(current, new=list(program.prescriptions.select_related("exercise")))

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
            if marked_for_deletion(formset, form):
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
            if form.has_changed() and not marked_for_deletion(formset, form):
                spec = cast(PrescriptionForm, form).spec()  # the inline's form, as above
                new.append(prescription_add(actor=request.user, program=program, spec=spec))
        record(formset, new=new, changed=changed, deleted=ended)

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
    list_display = ["name", "exercise_count", "sessions_per_week", "last_changed"]
    search_fields = ["name", "description"]
    inlines = [TemplatePrescriptionInline]
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
        adopt(form.instance, template)
        record(
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
        return short_date(timezone.localtime(obj.updated_at))

    @admin.display(description="exercises", ordering="prescription_count")
    def exercise_count(self, obj: ProgramTemplate) -> int:
        return obj.prescription_count  # type: ignore[attr-defined]
