"""The installable, offline-first portal in a real browser (Debian chromium, Playwright, the live
server): the service worker takes over, the pages a client needs stay usable with no network,
a check-in or a session saved offline waits on the phone (the client sees it) and is sent once
the network returns, a replayed record is stored once (its idempotency key), and the safety
answer to a red-flag symptom appears the moment the box is ticked, online or offline."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from coaching.journal.vocabulary import Symptom
from coaching.models import CheckIn, Session
from coaching.tests.browser_support import fill_session, rate, sign_in
from coaching.tests.helpers import wait_for
from triage.models import Flag

pytestmark = pytest.mark.browser

EMERGENCY = "Stop exercising. Seek emergency care now."
URGENT = "Stop exercising and contact your doctor today."


def controlled(page: Any, base: str) -> None:
    """Wait until the service worker is active and controls the page, with the portal's pages
    kept (the page warms them once it is ready)."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    if not page.evaluate("() => Boolean(navigator.serviceWorker.controller)"):
        page.reload()  # a page loaded before the worker was active: the next one is its
    page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)", timeout=15_000)
    kept = """async () => {
        const cache = await caches.open("portal-pages");
        const kept = await Promise.all(["/", "/log/", "/check-in/"].map((p) => cache.match(p)));
        return kept.every(Boolean);
    }"""
    deadline = time.monotonic() + 15
    while not page.evaluate(kept):
        keys = page.evaluate(
            "async () => (await (await caches.open('portal-pages')).keys()).map((r) => r.url)"
        )
        assert time.monotonic() < deadline, f"the portal's pages were not kept: {keys}"
        page.wait_for_timeout(100)


