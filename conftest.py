"""Shared fixtures. The suite runs on the machine's PostgreSQL and Redis (config/settings.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

pytest_plugins = ["celery.contrib.pytest"]


# --- Celery: a real worker (a thread of this process) consuming from the real Redis broker ----
@pytest.fixture
def celery_app():  # type: ignore[no-untyped-def]
    from config.celery import app

    return app


@pytest.fixture(scope="session")
def celery_worker_pool() -> str:
    return "solo"


@pytest.fixture(scope="session")
def celery_worker_parameters() -> dict[str, object]:
    # no ping check: it needs a result backend, and the platform keeps none
    return {"perform_ping_check": False, "shutdown_timeout": 30.0}


@pytest.fixture
def celery_worker(
    request, celery_app, celery_includes, celery_worker_pool, celery_worker_parameters
):  # type: ignore[no-untyped-def]
    """celery.contrib.pytest's worker, after emptying the test queue of earlier runs' leftovers."""
    from celery.contrib.testing import worker

    request.getfixturevalue("transactional_db")
    celery_app.control.purge()
    with worker.start_worker(celery_app, pool=celery_worker_pool, **celery_worker_parameters) as w:
        yield w


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: its database rows are new, so must answers be."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- People and clients -----------------------------------------------------------------------
@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def member(db):  # type: ignore[no-untyped-def]
    from coaching.tests.factories import UserFactory

    return UserFactory(username="member")


@pytest.fixture
def editor(db):  # type: ignore[no-untyped-def]
    from coaching.tests.factories import EditorFactory

    return EditorFactory(username="editor")


@pytest.fixture
def superuser(db):  # type: ignore[no-untyped-def]
    from coaching.tests.factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def member_api(member) -> Iterator[APIClient]:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(member)
    return client


# --- The real catalogue -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def catalogue_data():  # type: ignore[no-untyped-def]
    from django.conf import settings

    from exercises.loader import read_catalogue

    return read_catalogue(settings.CATALOGUE_FILE)


@pytest.fixture
def catalogue(db, catalogue_data):  # type: ignore[no-untyped-def]
    from exercises.services import catalogue_load

    return catalogue_load(catalogue=catalogue_data)
