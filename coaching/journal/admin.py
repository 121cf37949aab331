"""What clients log, in the trainers' admin: sessions (with their entries) and check-ins,
read-only, with the symptoms and the safety answer the client was given."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Max, Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from coaching.accounts.selectors import clients_for
from coaching.journal.selectors import check_ins_for, sessions_for
from coaching.journal.vocabulary import Symptom, safety_for
from coaching.models import (
    CheckIn,
    Entry,
    Session,
)
from coaching.shared.admin import ReadOnlyAdmin, admin_link, nowrap, ordered, short_date


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
        return admin_link(
            "admin:coaching_client_change", obj.client_id, nowrap(str(obj.client.user))
        )

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
        return ordered(self, request, qs)

    @admin.display(description="performed", ordering="performed_at")
    def performed(self, obj: Session) -> str:
        return nowrap(f"{timezone.localtime(obj.performed_at):%-d %b %Y %H:%M}")

    @admin.display(description="worst pain during", ordering="_worst")
    def worst_pain_during(self, obj: Session) -> object:
        return obj._worst  # type: ignore[attr-defined]

    @admin.display(description="program")
    def program_link(self, obj: Session) -> str:
        return admin_link("admin:coaching_program_change", obj.program_id, obj.program.name)

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
        return ordered(self, request, qs)

    @admin.display(description="date", ordering="date")
    def day(self, obj: CheckIn) -> str:
        return nowrap(short_date(obj.date))
