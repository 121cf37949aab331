"""What clients log, in the trainers' admin: the client list's "last session" column, the
read-only session and check-in pages, and constant queries on their lists. Who sees which row is
in the actor matrix of ``test_admin.py``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import Session
from coaching.tests.admin_support import extend_world
from coaching.tests.factories import log_check_in, log_session

pytestmark = pytest.mark.django_db


WORLD_EXTENSION = extend_world  # names that cannot turn up on a page by chance


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


SESSIONS = reverse("admin:coaching_session_changelist")


def test_the_client_list_shows_the_date_of_the_last_session(client, world):
    client.force_login(world.trainer_a.user)
    three_days_ago = timezone.now() - timedelta(days=3)
    Session.objects.filter(pk=world.session_a.pk).update(performed_at=three_days_ago)
    log_session(world.client_a, performed_at=three_days_ago - timedelta(days=5))

    response = client.get(reverse("admin:coaching_client_changelist"))

    row = response.context["cl"].result_list[0]
    assert row.last_session_at == three_days_ago  # the latest, not the last logged
    html = response.content.decode()
    assert f"{timezone.localtime(three_days_ago):%-d %b %Y}" in html
    assert f"{SESSIONS}?client={world.client_a.pk}" in html


def test_a_client_without_sessions_says_none_yet(client, world):
    client.force_login(world.trainer_a.user)
    Session.objects.filter(client=world.client_a).delete()

    response = client.get(reverse("admin:coaching_client_changelist"))

    assert "none yet" in response.content.decode()


def test_the_client_list_sorts_by_last_session(client, world):
    client.force_login(world.admin.user)
    Session.objects.filter(pk=world.session_b.pk).update(
        performed_at=timezone.now() - timedelta(days=9)
    )
    response = client.get(reverse("admin:coaching_client_changelist"))
    column = response.context["cl"].list_display.index("last_session")
    response_column = client.get(reverse("admin:coaching_client_changelist"), {"o": str(column)})
    assert [c.pk for c in response_column.context["cl"].result_list] == [
        world.client_b.pk,
        world.client_a.pk,
    ]


def test_the_session_page_shows_what_was_done_and_how_it_felt(client, world):
    client.force_login(world.trainer_a.user)
    session = log_session(world.client_a, pain=4, symptoms=["leg_tingling", "saddle_numbness"])

    response = client.get(reverse("admin:coaching_session_change", args=[session.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Glute bridge" in html
    assert "3 × 8–12" in html  # prescribed
    assert "3 × (12, 12, 12) · RPE 6" in html  # done
    assert "Pins and needles in one leg or foot" in html
    assert "Numbness or tingling between the legs" in html
    assert "emergency" in html  # the answer the client was given
    assert 'name="_save"' not in html  # read-only


def test_logs_cannot_be_added_changed_or_deleted_in_the_admin(client, world):
    client.force_login(world.trainer_a.user)
    session = world.session_a
    assert client.get(reverse("admin:coaching_session_add")).status_code == 403
    change = reverse("admin:coaching_session_change", args=[session.pk])
    assert client.post(change, {"pain_before": 9}).status_code == 403
    assert (
        client.get(reverse("admin:coaching_session_delete", args=[session.pk])).status_code == 403
    )
    session.refresh_from_db()
    assert session.pain_before == 2


def test_the_session_list_filters_by_client_and_symptoms(client, world):
    client.force_login(world.admin.user)
    flagged = log_session(world.client_b, symptoms=["fever"])

    by_client = client.get(SESSIONS, {"client": world.client_b.pk})
    with_symptoms = client.get(SESSIONS, {"symptoms": "yes"})
    foreign = client.get(SESSIONS, {"client": world.client_c.pk})

    assert {s.pk for s in by_client.context["cl"].result_list} == {world.session_b.pk, flagged.pk}
    assert [s.pk for s in with_symptoms.context["cl"].result_list] == [flagged.pk]
    assert list(foreign.context["cl"].result_list) == []


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", [SESSIONS, reverse("admin:coaching_checkin_changelist")])
def test_the_log_lists_run_constant_queries(client, world, url):
    client.force_login(world.trainer_a.user)
    few = _queries(client, url)
    for day in range(40):
        log_session(world.client_a, performed_at=timezone.now() - timedelta(days=day))
        log_check_in(world.client_a, day=timezone.localdate() - timedelta(days=day))

    assert _queries(client, url) == few
