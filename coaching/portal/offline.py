"""The installable portal: the web app manifest, the service worker's script and the page shown
for a page that was never kept when there is no network.

``/sw.js`` is served from the root so that the worker may control every portal page. It names
the files to precache, each with a revision (a hash of its content, so that a changed file is
fetched again, whatever the static storage does with names), and imports the worker itself,
which esbuild bundles with Workbox from ``frontend/sw.js`` into ``static/dist/sw.js`` (``make``
builds it from the npm packages in package-lock.json)."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

PRECACHED_STATIC = (
    "css/portal.css",
    "js/portal.js",
    "dist/portal-offline.js",
    "icons/icon-192.png",
)
OFFLINE_PAGE = "/offline/"
THEME = "#1d4e89"


def _revision_of(path: str) -> str:
    found = finders.find(path)
    if not found:
        return "missing"
    with open(found, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:16]


_revision = _revision_of if settings.DEBUG else cache(_revision_of)


def _offline_revision() -> str:
    template = get_template("portal/offline.html").template  # type: ignore[attr-defined]
    return hashlib.sha256(template.source.encode()).hexdigest()[:16]


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    precache = [{"url": static(path), "revision": _revision(path)} for path in PRECACHED_STATIC]
    precache.append({"url": OFFLINE_PAGE, "revision": _offline_revision()})
    worker = static("dist/sw.js")
    script = (
        f"self.__PRECACHE = {json.dumps(precache)};\n"
        f"self.__ICON = {json.dumps(static('icons/icon-192.png'))};\n"
        f"importScripts({json.dumps(worker + '?v=' + _revision('dist/sw.js'))});\n"
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    icon = {"type": "image/png"}
    return JsonResponse(
        {
            "name": "Coaching — your exercise program",
            "short_name": "Coaching",
            "description": "Your program, your logs and your check-ins, also with no network.",
            "id": "/",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": THEME,
            "icons": [
                {**icon, "src": static("icons/icon-192.png"), "sizes": "192x192"},
                {**icon, "src": static("icons/icon-512.png"), "sizes": "512x512"},
                {
                    **icon,
                    "src": static("icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
    )


@require_GET
def offline_page(request: HttpRequest) -> HttpResponse:
    """What a page the device never kept shows with no network (precached by the worker)."""
    return render(request, "portal/offline.html")
