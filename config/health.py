"""``/health/``: is the database answering, is the broker reachable, is a worker consuming?"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from triage.models import WorkerHeartbeat


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # report it, never raise: this is the page that must answer
        return f"error: {exc.__class__.__name__}"


def _broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    database = _database()
    broker = _broker()
    worker: dict[str, object] = {"status": "unknown", "last_seen": None}
    if database == "ok":
        try:
            beat = WorkerHeartbeat.objects.filter(name="worker").first()
        except Exception as exc:  # not migrated yet, say: report it, never raise
            beat = None
            worker = {"status": f"error: {exc.__class__.__name__}", "last_seen": None}
        if beat:
            age = timezone.now() - beat.last_seen
            worker = {
                "status": "ok" if age <= settings.HEARTBEAT_STALE_AFTER else "stale",
                "last_seen": beat.last_seen.isoformat(),
                "seconds_ago": int(age.total_seconds()),
            }
    healthy = database == "ok" and broker == "ok"
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "database": database,
            "broker": broker,
            "worker": worker,
        },
        status=200 if healthy else 503,
    )
