"""Shared fixtures. The suite runs on the machine's PostgreSQL and Redis (config/settings.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
def _groups_after_flush(request: pytest.FixtureRequest) -> None:
    """A transactional test starts from a database that an earlier one flushed, which also
    removed the groups the migrations made: make them again (idempotent)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional:
        from coaching.accounts.roles import ensure_groups

        request.getfixturevalue("transactional_db")
        ensure_groups()


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: its database rows are new, so must answers be."""
    from django.core.cache import cache

    from exercises.selectors import FRAGMENTS

    cache.clear()
    FRAGMENTS.forget()
    yield
    cache.clear()
    FRAGMENTS.forget()


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


# --- The actors of the permission matrix -------------------------------------------------------
def _build_world():  # type: ignore[no-untyped-def]
    """Two practices. In practice A: trainers A and B (colleagues), the practice admin, client A
    (trainer A's) and client B (trainer B's). In practice C: trainer C and client C. Plus a
    catalogue editor. Each client has an active program, a logged session, a check-in and an open
    regression flag."""
    from types import SimpleNamespace

    from coaching.tests.factories import (
        ClientFactory,
        EditorFactory,
        PracticeFactory,
        ProgramFactory,
        ProgramTemplateFactory,
        TrainerFactory,
        log_check_in,
        log_session,
    )
    from exercises.tests.factories import ExerciseFactory
    from triage.tests.factories import FlagFactory

    a = PracticeFactory(name="Riverside Physio")
    c = PracticeFactory(name="Hilltop Studio")
    w = SimpleNamespace(practice_a=a, practice_c=c)
    w.trainer_a = TrainerFactory(user__username="trainer_a", practice=a)
    w.trainer_b = TrainerFactory(user__username="trainer_b", practice=a)
    w.admin = TrainerFactory(user__username="practice_admin", practice=a, is_practice_admin=True)
    w.trainer_c = TrainerFactory(user__username="trainer_c", practice=c)
    w.client_a = ClientFactory(user__username="client_a", trainer=w.trainer_a)
    w.client_b = ClientFactory(user__username="client_b", trainer=w.trainer_b)
    w.client_c = ClientFactory(user__username="client_c", trainer=w.trainer_c)
    w.editor = EditorFactory(username="editor")
    w.exercise = ExerciseFactory(slug="glute-bridge", name="Glute bridge")
    w.draft = ExerciseFactory(slug="draft-exercise", status="draft")
    w.program_a = ProgramFactory(client=w.client_a, exercises=[w.exercise])
    w.program_b = ProgramFactory(client=w.client_b, exercises=[w.exercise])
    w.program_c = ProgramFactory(client=w.client_c, exercises=[w.exercise])
    w.template_a = ProgramTemplateFactory(practice=a, name="Glutes A")
    w.template_c = ProgramTemplateFactory(practice=c, name="Glutes C")
    for template in (w.template_a, w.template_c):
        template.prescriptions.create(exercise=w.exercise, sets=3, reps_min=8, reps_max=12)
    for name in ("a", "b", "c"):
        owner = getattr(w, f"client_{name}")
        setattr(w, f"session_{name}", log_session(owner, pain=2))
        setattr(w, f"check_in_{name}", log_check_in(owner, pain=2))
        setattr(w, f"flag_{name}", FlagFactory(client=owner))
    return w


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """The world of ``_build_world``, built for this test."""
    return _build_world()


class _ModuleWorld:
    """A world built once for a module, inside a transaction that stays open while the module's
    world tests run and is rolled back after them (what Django's ``TestCase.setUpTestData`` does
    for a class). Each test's own transaction is a savepoint inside it."""

    def __init__(self, blocker: Any, extend: Any = None) -> None:
        from django.db import transaction

        self._blocker = blocker
        blocker.unblock()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.extend = extend
        self.world = self.build()
        self.open = True

    def build(self):  # type: ignore[no-untyped-def]
        """A new world, with the directory's extension if it has one."""
        world = _build_world()
        if self.extend is not None:
            self.extend(world)
        return world

    def close(self) -> None:
        from django.db import transaction

        if self.open:
            self.open = False
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            self._blocker.restore()


_open_module_world: list[_ModuleWorld] = []


@pytest.fixture(scope="module")
def world_extension(request) -> Any:  # type: ignore[no-untyped-def]
    """What a module adds to its shared world (``WORLD_EXTENSION``, a function of the world),
    once, in the same transaction; or a directory's conftest (the portal's)."""
    return getattr(request.module, "WORLD_EXTENSION", None)


@pytest.fixture
def w(world):  # type: ignore[no-untyped-def]
    """The world, by its short name (the admin tests)."""
    return world


@pytest.fixture(scope="module")
def module_world(world_extension, django_db_setup, django_db_blocker) -> Iterator[_ModuleWorld]:  # type: ignore[no-untyped-def]
    """A module (or a directory's conftest) opts in by defining ``world`` as ``shared_world``: for
    tests of hundreds that read the same world (the matrices, the admin, the portal); never for
    transactional tests."""
    holder = _ModuleWorld(django_db_blocker, world_extension)
    _open_module_world.append(holder)
    yield holder
    holder.close()
    _open_module_world.remove(holder)


@pytest.fixture
def shared_world(module_world, db):  # type: ignore[no-untyped-def]
    """A deep copy of the module's world for one test (model instances included, no query), so a
    test that changes an instance in memory cannot leak it into the next one. Built afresh, in
    the test's own transaction, if the module's world was closed already."""
    import copy

    if not module_world.open:
        return module_world.build()
    return copy.deepcopy(module_world.world)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Within each module (after pytest-django has put the transactional tests last), the tests
    on the module's shared world first, so it can be closed before the others see its rows."""

    def shared(item: pytest.Item) -> bool:
        return "module_world" in getattr(item, "fixturenames", ())

    ordered: list[pytest.Item] = []
    run: list[pytest.Item] = []
    for item in items:
        if run and getattr(item, "module", None) is not getattr(run[0], "module", None):
            ordered += sorted(run, key=lambda i: not shared(i))
            run = []
        run.append(item)
    ordered += sorted(run, key=lambda i: not shared(i))
    items[:] = ordered


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test that does not use the module's shared world never sees its rows: close it first."""
    if _open_module_world and "module_world" not in getattr(item, "fixturenames", ()):
        for holder in _open_module_world:
            holder.close()
