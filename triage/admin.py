"""The trainers' flag queue, the flag page with its actions, the rule thresholds (superusers),
and the client list's open-flag columns.

Reads go through ``triage.selectors.flags_for`` (a trainer: their clients' flags; a practice
admin: the practice's); actions go through ``triage.services``, whose refusals come back as
messages. The client list is coaching's, with a column registered here (``coaching.hooks``), so that
coaching imports nothing of triage (ARCHITECTURE.md: only admin registration, URLs and the enqueue call touch triage)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from coaching import hooks
from coaching.journal.admin import ClientRecordFilter
from coaching.models import CheckIn, Client, Session
from coaching.shared.admin import (
    ListAdmin,
    ListDisplay,
    TrainerFilter,
    admin_url,
    change_url,
    manages_trainers,
)
from triage import services
from triage.models import Flag, RuleSettings
from triage.rules import Thresholds
from triage.selectors import flag_get, flags_for, thresholds_current

URGENCY_COLOURS = {"emergency": "#a00000", "urgent": "#9a5b00", "routine": "#3d5a80"}


def _badge(urgency: str, label: str) -> str:
    return format_html(
        '<span style="background:{};color:#fff;border-radius:4px;padding:1px 6px;'
        'white-space:nowrap;font-weight:600">{}</span>',
        URGENCY_COLOURS.get(urgency, "#555"),
        label,
    )


class StatusFilter(admin.SimpleListFilter):
    """Open flags by default: the queue is what needs doing."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [(None, "Open"), *[(s, s.label) for s in Flag.Status if s != "open"], ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value} if value else {}, [self.parameter_name]
                ),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Flag]) -> QuerySet[Flag]:
        value = self.value()
        if value == "all":
            return queryset
        if value in Flag.Status.values:
            return queryset.filter(status=value)
        return queryset.filter(status=Flag.Status.OPEN)


class FlagTrainerFilter(TrainerFilter):
    """``?trainer=<id>``: the flags of one trainer's clients (practice admins; the dashboard's
    links for a chosen trainer)."""

    field_path = "client__trainer"


class NoteForm(forms.Form):
    """Every decision may carry a note to the client, posted in their Messages with it."""

    note = forms.CharField(
        label="Note to the client",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: sent to the client's Messages with this decision.",
    )


class DismissForm(NoteForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="Required: why this is not needed."
    )
    field_order = ["reason", "note"]


class ResolveForm(NoteForm):
    referred_to = forms.CharField(
        max_length=200, help_text="Whom the client was referred to (e.g. their GP, a physio)."
    )
    field_order = ["referred_to", "note"]


class ClearanceForm(NoteForm):
    clearance = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Who cleared the client, and for what. Lifts the hold on progression.",
    )
    field_order = ["clearance", "note"]


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "apply": NoteForm,
    "dismiss": DismissForm,
    "resolve": ResolveForm,
    "clear": ClearanceForm,
}


