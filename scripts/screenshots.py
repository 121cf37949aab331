"""Screenshots of the portal and the admin at phone and desktop width, in headless Debian
Chromium (never a downloaded browser), for looking at what we build.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 var/screenshots
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 var/screenshots \
        --trainer tara:password --trainer-only   # the trainers' admin, signed in as a trainer
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 var/screenshots \
        --client-only                            # the client's pages, as the demo's alice

The trainer's pages need a trainer with clients, at least one with an active program, and a
template in the practice's library.

The client's pages (Today, the log form empty and with errors, the check-in, the safety page,
the history) need a client with an active program (``--client``, default the demo's alice).
They WRITE to the database: one morning check-in reporting a red-flag symptom, to show the
safety page, so point the script at a demo database only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}

PORTAL = [
    ("login", "/login/"),
    ("catalogue", "/exercises/"),
    ("catalogue-search", "/exercises/?search=leg+raise&position=supine"),
    ("exercise", "/exercises/kneeling-rear-leg-raise-bent-knee/"),
]
ADMIN = [
    ("admin-exercises", "/admin/exercises/exercise/"),
    ("admin-exercise", None),  # the first exercise's change page
    ("api-docs", "/api/docs/"),
]


def sign_in(page, base: str, path: str, username: str, password: str) -> None:
    page.goto(base + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[type=submit]")
    page.wait_for_load_state("networkidle")


def trainer_admin(browser, base: str, out: Path, username: str, password: str) -> None:
    """The trainers' admin: client list, a client, their program, the template library and the
    assign-a-template action's page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "/admin/login/", username, password)

    def shot(name: str, full_page: bool = True) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out / f"trainer-{name}.png", full_page=full_page)

    page.goto(base + "/admin/")
    shot("admin-index")
    page.goto(base + "/admin/coaching/client/")
    shot("clients")
    page.goto(base + "/admin/coaching/client/?active_program=yes")
    page.click("#result_list tbody tr th a")
    shot("client")
    page.click("a.changelink >> text=Edit this program")
    shot("program")
    page.goto(base + "/admin/coaching/program/add/")
    shot("program-add")
    page.goto(base + "/admin/coaching/programtemplate/")
    shot("templates")
    page.click("#result_list tbody tr th a")
    shot("template")
    page.goto(base + "/admin/coaching/client/")
    for box in page.locator("#result_list tbody input.action-select").all()[:2]:
        box.check()
    page.select_option("select[name=action]", "assign_template")
    page.click("button[name=index]")
    shot("assign-template")
    context.close()


def client_portal(browser, base: str, out: Path, username: str, password: str) -> None:
    """The client's pages at phone and desktop width: ``client-<width>-<page>.png``."""
    safety_url = None
    for width_name, (w, h) in WIDTHS.items():
        context = browser.new_context(viewport={"width": w, "height": h})
        page = context.new_page()
        sign_in(page, base, "/login/", username, password)

        def shot(name: str, *, full_page: bool = True, _page=page, _width=width_name) -> None:
            _page.wait_for_load_state("networkidle")
            _page.screenshot(path=out / f"client-{_width}-{name}.png", full_page=full_page)

        page.goto(base + "/")
        shot("today")
        shot("today-top", full_page=False)
        page.goto(base + "/log/")
        shot("log")
        page.click("main button[type=submit]")  # nothing chosen: the form comes back with errors
        shot("log-errors", full_page=False)
        page.goto(base + "/check-in/")
        shot("check-in")
        if safety_url is None:  # one red-flag check-in for both widths
            page.check("#id_pain_3")
            page.check("#id_stiffness_4")
            page.check("input[value=saddle_numbness]")
            page.click("main button[type=submit]")
            page.wait_for_url("**/safety/")
            safety_url = page.url
        else:
            page.goto(safety_url)
        shot("safety")
        page.goto(base + "/history/")
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-pain')")
        shot("history")
        shot("history-top", full_page=False)
        context.close()


def main(
    base: str,
    out: Path,
    trainer: str | None = None,
    trainer_only: bool = False,
    client: str = "alice:client-demo-pass",
    client_only: bool = False,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        if trainer:
            username, _, password = trainer.partition(":")
            trainer_admin(browser, base, out, username, password)
        if trainer_only:
            browser.close()
            print("\n".join(str(p) for p in sorted(out.glob("trainer-*.png"))))
            return
        if client:
            username, _, password = client.partition(":")
            client_portal(browser, base, out, username, password)
        if client_only:
            browser.close()
            print("\n".join(str(p) for p in sorted(out.glob("client-*.png"))))
            return
        for width_name, (w, h) in WIDTHS.items():
            portal = browser.new_context(viewport={"width": w, "height": h})
            page = portal.new_page()
            page.goto(base + "/login/")
            page.screenshot(path=out / f"{width_name}-login.png", full_page=True)
            sign_in(page, base, "/login/", "editor", "editor-demo-pass")
            for name, path in PORTAL[1:]:
                page.goto(base + path)
                page.screenshot(path=out / f"{width_name}-{name}.png", full_page=True)
                page.screenshot(path=out / f"{width_name}-{name}-top.png")
            portal.close()
        admin = browser.new_context(viewport={"width": 1280, "height": 900})
        page = admin.new_page()
        sign_in(page, base, "/admin/login/", "editor", "editor-demo-pass")
        for name, path in ADMIN:
            if path is None:
                page.goto(base + "/admin/exercises/exercise/?q=kneeling")
                page.click("#result_list tbody tr th a")
            else:
                page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=out / f"{name}.png", full_page=name != "admin-exercise")
        browser.close()
    print("\n".join(str(p) for p in sorted(out.glob("*.png"))))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--trainer", help="username:password of a trainer with clients")
    parser.add_argument("--trainer-only", action="store_true", help="only the trainer's pages")
    parser.add_argument(
        "--client",
        default="alice:client-demo-pass",
        help="username:password of a client with an active program (empty: skip)",
    )
    parser.add_argument("--client-only", action="store_true", help="only the client's pages")
    opts = parser.parse_args()
    main(
        opts.base.rstrip("/"),
        opts.out,
        opts.trainer,
        opts.trainer_only,
        opts.client,
        opts.client_only,
    )
