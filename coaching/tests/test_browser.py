"""The client portal in a real browser (``browser_support``: Debian chromium, Playwright, the
live server): logging a session on a phone and seeing it charted, and the emergency page."""

from __future__ import annotations

import re

import pytest

from coaching.journal.vocabulary import Symptom
from coaching.models import Session
from coaching.tests.browser_support import PHONE, fill_session, sign_in

pytestmark = pytest.mark.browser


def test_a_client_logs_a_session_on_a_phone_and_sees_it_charted(phone, live_server, someone):
    base = live_server.url
    sign_in(phone, base, "robin")
    assert phone.get_by_role("heading", name="Today").is_visible()

    phone.get_by_role("link", name="Log today's session").first.click()
    phone.wait_for_url(base + "/log/")
    first_set = phone.get_by_label("Set 1: reps").first
    assert first_set.input_value() == "12"
    assert first_set.get_attribute("inputmode") == "numeric"
    first_set.fill("10")
    fill_session(phone, pain=2)
    phone.get_by_role("button", name="Save this session").click()

    phone.wait_for_url(base + "/history/")
    assert phone.get_by_text("Your session is saved").is_visible()
    canvas = phone.locator("canvas#chart-pain")
    assert canvas.count() == 1
    assert "pain" in (canvas.get_attribute("aria-label") or "")
    phone.wait_for_function("() => window.Chart && Chart.getChart('chart-pain')")
    points = phone.evaluate(
        "() => Chart.getChart(document.getElementById('chart-pain')).data.datasets[0].data"
    )
    assert points == [2]
    volume = phone.evaluate("() => Chart.getChart('chart-volume').data.datasets.length")
    assert volume == 2
    # the page fits the phone: nothing scrolls sideways
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    session = Session.objects.get(client=someone)
    assert (session.pain_before, session.pain_after) == (2, 2)
    assert sorted(e.pain_during for e in session.entries.all()) == [3, 3]
    assert [s.reps for s in session.entries.first().sets.all()] == [10, 12, 12]


def test_saddle_numbness_gets_the_emergency_page(phone, live_server, someone):
    base = live_server.url
    sign_in(phone, base, "robin")
    phone.goto(base + "/log/")
    fill_session(phone, pain=1)
    phone.get_by_label(Symptom.SADDLE_NUMBNESS.label).check()
    phone.get_by_role("button", name="Save this session").click()

    phone.wait_for_url(re.compile(r"/sessions/\d+/safety/$"))
    heading = phone.get_by_role("heading", level=1)
    assert heading.inner_text() == "Stop exercising. Seek emergency care now."
    assert phone.get_by_role("alert").is_visible()
    assert phone.get_by_text(Symptom.SADDLE_NUMBNESS.label).is_visible()
    assert Session.objects.get(client=someone).symptoms == ["saddle_numbness"]
