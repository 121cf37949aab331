"""The reminders' pass (``reminders_send``) on PostgreSQL with a fixed clock: sent once per
client, day and kind, even when two passes run; one-click unsubscribe headers; a refusing mail
server keeps the row and is retried; preferences through the portal and the API, bad input
refused with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from smtplib import SMTPException
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from coaching.models import Program, Reminder, ReminderPreferences
from coaching.programs import schedule
from coaching.reminders import services
from coaching.reminders.services import preferences_update, reminders_send
from coaching.tests.factories import log_session
from coaching.tests.helpers import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


# Monday 23 November 2026, 18:05 in London (GMT)
MONDAY_EVENING = datetime(2026, 11, 23, 18, 5, tzinfo=UTC)


def planned(world: Any, **prefs: Any) -> Any:
    """Client A: a program planned every day since long ago, email reminders at 18:00."""
    Program.objects.filter(pk=world.program_a.pk).update(
        weekdays=schedule.ALL, sessions_per_week=7, starts_on=MONDAY_EVENING.date()
    )
    preferences_update(
        client=world.client_a, email=True, at=time(18, 0), time_zone="Europe/London", **prefs
    )
    return world.client_a


def test_a_reminder_mentions_a_questionnaire_that_is_due(world):
    from coaching.management.commands.load_instrument import SHIPPED
    from coaching.outcomes.services import instrument_file_load, schedule_set

    client = planned(world)
    instrument_file_load(SHIPPED / "psfs.yaml")
    schedule_set(actor=client.trainer.user, owner=world.program_a, instrument="psfs")
    assert reminders_send(now=MONDAY_EVENING).sent == 1
    (email,) = mail.outbox
    assert "a short questionnaire (Patient-Specific Functional Scale" in email.body
    assert "/questionnaires/psfs/" in email.body


def test_a_due_reminder_is_emailed_once_with_one_click_unsubscribe(world):
    client = planned(world)

    first = reminders_send(now=MONDAY_EVENING)
    again = reminders_send(now=MONDAY_EVENING + timedelta(minutes=5))

    assert (first.due, first.sent, again.due, again.sent) == (1, 1, 0, 0)
    (email,) = mail.outbox
    assert email.to == [client.user.email]
    assert "Time for today's exercises" in email.subject
    unsubscribe = email.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http")
    assert "/reminders/unsubscribe/" in unsubscribe
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (row,) = Reminder.objects.filter(client=client)
    assert (row.kind, row.day, row.status, row.attempts) == (
        "session",
        MONDAY_EVENING.date(),
        "sent",
        1,
    )

    # the one-click POST (no CSRF token, no sign-in) turns the emails off
    path = unsubscribe.strip("<>").split("127.0.0.1:8000")[-1]
    response = api(None).post(path)
    assert response.status_code == 200
    assert ReminderPreferences.objects.get(client=client).email is False
    tuesday = MONDAY_EVENING + timedelta(days=1)
    assert reminders_send(now=tuesday).sent == 0
    assert len(mail.outbox) == 1


def test_two_passes_at_once_send_one_reminder(world, monkeypatch):
    """The second pass finds the row written and claimed by the first (the claim is a
    conditional update), so it sends nothing, even though both saw it due."""
    planned(world)
    real = services._deliver
    inner: list[Any] = []

    def deliver_and_race(reminder: Any, candidate: Any, due: Any = ()) -> Any:
        if not inner:  # while the first pass is sending, a second beat runs
            inner.append(reminders_send(now=MONDAY_EVENING))
        return real(reminder, candidate, due)

    monkeypatch.setattr(services, "_deliver", deliver_and_race)
    outer = reminders_send(now=MONDAY_EVENING)

    assert (outer.sent, inner[0].sent, inner[0].due) == (1, 0, 0)
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_nothing_once_the_session_is_logged_nor_before_the_time_nor_in_quiet_hours(world):
    client = planned(world, quiet_from=time(18, 0), quiet_until=time(18, 30))
    assert reminders_send(now=MONDAY_EVENING - timedelta(minutes=10)).due == 0  # 17:55
    assert reminders_send(now=MONDAY_EVENING).due == 0  # 18:05: quiet
    log_session(client, performed_at=MONDAY_EVENING + timedelta(minutes=10))
    assert reminders_send(now=MONDAY_EVENING + timedelta(minutes=30)).due == 0  # logged
    assert not mail.outbox


def test_a_refusing_mail_server_keeps_the_row_and_the_next_pass_retries(world, monkeypatch):
    client = planned(world)

    def refuse(self: Any, *args: Any, **kwargs: Any) -> int:
        raise SMTPException("451 try later")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    first = reminders_send(now=MONDAY_EVENING)
    (row,) = Reminder.objects.filter(client=client)
    assert (first.failed, row.status, row.attempts) == (1, "failed", 1)
    assert "451 try later" in row.error

    monkeypatch.undo()
    second = reminders_send(now=MONDAY_EVENING + timedelta(minutes=5))
    row.refresh_from_db()
    assert (second.sent, row.status, row.attempts) == (1, "sent", 2)
    assert len(mail.outbox) == 1


def test_a_failing_reminder_is_tried_three_times_at_most(world, monkeypatch):
    planned(world)
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send",
        lambda self, *a, **k: (_ for _ in ()).throw(SMTPException("554")),
    )
    for minutes in range(0, 25, 5):
        reminders_send(now=MONDAY_EVENING + timedelta(minutes=minutes))
    (row,) = Reminder.objects.all()
    assert (row.status, row.attempts) == ("failed", 3)


def test_clients_without_reminders_or_without_a_program_get_none(world):
    planned(world)
    preferences_update(client=world.client_a, email=False)
    ReminderPreferences.objects.create(client=world.client_b, email=True)  # default: any days
    assert reminders_send(now=MONDAY_EVENING).due == 0
    assert not mail.outbox


def test_a_pass_reads_in_a_constant_number_of_queries(world, django_assert_max_num_queries):
    planned(world)
    reminders_send(now=MONDAY_EVENING)  # warm: the first pass writes and sends
    with django_assert_max_num_queries(5):
        reminders_send(now=MONDAY_EVENING + timedelta(minutes=5))


# --- preferences: the portal page and the API -----------------------------------------------------

SETTINGS = reverse("reminders:settings")
PREFERENCES = "/api/v1/me/preferences/"


def test_the_settings_page_saves_the_choices(client, world):
    client.force_login(world.client_a.user)
    assert client.get(SETTINGS).status_code == 200

    response = client.post(
        SETTINGS,
        {"email": "on", "at": "07:15", "check_in_at": "08:00", "time_zone": "Asia/Tokyo",
         "quiet_from": "22:00", "quiet_until": "06:30"},
    )  # fmt: skip

    assert response.status_code == 302
    prefs = ReminderPreferences.objects.get(client=world.client_a)
    assert (prefs.email, prefs.at, prefs.time_zone, prefs.quiet_until) == (
        True, time(7, 15), "Asia/Tokyo", time(6, 30),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"at": "25:00"}, "A time of day, 00:00 to 23:59."),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice."),
        ({"quiet_from": "22:00", "quiet_until": ""}, "Give both ends of the quiet hours"),
    ],
)
def test_bad_settings_come_back_as_form_errors_with_nothing_saved(client, world, change, message):
    client.force_login(world.client_a.user)
    data = {"email": "on", "at": "18:00", "check_in_at": "09:00", "time_zone": "Europe/London"}
    response = client.post(SETTINGS, {**data, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReminderPreferences.objects.filter(client=world.client_a).exists()


def test_the_api_reads_and_changes_the_preferences(world):
    phone = api(world.client_a.user)
    assert phone.get(PREFERENCES).json() == {
        "email": False, "push": False, "at": "18:00", "check_in": False, "check_in_at": "09:00",
        "time_zone": "Europe/London", "quiet_from": None, "quiet_until": None,
        "message_email": True,
        "push_key": None,  # this server has no VAPID key (test_push.py gives it one)
    }  # fmt: skip
    changed = phone.patch(PREFERENCES, {"email": True, "at": "06:45"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["email"], changed.json()["at"]) == (True, "06:45")
    assert ReminderPreferences.objects.get(client=world.client_a).at == time(6, 45)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"at": "24:00"}, "at"),
        ({"at": "noon"}, "at"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"quiet_from": "22:00"}, "quiet_until"),
    ],
)
def test_bad_preferences_are_a_400_naming_the_field(world, body, field):
    response = api(world.client_a.user).patch(PREFERENCES, body, format="json")
    assert response.status_code == 400
    assert field in {e["attr"] for e in response.json()["errors"]}
    assert not ReminderPreferences.objects.filter(client=world.client_a).exists()


@pytest.mark.parametrize("actor", ["trainer_a", None])
def test_preferences_are_the_clients_own(world, actor):
    user = getattr(world, actor).user if actor else None
    assert api(user).get(PREFERENCES).status_code == (403 if actor else 401)


def test_a_forged_unsubscribe_link_says_so(client):
    response = client.post(reverse("reminders:unsubscribe", args=["forged"]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
