"""The browser tests' fixtures and steps: headless Debian chromium (``/usr/bin/chromium``, never a
downloaded one) driven by Playwright's sync API against pytest-django's ``live_server``
(``coaching/tests/conftest.py`` makes the fixtures available to the modules here).

Playwright's sync API keeps an asyncio event loop in this thread, and Django refuses database
calls from a thread with a running loop; the browser fixture therefore sets
``DJANGO_ALLOW_ASYNC_UNSAFE`` while it runs (only for these tests: their ORM calls are plain
synchronous setup and checks, never run concurrently with the loop's work), and restores it."""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from coaching.tests.factories import PASSWORD, ClientFactory, ProgramFactory
from exercises.tests.factories import ExerciseFactory

PHONE = {"width": 390, "height": 844}


def _launch_options() -> dict[str, Any]:
    """The browser and flags of scripts/screenshots.py, so both drive the same chromium."""
    spec = importlib.util.spec_from_file_location(
        "screenshots", Path(settings.BASE_DIR) / "scripts" / "screenshots.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"executable_path": module.CHROMIUM, "args": module.ARGS}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = _launch_options()
    if not Path(options["executable_path"]).exists():
        pytest.fail(f"{options['executable_path']} is missing: `make test` installs chromium.")
    if not (Path(settings.BASE_DIR) / "node_modules" / "chart.js" / "dist").is_dir():
        pytest.fail("node_modules/chart.js is missing: run `npm ci` (`make test` does).")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(**options)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def someone(transactional_db: Any) -> Any:
    """A client with a two-exercise program, committed so that the live server sees it."""
    client = ClientFactory(user__username="robin")
    ProgramFactory(
        client=client,
        exercises=[
            ExerciseFactory(slug="glute-bridge", name="Glute bridge"),
            ExerciseFactory(slug="bird-dog", name="Bird-dog"),
        ],
    )
    return client


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def rate(page: Any, scale: str, value: int, within: Any = None) -> None:
    """Tick ``value`` on the 0–10 scale whose legend starts with ``scale``."""
    group = (within or page).get_by_role("group", name=re.compile("^" + re.escape(scale)))
    group.get_by_label(str(value), exact=True).check()


def fill_session(page: Any, *, pain: int) -> None:
    rate(page, "Pain before you started", pain)
    for n in range(2):
        entry = page.locator(f"#entry-{n}")
        rate(page, "Pain during this exercise", pain + 1, within=entry)
        entry.get_by_label("If it hurt: where?").select_option("lower_back")
        entry.get_by_label("What did the pain feel like?").select_option("ache")
    rate(page, "Pain when you finished", pain)