@admin.register(Flag)
class FlagAdmin(ListAdmin):
    """The queue: emergency, urgent, then routine, newest first within each."""

    list_display = [
        "urgency_badge",
        "age",
        "client_link",
        "rule",
        "exercise_name",
        "summary",
        "status",
    ]
    list_display_links = ["rule"]
    list_defer = ("evidence", "log_keys", "thresholds")  # (the page of one flag shows them)
    list_filter = [StatusFilter, "kind", "urgency", ClientRecordFilter, FlagTrainerFilter]
    search_fields = [
        "client__user__first_name",
        "client__user__last_name",
        "client__user__username",
    ]
    search_help_text = "Search by the client's name or username."
    ordering = ["urgency_rank", "-created_at", "-id"]
    list_per_page = 50
    change_form_template = "admin/triage/flag/change_form.html"

    class Media:
        css = {"all": ["triage/admin.css"]}

    fieldsets = [
        (None, {"fields": ["client_link", "urgency_badge", "rule", "kind", "status_line"]}),
        ("Why", {"fields": ["reason", "evidence_table", "suggestion_text"]}),
        ("History", {"fields": ["audit_trail", "thresholds_used"], "classes": ["collapse"]}),
    ]
    readonly_fields = [
        "client_link",
        "urgency_badge",
        "rule",
        "kind",
        "status_line",
        "reason",
        "evidence_table",
        "suggestion_text",
        "audit_trail",
        "thresholds_used",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return flags_for(request.user).order_by(*self.ordering)

    def get_list_filter(self, request: HttpRequest) -> list:
        if manages_trainers(request):
            return list(self.list_filter)
        return [f for f in self.list_filter if f is not FlagTrainerFilter]

    def get_list_display(self, request: HttpRequest) -> ListDisplay:
        # the default view is the open queue: a status column would say "Open" on every row
        if request.GET.get(StatusFilter.parameter_name) in (None, "open"):
            return [c for c in self.list_display if c != "status"]
        return list(self.list_display)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Flag | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Flag | None = None) -> bool:
        return False  # the page is read-only; the actions below are the changes

    def _may_act(self, request: HttpRequest) -> bool:
        return request.user.has_perm("triage.change_flag")

    # columns and fields

    @admin.display(description="urgency", ordering="urgency_rank")
    def urgency_badge(self, obj: Flag) -> str:
        return _badge(obj.urgency, obj.get_urgency_display())

    @admin.display(description="client", ordering="client__user__first_name")
    def client_link(self, obj: Flag) -> str:
        url = change_url("coaching_client", obj.client_id)
        return format_html('<a href="{}">{}</a>', url, obj.client.user)

    @admin.display(description="exercise")
    def exercise_name(self, obj: Flag) -> str:
        return obj.exercise.name if obj.exercise else "—"

    @admin.display(description="suggestion")
    def summary(self, obj: Flag) -> str:
        if obj.status == Flag.Status.WITHDRAWN:  # the list of withdrawn flags: why
            return _short(f"Withdrawn: {obj.withdraw_reason}")
        text = _short((obj.suggestion or {}).get("text", "") or obj.reason.split(": ")[0])
        if obj.status == Flag.Status.OPEN and obj.not_firing_since is not None:
            return format_html(
                '{} <span class="quiet">(no longer firing since {})</span>',
                text,
                f"{timezone.localtime(obj.not_firing_since):%-d %b}",
            )
        return text

    @admin.display(description="raised", ordering="created_at")
    def age(self, obj: Flag) -> str:
        return f"{timezone.localtime(obj.created_at):%-d %b %H:%M}"

    @admin.display(description="status")
    def status_line(self, obj: Flag) -> str:
        parts = [obj.get_status_display()]
        if obj.status == Flag.Status.WITHDRAWN:
            when = timezone.localtime(obj.decided_at or obj.updated_at)
            parts.append(f"by the review on {when:%-d %b %Y}: {obj.withdraw_reason}")
        if obj.status == Flag.Status.OPEN and obj.not_firing_since is not None:
            parts.append(
                f"— no longer firing since {timezone.localtime(obj.not_firing_since):%-d %b %Y %H:%M}"
                ": the client's current history no longer shows it; resolve or dismiss it"
            )
        if obj.decided_by_id:
            parts.append(f"by {obj.decided_by} on {timezone.localtime(obj.decided_at):%-d %b %Y}")
        if obj.referred_to:
            parts.append(f"referred to {obj.referred_to}")
        if obj.dismiss_reason:
            parts.append(f"— {obj.dismiss_reason}")
        if obj.kind == Flag.Kind.REFERRAL:
            parts.append(
                f"cleared: {obj.clearance}"
                if obj.cleared_at
                else "progression on hold until the clearance is recorded"
            )
        if obj.times_fired > 1:
            parts.append(
                f"(fired {obj.times_fired} times, last {timezone.localtime(obj.last_fired_at):%-d %b %H:%M})"
            )
        return " ".join(parts)

    @admin.display(description="evidence")
    def evidence_table(self, obj: Flag) -> str:
        evidence = dict(obj.evidence or {})
        reports = evidence.pop("reports", [])
        facts = format_html_join(
            "",
            "<div><strong>{}</strong>: {}</div>",
            ((k.replace("_", " "), _text(v)) for k, v in evidence.items()),
        )
        if not reports:
            return facts
        columns = sorted({k for r in reports for k in r}, key=lambda k: (k != "day", k != "log", k))
        head = format_html_join("", "<th>{}</th>", ((c.replace("_", " "),) for c in columns))
        rows = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((_text(r.get(c, "")),) for c in columns)),)
                for r in reports
            ),
        )
        return format_html(
            "{}<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", facts, head, rows
        )

    @admin.display(description="suggested change")
    def suggestion_text(self, obj: Flag) -> str:
        text = (obj.suggestion or {}).get("text")
        return text or "None: a decision for the trainer."

    @admin.display(description="audit trail")
    def audit_trail(self, obj: Flag) -> str:
        return format_html_join(
            "",
            "<div>{} — {}{}{}</div>",
            (
                (
                    f"{timezone.localtime(e.at):%-d %b %Y %H:%M}",
                    e.get_action_display(),
                    f" by {e.actor}" if e.actor_id else "",
                    f": {e.note}" if e.note else "",
                )
                for e in obj.events.select_related("actor")
            ),
        )

    @admin.display(description="thresholds used")
    def thresholds_used(self, obj: Flag) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted((obj.thresholds or {}).items()))

    # the page and its actions

    def get_urls(self) -> list:
        return [
            path(
                "<int:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.act_view),
                name="triage_flag_act",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        flag = self.get_object(request, object_id)
        if flag is not None:
            context.update(self._action_context(request, flag))
            context["pain_chart"] = _pain_series(flag)
        return super().change_view(request, object_id, form_url, context)

    def _action_context(self, request: HttpRequest, flag: Flag, **forms_: forms.Form) -> dict:
        actions: dict[str, Any] = {}
        if self._may_act(request):
            if flag.status == Flag.Status.OPEN and flag.kind in (
                Flag.Kind.PROGRESSION,
                Flag.Kind.REGRESSION,
            ):
                actions["apply"] = forms_.get("apply") or NoteForm(prefix="apply")
            if flag.status == Flag.Status.OPEN:
                actions["dismiss"] = forms_.get("dismiss") or DismissForm(prefix="dismiss")
            if flag.kind == Flag.Kind.REFERRAL and flag.status == Flag.Status.OPEN:
                actions["resolve"] = forms_.get("resolve") or ResolveForm(prefix="resolve")
            if flag.holds_progression and flag.status == Flag.Status.RESOLVED:
                actions["clear"] = forms_.get("clear") or ClearanceForm(prefix="clear")
        return {"flag_actions": actions}

    def act_view(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:triage_flag_change", args=[object_id]))
        if not self._may_act(request):
            raise PermissionDenied
        flag = flag_get(request.user, object_id)
        page = reverse("admin:triage_flag_change", args=[flag.pk])
        form_class = ACTION_FORMS.get(action)
        form = form_class(request.POST, prefix=action) if form_class else None
        if action not in ACTION_FORMS:
            raise PermissionDenied
        if form is not None and not form.is_valid():
            return self._with_errors(request, flag, action, form)
        data = form.cleaned_data if form is not None else {}
        try:
            if action == "apply":
                services.flag_apply(actor=request.user, flag=flag, note=data["note"])
                done = "Applied: the program now has the suggested change (the old prescription stays in its history)."
            elif action == "dismiss":
                services.flag_dismiss(
                    actor=request.user, flag=flag, reason=data["reason"], note=data["note"]
                )
                done = "Dismissed."
            elif action == "resolve":
                services.flag_resolve(
                    actor=request.user,
                    flag=flag,
                    referred_to=data["referred_to"],
                    note=data["note"],
                )
                done = (
                    "Referral recorded. Progression stays on hold until the clearance is recorded."
                )
            else:
                services.flag_resolve(
                    actor=request.user, flag=flag, clearance=data["clearance"], note=data["note"]
                )
                done = "Clearance recorded: progression is no longer held."
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(page)
        messages.success(request, done)
        return HttpResponseRedirect(page)

    def _with_errors(
        self, request: HttpRequest, flag: Flag, action: str, form: forms.Form
    ) -> HttpResponse:
        messages.error(request, "Please correct the error below.")
        request.method = "GET"  # render the page (read-only) again, with the form's errors
        response = self.change_view(request, str(flag.pk))
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            response.context_data.update(self._action_context(request, flag, **{action: form}))
        return response


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 2].rstrip() + "…"


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _pain_series(flag: Flag) -> dict[str, list]:
    """Four weeks of the client's pain up to the flag, for the small chart on its page: two
    queries."""
    end = flag.last_fired_at
    start = end - timedelta(days=28)
    sessions = (
        Session.objects.filter(
            client_id=flag.client_id, performed_at__gt=start, performed_at__lte=end
        )
        .annotate(worst=Max("entries__pain_during"))
        .order_by("performed_at")
        .values_list("performed_at", "pain_before", "worst", "pain_after")
    )
    check_ins = (
        CheckIn.objects.filter(
            client_id=flag.client_id,
            date__gt=timezone.localtime(start).date(),
            date__lte=timezone.localtime(end).date(),
        )
        .order_by("date")
        .values_list("date", "pain")
    )
    return {
        "sessions": [
            {
                "x": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
                "before": before,
                "during": worst,
                "after": after,
            }
            for at, before, worst, after in sessions
        ],
        "mornings": [{"x": f"{day:%Y-%m-%d} 07:00", "pain": pain} for day, pain in check_ins],
    }


# --- the client list: open flags --------------------------------------------------------------


def _with_open_flags(clients: QuerySet[Client]) -> QuerySet[Client]:
    open_flags = Q(flags__status=Flag.Status.OPEN)
    return clients.annotate(
        open_flags=Count("flags", filter=open_flags),
        top_urgency=Min("flags__urgency_rank", filter=open_flags),
    )


@admin.display(description="open flags", ordering="top_urgency")
def flags_column(obj: Client) -> str:
    """Each client's open flags and their highest urgency, linking to them in the queue."""
    count = obj.open_flags  # type: ignore[attr-defined]
    if not count:
        return format_html('<span class="quiet">{}</span>', "none")
    urgency = {v: k for k, v in Flag.URGENCY_RANK.items()}[obj.top_urgency]  # type: ignore[attr-defined]
    url = admin_url("admin:triage_flag_changelist")
    return format_html(
        '<a href="{}?client={}">{}</a>', url, obj.pk, _badge(urgency, f"{count} · {urgency}")
    )


# coaching's client list, with the open flags (coaching imports nothing of triage)
hooks.add_client_column(hooks.ClientColumn(annotate=_with_open_flags, display=flags_column))


# --- the thresholds -----------------------------------------------------------------------------


def _thresholds_form() -> type[forms.Form]:
    fields = {
        name: forms.IntegerField(min_value=0, label=name.replace("_", " "), initial=default.default)
        for name, default in Thresholds.__dataclass_fields__.items()
    }
    return type("ThresholdsForm", (forms.Form,), fields)


@admin.register(RuleSettings)
class RuleSettingsAdmin(admin.ModelAdmin):
    """Superusers change the rules' thresholds here, without a deploy; each new or refreshed
    flag records the values it was computed with."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: RuleSettings | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: RuleSettings | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RuleSettings | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        form_class = _thresholds_form()
        current = thresholds_current().as_dict()
        form = form_class(request.POST or None, initial=current)
        if request.method == "POST" and form.is_valid():
            changed = {k: v for k, v in form.cleaned_data.items() if v != current.get(k)}
            services.thresholds_update(actor=request.user, values=changed)
            messages.success(request, f"Saved ({len(changed)} changed).")
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": "Rule thresholds",
            "form": form,
            "opts": self.model._meta,
            "defaults": Thresholds().as_dict(),
        }
        return TemplateResponse(request, "admin/triage/rulesettings/edit.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:triage_rulesettings_changelist"))
