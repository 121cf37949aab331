"""Messages on a phone (Debian chromium, Playwright, the live server): a client reads what their
trainer wrote, answers about one of their sessions, and the answer is stored in their
conversation; the page fits the phone."""

from __future__ import annotations

import pytest

from coaching.messaging.services import message_post
from coaching.models import Message
from coaching.tests.browser_support import PHONE, sign_in
from coaching.tests.factories import log_session

pytestmark = pytest.mark.browser


def test_a_client_answers_their_trainer_about_a_session(phone, live_server, someone):
    base = live_server.url
    session = log_session(someone, pain=3)
    message_post(actor=someone.trainer.user, client=someone, body="How did the bridges feel?")
    sign_in(phone, base, "robin")

    phone.get_by_role("link", name="Messages").click()
    phone.wait_for_url(base + "/messages/")
    assert phone.get_by_text("1 new message").is_visible()
    assert phone.get_by_text("How did the bridges feel?").is_visible()
    phone.get_by_label("Your message").fill("Fine until the last set, then a pinch.")
    phone.get_by_label("About a session (optional)").select_option(str(session.pk))
    phone.get_by_role("button", name="Send").click()

    phone.get_by_text("Your message is sent").wait_for()
    assert phone.get_by_text("Fine until the last set, then a pinch.").is_visible()
    assert phone.get_by_text("about your session of").is_visible()
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    answer = Message.objects.get(client=someone, from_client=True)
    assert (answer.session_id, answer.author_name) == (session.pk, someone.user.get_full_name())
