"""Outcome measures in the admin: the questionnaires a program or template sends (an inline on
both, saved through the services with the rest of the page), the loaded instruments and the
clients' answers (read-only, the viewer's clients only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms import BaseFormSet
from django.http import HttpRequest
from django.utils import timezone

from coaching.journal.admin import ClientRecordAdmin
from coaching.outcomes.models import Instrument, OutcomeSchedule, QuestionnaireResponse
from coaching.outcomes.selectors import instrument_choices, responses_for
from coaching.outcomes.services import schedule_remove, schedule_set
from coaching.programs.models import Program, ProgramTemplate
from coaching.shared.admin import ReadOnlyAdmin, nowrap, ordered
from coaching.shared.selectors import Actor


class ScheduleForm(forms.ModelForm):
    instrument_slug = forms.ChoiceField(label="questionnaire", choices=instrument_choices)

    class Meta:
        model = OutcomeSchedule
        fields = ["instrument_slug", "at_start", "every_weeks", "at_end"]


class OutcomeScheduleInline(admin.TabularInline):
    """The questionnaires sent with a program or template, and when."""

    model = OutcomeSchedule
    form = ScheduleForm
    extra = 0
    fields = ["instrument_slug", "at_start", "every_weeks", "at_end"]
    verbose_name = "questionnaire"
    verbose_name_plural = "questionnaires (outcome measures)"


def schedules_save(actor: Actor, owner: Program | ProgramTemplate, rows: BaseFormSet) -> None:
    """The schedule rows of a saved page, through the services (a refusal undoes the page)."""
    deleted = set(rows.deleted_forms)
    for form in rows.forms:
        instance = form.instance
        if form in deleted:
            if instance.pk:
                schedule_remove(actor=actor, schedule=instance)
            continue
        if not form.has_changed():
            continue
        data = form.cleaned_data
        if instance.pk and instance.instrument_slug != data["instrument_slug"]:
            schedule_remove(actor=actor, schedule=OutcomeSchedule.objects.get(pk=instance.pk))
        schedule_set(
            actor=actor,
            owner=owner,
            instrument=data["instrument_slug"],
            at_start=data["at_start"],
            every_weeks=data["every_weeks"],
            at_end=data["at_end"],
        )


@admin.register(Instrument)
class InstrumentAdmin(ReadOnlyAdmin):
    """The questionnaires loaded (``manage.py load_instrument``), one row per version."""

    list_display = ["name", "slug", "version", "scoring", "created_at"]
    fields = ["name", "slug", "version", "terms", "instructions", "scoring", "created_at"]
    readonly_fields = ["name", "slug", "version", "terms", "instructions", "scoring", "created_at"]

    @admin.display(description="scoring")
    def scoring(self, obj: Instrument) -> str:
        d = obj.definition
        return (
            f"{d['scoring']}, {d['better']} is better, a meaningful change is "
            f"{d['meaningful_change']:g} points"
        )

    @admin.display(description="terms")
    def terms(self, obj: Instrument) -> str:
        return str(obj.definition.get("terms", ""))

    @admin.display(description="instructions")
    def instructions(self, obj: Instrument) -> str:
        return str(obj.definition.get("instructions", ""))


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(ClientRecordAdmin):
    """The clients' answers, scored with the version they answered."""

    list_display = ["answered", "client_link", "instrument", "score", "band", "review_state"]
    list_display_links = ["answered"]
    list_filter = ["review_state"]
    ordering = ["-answered_at", "-id"]
    fields = READ = (
        "client_link",
        "instrument",
        "answered",
        "answer_list",
        "score",
        "band",
        "review_state",
    )
    readonly_fields = READ

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuestionnaireResponse]:
        return ordered(self, request, responses_for(request.user))

    @admin.display(description="answered", ordering="answered_at")
    def answered(self, obj: QuestionnaireResponse) -> str:
        return nowrap(f"{timezone.localtime(obj.answered_at):%-d %b %Y %H:%M}")

    @admin.display(description="answers")
    def answer_list(self, obj: QuestionnaireResponse) -> str:
        answers: Any = obj.answers
        if "activities" in answers:
            return "; ".join(f"{a['name']}: {a['rating']}" for a in answers["activities"])
        return "; ".join(f"{k}: {v}" for k, v in answers.get("items", {}).items())
