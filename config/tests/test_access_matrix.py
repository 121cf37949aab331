# ruff: noqa: RUF005 - the tables read best as "anonymous and clients" + the rest
"""Access control everywhere, built from the URL configuration: every admin page of every
registered model and every page of the portal, × anonymous, client A, client B, trainer A,
trainer B, a trainer of another practice, the practice admin, a catalogue editor and a
superuser, with the exact status for each. A model registered in the admin, or a portal URL
added, without its row here fails ``test_the_tables_cover_every_*``. (The API has its own
matrix, built from the OpenAPI schema: ``coaching/tests/test_api_matrix.py``.)

Rows hold one status per actor, in the order of ACTORS. Admin "change" pages open the first
object of the model the actor could see if anyone could; objects of another practice are
covered, per model, by ``coaching/tests/test_admin.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coaching.tests.factories import PASSWORD, UserFactory


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous", "client_a", "client_b", "trainer_a", "trainer_b", "trainer_c", "admin",
    "editor", "superuser",
)  # fmt: skip
LOGIN = 302  # not staff (or not signed in): to the admin's sign-in page
T = (LOGIN, LOGIN, LOGIN)  # anonymous and the two clients, on every admin page

# model: (changelist, add page) per actor. Trainers: their sections; practice admin: also the
# trainers (and adds them: invited by email); editors: the catalogue; superuser: everything (adding a practice, a flag, a
# session, a check-in or a token is never done in the admin: 403 for everyone).
ADMIN: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    #                                anon cl_a cl_b  tr_a tr_b tr_c adm  edit root
    "coaching.client":          (T + (200, 200, 200, 200, 403, 200), T + (200, 200, 200, 200, 403, 200)),
    "coaching.program":         (T + (200, 200, 200, 200, 403, 200), T + (200, 200, 200, 200, 403, 200)),
    "coaching.programtemplate": (T + (200, 200, 200, 200, 403, 200), T + (200, 200, 200, 200, 403, 200)),
    "coaching.session":         (T + (200, 200, 200, 200, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "coaching.checkin":         (T + (200, 200, 200, 200, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "coaching.questionnaireresponse": (T + (200, 200, 200, 200, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "coaching.instrument":      (T + (200, 200, 200, 200, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "coaching.trainer":         (T + (403, 403, 403, 200, 403, 200), T + (403, 403, 403, 200, 403, 200)),
    "coaching.practice":        (T + (403, 403, 403, 403, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "coaching.user":            (T + (403, 403, 403, 403, 403, 200), T + (403, 403, 403, 403, 403, 200)),
    "triage.flag":              (T + (200, 200, 200, 200, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "triage.rulesettings":      (T + (403, 403, 403, 403, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "exercises.exercise":       (T + (200, 200, 200, 200, 200, 200), T + (403, 403, 403, 403, 200, 200)),
    "exercises.progressionedge": (T + (403, 403, 403, 403, 200, 200), T + (403, 403, 403, 403, 200, 200)),
    "exercises.muscle":         (T + (200, 200, 200, 200, 200, 200), T + (403, 403, 403, 403, 200, 200)),
    "exercises.equipment":      (T + (200, 200, 200, 200, 200, 200), T + (403, 403, 403, 403, 200, 200)),
    "auth.group":               (T + (403, 403, 403, 403, 403, 200), T + (403, 403, 403, 403, 403, 200)),
    "knox.authtoken":           (T + (403, 403, 403, 403, 403, 200), T + (403, 403, 403, 403, 403, 200)),
    "axes.accessattempt":       (T + (403, 403, 403, 403, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "axes.accessfailurelog":    (T + (403, 403, 403, 403, 403, 200), T + (403, 403, 403, 403, 403, 403)),
    "axes.accesslog":           (T + (403, 403, 403, 403, 403, 200), T + (403, 403, 403, 403, 403, 403)),
}  # fmt: skip

# The portal and the catalogue pages (GET), by URL name. Client pages: clients only (others a
# 403 that points them elsewhere); the catalogue: anyone signed in; sign-in pages: anyone.
C, S = (302, 200, 200, 403, 403, 403, 403, 403, 403), (302,) + (200,) * 8
PORTAL: dict[str, tuple[int, ...]] = {
    "portal:home": (302, 200, 200, 302, 302, 302, 302, 302, 302),  # others: to the catalogue
    "portal:log": C,
    "portal:check_in": C,
    "portal:history": C,
    "portal:my_data": C,
    "reminders:settings": C,
    "messaging:thread": C,
    "outcomes:list": C,
    "portal:handout": C,
    "portal:login": (200, 302, 302, 302, 302, 302, 302, 302, 302),  # signed in: onwards
    "portal:password_reset": (200,) * 9,
    "portal:password_reset_done": (200,) * 9,
    "portal:password_reset_complete": (200,) * 9,
    "portal:service_worker": (200,) * 9,  # the installable portal's files: nothing personal
    "portal:manifest": (200,) * 9,
    "portal:offline": (200,) * 9,
    "catalogue:list": S,
    "catalogue:detail": S,
    # a published exercise's drawings: anyone, signed in or not (apps load them as images)
    "catalogue:illustration": (200,) * 9,
    "catalogue:animation": (200,) * 9,
}
# pages that need an object of the actor's own, tested in their own modules
PORTAL_ELSEWHERE = {
    "portal:session_safety": "coaching/tests/test_portal.py",
    "portal:check_in_safety": "coaching/tests/test_portal.py",
    "portal:password_reset_confirm": "exercises/tests/test_portal.py (the emailed link)",
    "portal:logout": "a POST; coaching/tests/test_portal.py",
    "portal:invitation": "coaching/accounts/tests/test_invitations.py (the emailed link)",
    "reminders:unsubscribe": "coaching/reminders/tests/test_reminders.py (the emailed link)",
    "portal:shared_handout": "coaching/programs/tests/test_handout.py (a shared link)",
    "catalogue:media": "exercises/tests/test_pictures.py (an upload's address)",
    "outcomes:answer": "coaching/outcomes/tests/test_outcomes.py (a questionnaire the program sends)",
}


def _names(patterns: list, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in ("admin", "api"):
                continue
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names |= _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name and prefix:
            names.add(f"{prefix}{p.name}")
    return names


def test_the_tables_cover_every_registered_admin_model():
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN)
    assert {len(v) for row in ADMIN.values() for v in row} == {len(ACTORS)}


def test_the_tables_cover_every_portal_page():
    assert _names(get_resolver().url_patterns) == set(PORTAL) | set(PORTAL_ELSEWHERE)
    assert {len(v) for v in PORTAL.values()} == {len(ACTORS)}


def _sign_in(client: Any, world: Any, actor: str) -> None:
    if actor == "anonymous":
        return
    if actor == "superuser":
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    elif actor == "editor":
        client.force_login(world.editor)
    else:
        client.force_login(getattr(world, actor).user)


CASES = [(label, actor) for label in ADMIN for actor in ACTORS]


@pytest.mark.parametrize(("label", "actor"), CASES, ids=[f"{m}-{a}" for m, a in CASES])
def test_admin_pages(client, world, label, actor):
    app, model = label.split(".")
    changelist_status, add_status = (row[ACTORS.index(actor)] for row in ADMIN[label])
    _sign_in(client, world, actor)

    changelist = client.get(reverse(f"admin:{app}_{model}_changelist"))
    add = client.get(reverse(f"admin:{app}_{model}_add"))

    assert (changelist.status_code, add.status_code) == (changelist_status, add_status)
    if changelist_status == LOGIN:
        assert changelist["Location"].startswith(reverse("admin:login"))
    if changelist_status == 200 and "cl" in changelist.context:  # (thresholds: one form)
        # the change page of a row the actor sees opens too
        rows = changelist.context["cl"].result_list
        if rows:
            page = client.get(reverse(f"admin:{app}_{model}_change", args=[rows[0].pk]))
            assert page.status_code == 200


PORTAL_CASES = [(name, actor) for name in PORTAL for actor in ACTORS]


@pytest.mark.parametrize(("name", "actor"), PORTAL_CASES, ids=[f"{n}-{a}" for n, a in PORTAL_CASES])
def test_portal_pages(client, world, name, actor):
    _sign_in(client, world, actor)
    args = ["glute-bridge"] if name.startswith("catalogue:") and name != "catalogue:list" else []

    response = client.get(reverse(name, args=args))

    assert response.status_code == PORTAL[name][ACTORS.index(actor)]


def test_the_admin_login_locks_out(client, settings):
    UserFactory(username="tom", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "tom", "password": "nope"})

    response = client.post(reverse("admin:login"), {"username": "tom", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many" in response.content.decode()


# The admin's home page: the caseload dashboard for trainers and the practice admin (issue 15),
# Django's index for editors and superusers; anonymous people and clients to the sign-in page.
# (status, dashboard shown) per actor.
ADMIN_HOME = {
    #              anon          cl_a          cl_b          tr_a         tr_b         tr_c         adm          edit          root
    "admin:index": ((LOGIN, False), (LOGIN, False), (LOGIN, False), (200, True), (200, True), (200, True), (200, True), (200, False), (200, False)),
}  # fmt: skip
HOME_CASES = [(name, actor) for name in ADMIN_HOME for actor in ACTORS]


@pytest.mark.parametrize(("name", "actor"), HOME_CASES, ids=[f"{n}-{a}" for n, a in HOME_CASES])
def test_admin_home(client, world, name, actor):
    status, dashboard = ADMIN_HOME[name][ACTORS.index(actor)]
    _sign_in(client, world, actor)

    response = client.get(reverse(name))
    # the dashboard's trainer filter (a practice admin's) and its client list filter
    filtered = client.get(reverse(name), {"trainer": world.trainer_b.pk})
    caseload = client.get(reverse("admin:coaching_client_changelist"), {"caseload": "attention"})

    assert response.status_code == filtered.status_code == status
    assert ('id="caseload-dashboard"' in response.content.decode()) is dashboard
    if status == LOGIN:
        assert response["Location"].startswith(reverse("admin:login"))
    assert caseload.status_code == ADMIN["coaching.client"][0][ACTORS.index(actor)]
