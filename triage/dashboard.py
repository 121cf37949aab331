"""The caseload dashboard: the admin's home page for trainers (``config.admin_site`` calls
``index`` for them), and the client list's ``?caseload=…`` filter its numbers link to. The reads
are ``triage.caseload``'s; this module only turns them into a page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from coaching.models import Client
from triage.caseload import (
    ADHERENCE_ROWS,
    ATTENTION_ROWS,
    NO_LOG_PLANNED_DAYS,
    SETS,
    Caseload,
    caseload,
    caseload_set,
    visible_trainers,
)
from triage.selectors import among, thresholds_current

TEMPLATE = "admin/triage/dashboard/index.html"


def _chosen_trainer(request: HttpRequest, choices: list[Any]) -> int | None:
    value = request.GET.get("trainer", "")
    if value.isdigit() and any(t.pk == int(value) for t in choices):
        return int(value)
    return None


def links(board: Caseload, trainer_id: int | None) -> dict[str, Any]:
    """The filtered lists behind each number: the flag queue by urgency, the client list by
    ``?caseload=…`` (and by trainer, for a practice admin's choice). Keys with ``_`` for the
    template."""
    extra = {"trainer": trainer_id} if trainer_id is not None else {}
    flags = reverse("admin:triage_flag_changelist")
    clients = reverse("admin:coaching_client_changelist")
    return {
        "flags": [
            (f, f"{flags}?{urlencode({'urgency__exact': f.urgency, **extra})}") for f in board.flags
        ],
        "all_flags": f"{flags}?{urlencode(extra)}" if extra else flags,
        "sets": {
            key.replace("-", "_"): {
                "label": label,
                "count": board.count(key),
                "url": f"{clients}?{urlencode({'caseload': key, **extra})}",
            }
            for key, label in SETS.items()
        },
        "all_clients": f"{clients}?{urlencode(extra)}" if extra else clients,
    }


def chart_data(board: Caseload) -> dict[str, Any]:
    """What the small charts draw (the page shows the same numbers as text and tables)."""
    return {
        "flags": [{"label": f.label, "urgency": f.urgency, "count": f.count} for f in board.flags],
        "adherence": [{"label": label, "count": count} for label, count in board.adherence_bands],
        "outcomes": [
            {"label": "Weekly pain fell", "n": board.pain.n, "m": board.pain.m},
            {"label": "PSFS rose ≥ 2", "n": board.psfs.n, "m": board.psfs.m},
        ],
    }


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    trainers = visible_trainers(request.user)
    trainer_id = _chosen_trainer(request, trainers)
    board = caseload(request.user, trainer_id=trainer_id, thresholds=thresholds_current())
    return {
        "board": board,
        "trainers": trainers,
        "trainer_id": trainer_id,
        "links": links(board, trainer_id),
        "charts": chart_data(board),
        "no_log_days": NO_LOG_PLANNED_DAYS,
        "attention_rows": ATTENTION_ROWS,
        "adherence_rows": ADHERENCE_ROWS,
        "today": timezone.localdate(),
    }


def index(
    site: admin.AdminSite, request: HttpRequest, extra_context: dict[str, Any] | None = None
) -> TemplateResponse:
    """Django's index with the caseload above the list of models."""
    base = site.each_context(request)
    context = {
        **base,
        "title": "Your caseload",
        "subtitle": None,
        "app_list": base["available_apps"],  # (the same ``get_app_list``: worked out once)
        **dashboard_context(request),
        **(extra_context or {}),
    }
    request.current_app = site.name
    return TemplateResponse(request, TEMPLATE, context)


class CaseloadFilter(admin.SimpleListFilter):
    """``?caseload=…`` on the client list: the clients one number of the dashboard counts
    (worked out again, in the dashboard's constant number of queries)."""

    title = "caseload"
    parameter_name = "caseload"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return list(SETS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Client]) -> QuerySet[Client]:
        value = self.value()
        if value not in SETS:
            return queryset
        ids = sorted(caseload_set(request.user, value, thresholds=thresholds_current()))
        return queryset.filter(pk__in=among(ids)) if ids else queryset.none()