def outbox_size(page: Any) -> int:
    return page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("coaching-outbox");
            open.onsuccess = () => {
                const request = open.result.transaction("records").objectStore("records").count();
                request.onsuccess = () => resolve(request.result);
            };
        })"""
    )


def duplicate_in_outbox(page: Any, label: str) -> None:
    """A second copy of the waiting record labelled ``label``, as a replay would send it."""
    page.evaluate(
        """(label) => new Promise((resolve) => {
            const open = indexedDB.open("coaching-outbox");
            open.onsuccess = () => {
                const store = open.result.transaction("records", "readwrite").objectStore("records");
                store.getAll().onsuccess = (event) => {
                    const record = event.target.result.find((r) => r.label === label);
                    store.put({ ...record, key: record.key + "-again", savedAt: new Date().toISOString() });
                    store.transaction.oncomplete = () => resolve();
                };
            };
        })""",
        label,
    )


def test_a_session_and_a_check_in_saved_offline_are_stored_once_and_reviewed(
    phone, live_server, someone, celery_worker
):
    """The issue's scenario: install, go offline, log a session and a check-in, come back
    online, and find exactly one of each on the server, reviewed by a real worker; with a
    replay of the check-in in between, and the safety answer offline."""
    base = live_server.url
    sign_in(phone, base, "robin")
    controlled(phone, base)
    assert phone.evaluate("() => document.querySelector('link[rel=manifest]').href").endswith(
        "/manifest.webmanifest"
    )

    phone.context.set_offline(True)
    phone.goto(base + "/log/")  # from the phone's copy
    assert phone.get_by_text("You are offline.").is_visible()
    fill_session(phone, pain=2)
    phone.get_by_role("button", name="Save this session").click()
    phone.get_by_role("heading", name="Saved on this phone").wait_for()

    phone.goto(base + "/check-in/")
    assert phone.get_by_role("heading", name="Morning check-in").is_visible()
    rate(phone, "How much does your back hurt", 4)
    rate(phone, "How stiff does it feel?", 3)
    # the safety answer, with no network: urgent, then emergency wins, then urgent again
    phone.get_by_label(Symptom.FEVER.label).check()
    assert phone.get_by_role("alert").filter(has_text=URGENT).is_visible()
    phone.get_by_label(Symptom.BOTH_LEGS.label).check()
    assert phone.get_by_role("alert").filter(has_text=EMERGENCY).is_visible()
    assert not phone.get_by_text(URGENT).is_visible()
    phone.get_by_label(Symptom.BOTH_LEGS.label).uncheck()
    assert not phone.get_by_text(EMERGENCY).is_visible()
    assert phone.get_by_role("alert").filter(has_text=URGENT).is_visible()
    phone.get_by_role("button", name="Save my check-in").click()
    phone.get_by_role("heading", name="Saved on this phone").wait_for()

    waiting = phone.locator("#outbox")
    waiting.get_by_text("Check-in").wait_for()
    assert waiting.get_by_text("Session").is_visible()
    assert "sent when you are back online" in waiting.inner_text()
    assert outbox_size(phone) == 2
    assert not Session.objects.filter(client=someone).exists()
    assert not CheckIn.objects.filter(client=someone).exists()

    duplicate_in_outbox(phone, "Check-in")  # a replay: the same record (and key) twice
    phone.context.set_offline(False)
    phone.goto(base + "/")  # a page loaded online (or Background Sync) sends what waits
    assert wait_for(lambda: outbox_size(phone) == 0), "the outbox empties"

    (session,) = Session.objects.filter(client=someone)
    (check_in,) = CheckIn.objects.filter(client=someone)
    assert (session.pain_before, session.entries.count()) == (2, 2)
    assert (check_in.pain, check_in.stiffness, check_in.symptoms) == (4, 3, ["fever"])
    assert wait_for(
        lambda: (
            {r.review_state for r in (*Session.objects.all(), *CheckIn.objects.all())}
            == {"reviewed"}
        )
    ), "the worker reviews both"
    assert Flag.objects.filter(client=someone, rule="RF-URGENT").exists()  # the fever


def test_a_session_logged_offline_waits_and_is_sent_on_reconnecting(phone, live_server, someone):
    base = live_server.url
    sign_in(phone, base, "robin")
    controlled(phone, base)

    phone.context.set_offline(True)
    phone.goto(base + "/log/")
    fill_session(phone, pain=2)
    performed = phone.get_by_label("When did you exercise?").input_value()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", performed)
    phone.get_by_role("button", name="Save this session").click()
    phone.get_by_role("heading", name="Saved on this phone").wait_for()
    assert phone.locator("#outbox li").count() == 1
    assert not Session.objects.filter(client=someone).exists()

    # back online on the same page: the browser's "online" event sends it
    phone.context.set_offline(False)
    phone.get_by_text("1 saved record was sent").wait_for()
    session = Session.objects.get(client=someone)
    assert (session.pain_before, session.pain_after) == (2, 2)
    assert session.entries.count() == 2


def test_the_safety_answer_shows_at_once_online_too(phone, live_server, someone):
    base = live_server.url
    sign_in(phone, base, "robin")
    phone.goto(base + "/log/")
    assert not phone.get_by_text(EMERGENCY).is_visible()
    phone.get_by_label(Symptom.SADDLE_NUMBNESS.label).check()
    assert phone.get_by_role("alert").filter(has_text=EMERGENCY).is_visible()
    assert not Session.objects.filter(client=someone).exists()  # nothing sent to get it


def test_a_check_in_whose_network_drops_while_sending_is_kept_by_the_service_worker(
    phone,
    live_server,
    someone,
):
    base = live_server.url
    sign_in(phone, base, "robin")
    controlled(phone, base)
    phone.goto(base + "/check-in/")
    rate(phone, "How much does your back hurt", 2)
    rate(phone, "How stiff does it feel?", 1)

    # the phone says it is online, but the post never reaches the server
    def drop(route: Any) -> None:
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    phone.context.route("**/check-in/", drop)
    phone.get_by_role("button", name="Save my check-in").click()
    phone.wait_for_url(base + "/?outbox=saved")
    phone.get_by_role("heading", name="Saved on this phone").wait_for()
    assert outbox_size(phone) == 1
    assert not CheckIn.objects.filter(client=someone).exists()

    phone.context.unroute("**/check-in/")
    phone.goto(base + "/history/")
    phone.get_by_text("1 saved record was sent").wait_for()
    assert CheckIn.objects.get(client=someone).pain == 2
