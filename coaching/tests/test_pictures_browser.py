"""Exercise pictures on a phone (Debian chromium, Playwright, the live server): Today shows each
exercise's drawing moving, a reader who asked for reduced motion gets the start and end positions
held still, and the drawings fit the phone's width."""

from __future__ import annotations

import pytest

from coaching.tests.browser_support import PHONE, sign_in

pytestmark = pytest.mark.browser

PICTURES = ".exercise-picture img"


def loaded_sources(page) -> list[str]:
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{PICTURES}')].every(i => i.complete && i.naturalWidth > 0)"
    )
    return page.eval_on_selector_all(
        PICTURES, "imgs => imgs.map(i => new URL(i.currentSrc).pathname)"
    )


def test_today_shows_each_exercise_moving(phone, live_server, someone):
    sign_in(phone, live_server.url, "robin")
    assert loaded_sources(phone) == [
        "/exercises/glute-bridge/animation.svg",
        "/exercises/bird-dog/animation.svg",
    ]
    widths = phone.eval_on_selector_all(
        PICTURES, "imgs => imgs.map(i => i.getBoundingClientRect().right)"
    )
    assert max(widths) <= PHONE["width"]
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_reduced_motion_holds_the_start_and_end_positions_still(browser, live_server, someone):
    context = browser.new_context(viewport=PHONE, is_mobile=True, reduced_motion="reduce")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "robin")
        assert loaded_sources(page) == [
            "/exercises/glute-bridge/illustration.svg",
            "/exercises/bird-dog/illustration.svg",
        ]
        page.get_by_role("link", name="Bird-dog").click()
        assert loaded_sources(page) == ["/exercises/bird-dog/illustration.svg"]
    finally:
        context.close()
