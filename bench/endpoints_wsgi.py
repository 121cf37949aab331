"""The real application plus the bare views of ``bench/endpoints.py`` (for that bench only).

Every bare view is mounted at ``/bench/bare`` + the path of the real endpoint or page it stands
beside, in the same Django process with the same settings and middleware: the API's in
``bench/_endpoints_api.py`` (hand-written SQL and ``json.dumps``), the writes in
``bench/_endpoints_writes.py``, the portal's in ``bench/_endpoints_pages.py`` (the same templates
from hand-written SQL rows), the admin's in ``bench/_endpoints_admin.py`` (a documented subset);
who is asking, for all of them, in ``bench/_endpoints_auth.py``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

import config.urls  # noqa: E402
from bench import _endpoints_admin as admin  # noqa: E402
from bench import _endpoints_api as api  # noqa: E402
from bench import _endpoints_pages as pages  # noqa: E402
from bench import _endpoints_writes as writes  # noqa: E402

API = "bench/bare/api/v1/"


def read_or_write(read, write):
    """GET lists, POST creates: one path, as the API's viewsets route them (the token is the
    only credential, so no CSRF check, as DRF's token authentication)."""

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        return write(request) if request.method == "POST" else read(request)

    return view


urlpatterns = [
    path(f"{API}me/", api.me),
    path(f"{API}me/program/", api.my_program),
    path(f"{API}sessions/", read_or_write(api.my_sessions, writes.session_create)),
    path(f"{API}sessions/<str:pk>/", api.my_session),
    path(f"{API}check-ins/", read_or_write(api.my_check_ins, writes.check_in_create)),
    path(f"{API}flags/", api.flags),
    path(f"{API}flags/<str:pk>/", api.flag),
    path(f"{API}clients/", api.clients),
    path(f"{API}clients/<str:pk>/", api.client),
    path(f"{API}clients/<str:pk>/sessions/", api.client_sessions),
    path(f"{API}programs/<str:pk>/", api.program),
    path("bench/bare/", pages.today),
    path("bench/bare/log/", pages.log),
    path("bench/bare/history/", pages.history),
    path("bench/bare/admin/triage/flag/", admin.admin_flags),
    path("bench/bare/admin/coaching/client/", admin.admin_clients),
    path("bench/bare/admin/", admin.admin_dashboard),
]

if urlpatterns[0] not in config.urls.urlpatterns:  # imported once per process
    config.urls.urlpatterns += urlpatterns
