"""Settings of the test suite (pytest's ``DJANGO_SETTINGS_MODULE``; the processes the tests start
inherit it): the production settings, on the machine's real PostgreSQL and Redis.

``TEST_DATABASE_URL`` and ``TEST_CELERY_BROKER_URL`` override the defaults (127.0.0.1). Each
pytest-xdist worker (gw0, gw1, …) gets a Redis database of its own (15, 14, …), as
pytest-django gives it a PostgreSQL database of its own (``test_coaching_gw0``, …)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from config.settings import *  # noqa: F403
from config.settings import env

DATABASES = {
    "default": {
        **env.db_url("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/coaching"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}

_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_BROKER_DB = 15 - (int(_XDIST_WORKER[2:]) if _XDIST_WORKER[2:].isdigit() else 0)
CELERY_BROKER_URL = env.str(
    "TEST_CELERY_BROKER_URL", default=f"redis://127.0.0.1:6379/{_BROKER_DB}"
)
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL)  # noqa: F405

# Argon2 at its cheapest (config/test_hashers.py): the production hashers still read any hash
PASSWORD_HASHERS = ["config.test_hashers.CheapArgon2PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405

# plain HTTP and plain static files, as under DEBUG; everything else as in production
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
