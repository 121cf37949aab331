"""Screenshots of the portal and the admin at phone and desktop width, in headless Debian
Chromium (never a downloaded browser), for looking at what we build.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 var/screenshots
"""

from __future__ import annotations

import sys
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


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
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
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
