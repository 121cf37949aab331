"""The Celery app. Configuration comes from Django settings (the CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("coaching")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """The filesystem broker (local default) needs its folders to exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_ready.connect
def _announce_worker(sender: object, **kwargs: object) -> None:
    """A heartbeat through the broker as soon as a worker is up, so /health/ need not wait for
    beat's first minute."""
    app.send_task("triage.tasks.record_heartbeat")
