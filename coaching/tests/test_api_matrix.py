"""Who may do what on every route of the trainer and client APIs, actor by actor, with an
object of practice A (trainer A's) and one of practice C: the exact status code, nothing written
when refused, and no foreign row in any list, filter or search.

The actors (the ``world`` fixture): anonymous; client A (trainer A's) and client B (trainer
B's); trainers A and B (colleagues in practice A); trainer C (practice C); the practice admin of
A; a catalogue editor; and, from conftest, a plain member and a superuser.

The rule: 401 when not signed in. On the trainer routes, someone who is not a trainer gets 403
on a collection route (list, create) and 404 on a detail route (retrieve, update, assign); on the
client routes (``/me/program/``, ``/sessions/``, ``/check-ins/``) the same for someone who is not
a client. Another person's object is a 404 in the URL and a 400 "does not exist" in the body
(``client``, ``template``, ``trainer``, a session's ``prescription``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import yaml
from rest_framework.test import APIClient

from coaching.models import Client, Program, ProgramTemplate
from coaching.reminders.tests.test_push import Device
from coaching.tests.factories import session_body
from coaching.tests.helpers import NEW_PASSWORD, api, state


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous", "client_a", "client_b", "trainer_a", "trainer_b", "trainer_c", "admin", "editor",
    "member", "superuser",
)  # fmt: skip
CLIENTS, PROGRAMS, TEMPLATES = "/api/v1/clients/", "/api/v1/programs/", "/api/v1/templates/"
SESSIONS, CHECK_INS, FLAGS = "/api/v1/sessions/", "/api/v1/check-ins/", "/api/v1/flags/"
DEVICES = "/api/v1/me/devices/"  # another client's device: test_push.py
DEVICE = Device("https://push.example.com/send/matrix").subscription()


def user_of(request: pytest.FixtureRequest, world: Any, actor: str) -> Any:
    if actor == "anonymous":
        return None
    if actor in ("member", "superuser"):  # the conftest fixtures of those names
        return request.getfixturevalue(actor)
    who = getattr(world, actor)
    return who if actor == "editor" else who.user


def a_session(w: Any, actor: str) -> dict[str, Any]:
    """A session answering client A's program: theirs to log, no one else's."""
    return session_body(w.program_a, pain=2)


def a_check_in(w: Any, actor: str) -> dict[str, Any]:
    return {"date": str(date.today()), "pain": 2, "stiffness": 3, "symptoms": []}


def rx() -> list[dict[str, Any]]:
    return [{"exercise": "glute-bridge", "sets": 3, "reps_min": 8, "reps_max": 12}]


def new_client(actor: str) -> dict[str, Any]:
    return {"username": f"new_{actor}", "email": f"{actor}@example.com", "password": NEW_PASSWORD}


Path = Callable[[Any], str]
Body = Callable[[Any, str], Any] | None

# name: (method, path, body); "A" is an object of practice A (trainer A's), "C" of practice C
ROUTES: dict[str, tuple[str, Path, Body]] = {
    "clients list": ("get", lambda w: CLIENTS, None),
    "clients create": ("post", lambda w: CLIENTS, lambda w, a: new_client(a)),
    "client A retrieve": ("get", lambda w: f"{CLIENTS}{w.client_a.pk}/", None),
    "client C retrieve": ("get", lambda w: f"{CLIENTS}{w.client_c.pk}/", None),
    "client A update": ("patch", lambda w: f"{CLIENTS}{w.client_a.pk}/", lambda w, a: {"notes": a}),
    "client C update": ("patch", lambda w: f"{CLIENTS}{w.client_c.pk}/", lambda w, a: {"notes": a}),
    "client A reassign to B": (
        "patch", lambda w: f"{CLIENTS}{w.client_a.pk}/", lambda w, a: {"trainer": w.trainer_b.pk}
    ),
    "programs list": ("get", lambda w: PROGRAMS, None),
    "program create, client A": (
        "post", lambda w: PROGRAMS,
        lambda w, a: {"client": w.client_a.pk, "name": "P", "prescriptions": rx()},
    ),
    "program create, client C": (
        "post", lambda w: PROGRAMS,
        lambda w, a: {"client": w.client_c.pk, "name": "P", "prescriptions": rx()},
    ),
    "program create, template A, client A": (
        "post", lambda w: PROGRAMS, lambda w, a: {"client": w.client_a.pk, "template": w.template_a.pk}
    ),
    "program create, template A, client C": (
        "post", lambda w: PROGRAMS, lambda w, a: {"client": w.client_c.pk, "template": w.template_a.pk}
    ),
    "program A retrieve": ("get", lambda w: f"{PROGRAMS}{w.program_a.pk}/", None),
    "program C retrieve": ("get", lambda w: f"{PROGRAMS}{w.program_c.pk}/", None),
    "templates list": ("get", lambda w: TEMPLATES, None),
    "templates create": (
        "post", lambda w: TEMPLATES, lambda w, a: {"name": f"T {a}", "prescriptions": rx()}
    ),
    "template A retrieve": ("get", lambda w: f"{TEMPLATES}{w.template_a.pk}/", None),
    "template C retrieve": ("get", lambda w: f"{TEMPLATES}{w.template_c.pk}/", None),
    "template A assign, client A": (
        "post", lambda w: f"{TEMPLATES}{w.template_a.pk}/assign/",
        lambda w, a: {"clients": [w.client_a.pk]},
    ),
    "template C assign, client C": (
        "post", lambda w: f"{TEMPLATES}{w.template_c.pk}/assign/",
        lambda w, a: {"clients": [w.client_c.pk]},
    ),
    "template A assign, client C": (
        "post", lambda w: f"{TEMPLATES}{w.template_a.pk}/assign/",
        lambda w, a: {"clients": [w.client_c.pk]},
    ),
    "client A sessions": ("get", lambda w: f"{CLIENTS}{w.client_a.pk}/sessions/", None),
    "client C sessions": ("get", lambda w: f"{CLIENTS}{w.client_c.pk}/sessions/", None),
    "client A export": ("get", lambda w: f"{CLIENTS}{w.client_a.pk}/export/", None),
    "client A anonymise": (
        "post", lambda w: f"{CLIENTS}{w.client_a.pk}/erase/", lambda w, a: {"mode": "anonymise"}
    ),
    # client A chose a password: nobody may invite them (400), nothing to show or withdraw
    "client A invite": ("post", lambda w: f"{CLIENTS}{w.client_a.pk}/invite/", lambda w, a: {}),
    "client A invitation": ("get", lambda w: f"{CLIENTS}{w.client_a.pk}/invite/", None),
    "client A invitation withdraw": ("delete", lambda w: f"{CLIENTS}{w.client_a.pk}/invite/", None),
    "flags list": ("get", lambda w: FLAGS, None),
    "flag A retrieve": ("get", lambda w: f"{FLAGS}{w.flag_a.pk}/", None),
    "flag C retrieve": ("get", lambda w: f"{FLAGS}{w.flag_c.pk}/", None),
    "flag A apply": ("post", lambda w: f"{FLAGS}{w.flag_a.pk}/apply/", lambda w, a: {}),
    "flag A dismiss": (
        "post", lambda w: f"{FLAGS}{w.flag_a.pk}/dismiss/", lambda w, a: {"reason": "Seen it."}
    ),
    "flag C dismiss": (
        "post", lambda w: f"{FLAGS}{w.flag_c.pk}/dismiss/", lambda w, a: {"reason": "Seen it."}
    ),
    "flag A resolve (not a referral)": (
        "post", lambda w: f"{FLAGS}{w.flag_a.pk}/resolve/", lambda w, a: {"referred_to": "GP"}
    ),
    # the client's side
    "me": ("get", lambda w: "/api/v1/me/", None),
    "sign in (wrong password)": (
        "post", lambda w: "/api/v1/auth/token/",
        lambda w, a: {"username": "trainer_a", "password": "not-the-password"},
    ),
    "sign out": ("post", lambda w: "/api/v1/auth/logout/", lambda w, a: {}),
    "exercises list": ("get", lambda w: "/api/v1/exercises/", None),
    "exercise retrieve": ("get", lambda w: "/api/v1/exercises/glute-bridge/", None),
    "draft exercise retrieve": ("get", lambda w: "/api/v1/exercises/draft-exercise/", None),
    "my program": ("get", lambda w: "/api/v1/me/program/", None),
    "my export": ("get", lambda w: "/api/v1/me/export/", None),
    "my preferences": ("get", lambda w: "/api/v1/me/preferences/", None),
    "my preferences change": (
        "patch", lambda w: "/api/v1/me/preferences/", lambda w, a: {"at": "07:30"}
    ),
    "my preferences replace": (
        "put", lambda w: "/api/v1/me/preferences/",
        lambda w, a: {"email": True, "push": False, "at": "07:30", "check_in": False,
                      "check_in_at": "09:00", "time_zone": "Europe/London", "quiet_from": None,
                      "quiet_until": None},
    ),
    "my devices": ("get", lambda w: DEVICES, None),
    "my device subscribe": ("post", lambda w: DEVICES, lambda w, a: DEVICE),
    "my device unsubscribe (unknown)": ("delete", lambda w: f"{DEVICES}999999/", None),
    "program A handout": ("get", lambda w: f"{PROGRAMS}{w.program_a.pk}/handout.pdf", None),
    "program C handout": ("get", lambda w: f"{PROGRAMS}{w.program_c.pk}/handout.pdf", None),
    "program A handout links": ("get", lambda w: f"{PROGRAMS}{w.program_a.pk}/handout/links/", None),
    "program A handout share": (
        "post", lambda w: f"{PROGRAMS}{w.program_a.pk}/handout/links/", lambda w, a: {"days": 7}
    ),
    "program A handout link withdraw (unknown)": (
        "delete", lambda w: "/api/v1/handout-links/999999/", None
    ),
    "program C handout email": (
        "post", lambda w: f"{PROGRAMS}{w.program_c.pk}/handout/email/", lambda w, a: {}
    ),
    "my messages": ("get", lambda w: "/api/v1/me/messages/", None),
    "my message send": ("post", lambda w: "/api/v1/me/messages/", lambda w, a: {"body": "Hi"}),
    "my messages unread": ("get", lambda w: "/api/v1/me/messages/read/", None),
    "my messages read": ("post", lambda w: "/api/v1/me/messages/read/", lambda w, a: {}),
    "client A messages": ("get", lambda w: f"{CLIENTS}{w.client_a.pk}/messages/", None),
    "client A message send": (
        "post", lambda w: f"{CLIENTS}{w.client_a.pk}/messages/", lambda w, a: {"body": "Hi"}
    ),
    "client C messages": ("get", lambda w: f"{CLIENTS}{w.client_c.pk}/messages/", None),
    "client A messages unread": ("get", lambda w: f"{CLIENTS}{w.client_a.pk}/messages/read/", None),
    "client A messages read": ("post", lambda w: f"{CLIENTS}{w.client_a.pk}/messages/read/", lambda w, a: {}),
    "sessions list": ("get", lambda w: SESSIONS, None),
    "session create, client A's program": ("post", lambda w: SESSIONS, a_session),
    "session A retrieve": ("get", lambda w: f"{SESSIONS}{w.session_a.pk}/", None),
    "session C retrieve": ("get", lambda w: f"{SESSIONS}{w.session_c.pk}/", None),
    "check-ins list": ("get", lambda w: CHECK_INS, None),
    "check-in create": ("post", lambda w: CHECK_INS, a_check_in),
    "check-in A retrieve": ("get", lambda w: f"{CHECK_INS}{w.check_in_a.pk}/", None),
    "check-in C retrieve": ("get", lambda w: f"{CHECK_INS}{w.check_in_c.pk}/", None),
    "my questionnaires": ("get", lambda w: "/api/v1/me/questionnaires/", None),
    # the world's programs send no questionnaire: an answer is a 400 on ``instrument``
    "questionnaire answer (not sent)": (
        "post", lambda w: "/api/v1/questionnaire-responses/",
        lambda w, a: {"instrument": "psfs", "answers": {"activities": []}},
    ),
    "client A questionnaire answers": ("get", lambda w: f"{CLIENTS}{w.client_a.pk}/questionnaire-responses/", None),
    "client C questionnaire answers": ("get", lambda w: f"{CLIENTS}{w.client_c.pk}/questionnaire-responses/", None),
    "program A questionnaires": ("get", lambda w: f"{PROGRAMS}{w.program_a.pk}/questionnaires/", None),
    "program C questionnaires": ("get", lambda w: f"{PROGRAMS}{w.program_c.pk}/questionnaires/", None),
    "program A questionnaire add (not loaded)": (
        "post", lambda w: f"{PROGRAMS}{w.program_a.pk}/questionnaires/",
        lambda w, a: {"instrument": "no-such-questionnaire"},
    ),
    "template A questionnaires": ("get", lambda w: f"{TEMPLATES}{w.template_a.pk}/questionnaires/", None),
    "template A questionnaire add (not loaded)": (
        "post", lambda w: f"{TEMPLATES}{w.template_a.pk}/questionnaires/",
        lambda w, a: {"instrument": "no-such-questionnaire"},
    ),
    "questionnaire schedule withdraw (unknown)": ("delete", lambda w: "/api/v1/questionnaire-schedules/999999/", None),
}  # fmt: skip

# The exact status for each actor, in the order of ACTORS. The superuser has no practice: a
# client or a template they create must say whose / which practice's it is (400 without).
#                                            anon cl_a cl_b tr_a tr_b tr_c adm  edit memb root
EXPECTED: dict[str, tuple[int, ...]] = {
    "clients list":                          (401, 403, 403, 200, 200, 200, 200, 403, 403, 200),
    "clients create":                        (401, 403, 403, 201, 201, 201, 201, 403, 403, 400),
    "client A retrieve":                     (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "client C retrieve":                     (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "client A update":                       (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "client C update":                       (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "client A reassign to B":                (401, 404, 404, 400, 404, 404, 200, 404, 404, 200),
    "programs list":                         (401, 403, 403, 200, 200, 200, 200, 403, 403, 200),
    "program create, client A":              (401, 403, 403, 201, 400, 400, 201, 403, 403, 201),
    "program create, client C":              (401, 403, 403, 400, 400, 201, 400, 403, 403, 201),
    "program create, template A, client A":  (401, 403, 403, 201, 400, 400, 201, 403, 403, 201),
    "program create, template A, client C":  (401, 403, 403, 400, 400, 400, 400, 403, 403, 400),
    "program A retrieve":                    (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "program C retrieve":                    (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "templates list":                        (401, 403, 403, 200, 200, 200, 200, 403, 403, 200),
    "templates create":                      (401, 403, 403, 201, 201, 201, 201, 403, 403, 400),
    "template A retrieve":                   (401, 404, 404, 200, 200, 404, 200, 404, 404, 200),
    "template C retrieve":                   (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "template A assign, client A":           (401, 404, 404, 201, 400, 404, 201, 404, 404, 201),
    "template C assign, client C":           (401, 404, 404, 404, 404, 201, 404, 404, 404, 201),
    "template A assign, client C":           (401, 404, 404, 400, 400, 404, 400, 404, 404, 400),
    "client A sessions":                     (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "client C sessions":                     (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "client A export":                       (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "client A anonymise":                    (401, 404, 404, 403, 404, 404, 200, 404, 404, 200),
    "client A invite":                       (401, 404, 404, 400, 404, 404, 400, 404, 404, 400),
    "client A invitation":                   (401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "client A invitation withdraw":          (401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "flags list":                            (401, 403, 403, 200, 200, 200, 200, 403, 403, 200),
    "flag A retrieve":                       (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "flag C retrieve":                       (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "flag A apply":                          (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "flag A dismiss":                        (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "flag C dismiss":                        (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "flag A resolve (not a referral)":       (401, 404, 404, 400, 404, 404, 400, 404, 404, 400),
    # The client's side: for clients only (a trainer reads sessions through /clients/{id}/).
    "my program":                            (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "sign in (wrong password)":              (400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    "sign out":                              (401, 204, 204, 204, 204, 204, 204, 204, 204, 204),
    "exercises list":                        (401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "exercise retrieve":                     (401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "draft exercise retrieve":               (401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "me":                                    (401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "my export":                             (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "my preferences":                        (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "my preferences change":                 (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "my preferences replace":                (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "my devices":                            (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "my device subscribe":                   (401, 201, 201, 403, 403, 403, 403, 403, 403, 403),
    "my device unsubscribe (unknown)":       (401, 404, 404, 403, 403, 403, 403, 403, 403, 403),
    "program A handout":                     (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "program C handout":                     (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "program A handout links":               (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "program A handout share":               (401, 404, 404, 201, 404, 404, 201, 404, 404, 201),
    "program A handout link withdraw (unknown)": (401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "program C handout email":               (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "my messages":                           (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "my message send":                       (401, 201, 201, 403, 403, 403, 403, 403, 403, 403),
    "my messages unread":                    (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "my messages read":                      (401, 204, 204, 403, 403, 403, 403, 403, 403, 403),
    "client A messages":                     (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "client A message send":                 (401, 404, 404, 201, 404, 404, 201, 404, 404, 201),
    "client C messages":                     (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "client A messages unread":              (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "client A messages read":                (401, 404, 404, 204, 404, 404, 204, 404, 404, 204),
    "sessions list":                         (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "session create, client A's program":    (401, 201, 400, 403, 403, 403, 403, 403, 403, 403),
    "session A retrieve":                    (401, 200, 404, 404, 404, 404, 404, 404, 404, 404),
    "session C retrieve":                    (401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "check-ins list":                        (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "check-in create":                       (401, 201, 201, 403, 403, 403, 403, 403, 403, 403),
    "check-in A retrieve":                   (401, 200, 404, 404, 404, 404, 404, 404, 404, 404),
    "check-in C retrieve":                   (401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "my questionnaires":                     (401, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "questionnaire answer (not sent)":       (401, 400, 400, 403, 403, 403, 403, 403, 403, 403),
    "client A questionnaire answers":        (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "client C questionnaire answers":        (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "program A questionnaires":              (401, 404, 404, 200, 404, 404, 200, 404, 404, 200),
    "program C questionnaires":              (401, 404, 404, 404, 404, 200, 404, 404, 404, 200),
    "program A questionnaire add (not loaded)": (401, 404, 404, 400, 404, 404, 400, 404, 404, 400),
    "template A questionnaires":             (401, 404, 404, 200, 200, 404, 200, 404, 404, 200),
    "template A questionnaire add (not loaded)": (401, 404, 404, 400, 400, 404, 400, 404, 404, 400),
    "questionnaire schedule withdraw (unknown)": (401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
}  # fmt: skip

CASES = [(route, actor) for route in ROUTES for actor in ACTORS]
# signed in here without a token (force_authenticate), so there is none to revoke; revoking
# a device's token is tested in test_auth_api.py
WRITES_NOTHING_HERE = {"sign out", "program C handout email"}  # (an email: stores nothing)


def test_the_table_has_a_row_per_route_and_a_column_per_actor():
    assert set(EXPECTED) == set(ROUTES)
    assert {len(row) for row in EXPECTED.values()} == {len(ACTORS)}


def test_the_matrix_covers_every_route_of_the_api(world, client):
    """Every (method, path) the OpenAPI schema offers has rows above: a new route fails here
    until it has its row."""
    schema = yaml.safe_load(client.get("/api/schema/").content)
    offered = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method != "parameters"
    }
    tested = {
        (
            method,
            re.sub(
                r"/exercises/[\w-]+/", "/exercises/{slug}/", re.sub(r"/\d+/", "/{id}/", path(world))
            ),
        )
        for method, path, *_ in ROUTES.values()
    }
    assert tested == offered


@pytest.mark.parametrize(("route", "actor"), CASES, ids=[f"{r}-{a}" for r, a in CASES])
def test_status(request, world, route, actor):
    method, path, body = ROUTES[route]
    expected = EXPECTED[route][ACTORS.index(actor)]
    client = api(user_of(request, world, actor))
    before = state()

    if body is None:
        response = getattr(client, method)(path(world))
    else:
        response = getattr(client, method)(path(world), body(world, actor), format="json")

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["errors"], "the error envelope"
        assert state() == before, "a refused request writes nothing"
    if expected == 404:
        assert response.json()["errors"][0]["code"] == "not_found"
    if method != "get" and expected < 400 and route not in WRITES_NOTHING_HERE:
        assert state() != before


# --- lists: no foreign row, ever ---------------------------------------------------------------

VISIBLE = {
    # actor: (clients, programs, templates) by name in the world fixture
    "trainer_a": ({"client_a"}, {"program_a"}, {"template_a"}),
    "trainer_b": ({"client_b"}, {"program_b"}, {"template_a"}),
    "trainer_c": ({"client_c"}, {"program_c"}, {"template_c"}),
    "admin": ({"client_a", "client_b"}, {"program_a", "program_b"}, {"template_a"}),
}


def ids(world: Any, names: set[str]) -> set[int]:
    return {getattr(world, name).pk for name in names}


def listed(client: APIClient, url: str, query: dict[str, Any] | None = None) -> set[int]:
    response = client.get(url, {"page_size": 1000, **(query or {})})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("actor", list(VISIBLE))
def test_lists_show_exactly_the_actors_rows(world, actor):
    clients, programs, templates = VISIBLE[actor]
    client = api(user_of(None, world, actor))
    assert listed(client, "/api/v1/clients/") == ids(world, clients)
    assert listed(client, "/api/v1/programs/") == ids(world, programs)
    assert listed(client, "/api/v1/templates/") == ids(world, templates)


def test_a_superuser_sees_every_row(world, superuser):
    client = api(superuser)
    assert listed(client, "/api/v1/clients/") == set(Client.objects.values_list("pk", flat=True))
    assert listed(client, "/api/v1/programs/") == set(Program.objects.values_list("pk", flat=True))
    assert listed(client, "/api/v1/templates/") == set(
        ProgramTemplate.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize("actor", list(VISIBLE))
def test_search_and_filters_never_reach_a_foreign_row(world, actor):
    """Searching for, or filtering by, every client and trainer there is: only the actor's own
    rows ever come back; naming a row one may not see is a 400, as an unknown id is."""
    own_clients = ids(world, VISIBLE[actor][0])
    client = api(user_of(None, world, actor))
    for other in ("client_a", "client_b", "client_c"):
        other_client = getattr(world, other)
        for term in (other_client.user.username, other_client.user.email, "client", "example"):
            assert listed(client, "/api/v1/clients/", {"search": term}) <= own_clients
        filtered = client.get("/api/v1/programs/", {"client": other_client.pk})
        if other_client.pk in own_clients:
            assert {row["client"] for row in filtered.json()["results"]} == {other_client.pk}
        else:
            assert filtered.status_code == 400
            assert filtered.json()["errors"][0]["attr"] == "client"
    for trainer in ("trainer_a", "trainer_b", "trainer_c", "admin"):
        filtered = client.get("/api/v1/clients/", {"trainer": getattr(world, trainer).pk})
        if filtered.status_code == 200:
            assert {row["id"] for row in filtered.json()["results"]} <= own_clients
        else:
            assert filtered.status_code == 400
            assert filtered.json()["errors"][0]["attr"] == "trainer"
    # a colleague is a filter only for the practice admin
    colleague = client.get("/api/v1/clients/", {"trainer": world.trainer_b.pk})
    assert colleague.status_code == (200 if actor in ("admin", "trainer_b") else 400)


@pytest.mark.parametrize(
    ("actor", "role"),
    [
        ("client_a", "client"),
        ("trainer_a", "trainer"),
        ("trainer_c", "trainer"),
        ("admin", "practice_admin"),
        ("editor", "catalogue_editor"),
        ("member", "member"),
        ("superuser", "superuser"),
    ],
)
def test_me_says_each_actors_role(request, world, actor, role):
    user = user_of(request, world, actor)
    body = api(user).get("/api/v1/me/").json()
    assert (body["username"], body["role"]) == (user.username, role)


def test_me_is_401_for_anonymous(world):
    assert api(None).get("/api/v1/me/").status_code == 401
