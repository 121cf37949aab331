"""The data and the people of ``bench/endpoints.py``: the practice of ``bench/_load_data.py``
(trainers × clients with weeks of history, reviewed once so that the flag queues are full), the
people the bench signs in as, and their sign-ins over HTTP, as the apps and a browser do them.

Who: a trainer who is not the practice admin (``reader``: the flag queue, the client list, a
client, a program), one of that trainer's clients (``client``: their own sessions, check-ins,
program and the portal pages), and clients of another trainer who only post (``posters``: one
per virtual user), so that what the readers read does not grow while the bench runs."""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
from dataclasses import dataclass, field

PASSWORD = "bench-pass-1234567"  # the trainers' password in bench/_load_data.py
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Cast:
    """The people and rows the requests name (ids) and their credentials (filled by
    ``sign_in``)."""

    reader: str  # trainer username
    client: str  # client username
    posters: list[str]
    client_id: int
    program_id: int
    session_id: int
    flag_id: int
    prescriptions: dict[str, list[int]]  # poster username -> current prescription ids
    open_flags: int  # of the reader's clients
    tokens: dict[str, str] = field(default_factory=dict)  # username -> knox token
    cookies: dict[str, str] = field(default_factory=dict)  # username -> Cookie header (portal)
    admin_cookies: dict[str, str] = field(default_factory=dict)  # username -> Cookie (admin)


PRACTICE_ADMIN = "load-trainer-0"  # bench/_load_data.py: the practice admin


def populate(trainers: int, per_trainer: int, posters: int, seed: int = 12) -> Cast:
    """The practice of bench/_load_data.py (reviewed once: open flags), then the cast."""
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count

    from bench._load_data import populate as populate_practice
    from coaching.models import Client, Prescription, Session, User
    from triage.models import Flag

    assert trainers >= 3, "a practice admin, a reader and a trainer of the posters"
    assert posters <= per_trainer, "one poster per virtual user, all clients of one trainer"
    populate_practice(trainers, per_trainer, seed)
    reader = "load-trainer-1"
    mine = Client.objects.filter(trainer__user__username=reader)
    # the reader's client with the most sessions (a skipper's History would be thin)
    client = mine.annotate(n=Count("sessions")).order_by("-n", "pk").first()
    assert client is not None
    posting = list(
        Client.objects.filter(trainer__user__username="load-trainer-2")
        .order_by("pk")
        .select_related("user")[:posters]
    )
    flags = Flag.objects.filter(client__in=mine, status=Flag.Status.OPEN)
    first_flag = flags.order_by("urgency_rank", "-created_at", "-id").first()
    assert first_flag is not None, "the review opened no flag for the reader's clients"
    names = [client.user.username, *(p.user.username for p in posting)]
    # the COPY-written clients have no usable password: one hash for the few who sign in
    User.objects.filter(username__in=names).update(password=make_password(PASSWORD))
    current = Prescription.objects.filter(ended_at__isnull=True, program__status="active")
    return Cast(
        reader=reader,
        client=client.user.username,
        posters=[p.user.username for p in posting],
        client_id=client.pk,
        program_id=client.programs.get(status="active").pk,
        session_id=Session.objects.filter(client=client).order_by("-performed_at").first().pk,
        flag_id=first_flag.pk,
        prescriptions={
            p.user.username: list(
                current.filter(program__client=p)
                .order_by("order", "id")
                .values_list("pk", flat=True)
            )
            for p in posting
        },
        open_flags=flags.count(),
    )


# --- signing in over HTTP -----------------------------------------------------------------------


def _request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict[str, list[str]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    found: dict[str, list[str]] = {}
    for name, value in response.getheaders():
        found.setdefault(name.lower(), []).append(value)
    data = response.read()
    conn.close()
    return response.status, found, data


def api_sign_in(port: int, username: str) -> str:
    """POST /api/v1/auth/token/, as the mobile apps sign in: a knox token for this device."""
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    status, _, data = _request(
        port, "POST", "/api/v1/auth/token/", body, {"Content-Type": "application/json"}
    )
    assert status == 201, (username, status, data[:300])
    return json.loads(data)["token"]


def _cookies(headers: dict[str, list[str]], jar: dict[str, str]) -> None:
    for line in headers.get("set-cookie", []):
        name, _, rest = line.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def browser_sign_in(port: int, login_path: str, username: str) -> str:
    """Sign in with the login form (GET it for the CSRF cookie and field, POST the password),
    as a browser does: the Cookie header of the signed-in session (session id and CSRF)."""
    jar: dict[str, str] = {}
    status, headers, page = _request(port, "GET", login_path)
    assert status == 200, (login_path, status)
    _cookies(headers, jar)
    match = CSRF_INPUT.search(page.decode())
    assert match is not None, "no CSRF field on the login page"
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": username, "password": PASSWORD}
    ).encode()
    status, headers, data = _request(
        port,
        "POST",
        login_path,
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        },
    )
    assert status == 302, (login_path, username, status, data[:300])
    _cookies(headers, jar)
    assert "sessionid" in jar, "signed in without a session cookie"
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def sign_in(port: int, cast: Cast) -> None:
    """Tokens for the client, the reader and every poster; portal and admin sessions."""
    for username in (cast.client, cast.reader, *cast.posters):
        cast.tokens[username] = api_sign_in(port, username)
    cast.cookies[cast.client] = browser_sign_in(port, "/login/", cast.client)
    cast.admin_cookies[cast.reader] = browser_sign_in(port, "/admin/login/", cast.reader)
    cast.admin_cookies[PRACTICE_ADMIN] = browser_sign_in(port, "/admin/login/", PRACTICE_ADMIN)
