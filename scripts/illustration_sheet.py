"""Render every exercise's picture from a catalogue file to one PNG contact sheet, to look at.

    .venv/bin/python scripts/illustration_sheet.py [catalogue.yaml] [--out sheet.png] [--only SLUG,..]
        [--frames]   # also the animation at a few moments (the browser's own rendering)

Uses Debian's chromium through Playwright (no download). Needs no database.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("catalogue", nargs="?", default=ROOT / "exercises/catalogue/catalogue.yaml")
    parser.add_argument("--out", default=str(ROOT / "var" / "illustrations.png"))
    parser.add_argument("--only", default="")
    parser.add_argument("--columns", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from rest_framework.exceptions import ValidationError

    from exercises.illustration import animated_svg, still_svg, validate_illustration

    raw = yaml.safe_load(Path(args.catalogue).read_text())
    only = {s for s in args.only.split(",") if s}
    cells = []
    for exercise in raw["exercises"]:
        if only and exercise["slug"] not in only:
            continue
        data = exercise.get("illustration")
        if data is None:
            cells.append(
                f"<div class=c><b>{exercise['slug']}</b><p class=e>no illustration</p></div>"
            )
            continue
        try:
            data = validate_illustration(data)
        except ValidationError as exc:
            cells.append(f"<div class=c><b>{exercise['slug']}</b><p class=e>{exc.detail}</p></div>")
            continue
        cells.append(
            f"<div class=c><b>{exercise['slug']}</b>{still_svg(data, exercise['name'])}"
            f"<div class=a>{animated_svg(data, exercise['name'])}</div></div>"
        )
    page = (
        "<!doctype html><style>body{margin:8px;font:12px sans-serif}"
        f".g{{display:grid;grid-template-columns:repeat({args.columns},1fr);gap:8px}}"
        ".c{border:1px solid #ccc;padding:4px}.c svg{width:100%;height:auto;max-height:260px}"
        ".a svg{width:45%}.e{color:#b91c1c}</style><div class=g>" + "".join(cells) + "</div>"
    )
    html = Path(args.out).with_suffix(".html")
    html.write_text(page)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1500, "height": 900})
        tab.goto(html.as_uri())
        tab.screenshot(path=args.out, full_page=True)
        browser.close()
    print(args.out, html)


if __name__ == "__main__":
    main()
