"""The trainers' admin: who sees what (an actor matrix over every page, the pickers, filters and
search) and the groups' exact permissions and sections."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from coaching.accounts.roles import (
    PRACTICE_ADMIN_PERMISSIONS,
    PRACTICE_ADMINS_GROUP,
    TRAINER_PERMISSIONS,
    TRAINERS_GROUP,
    permissions_of,
)
from coaching.models import (
    Program,
)
from coaching.tests.admin_support import (
    INDEX,
    LOGIN,
    extend_world,
    messages_of,
    names_of,
    sign_in,
)

pytestmark = pytest.mark.django_db


WORLD_EXTENSION = extend_world  # names that cannot turn up on a page by chance


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


# --- who sees what --------------------------------------------------------------------------

ACTORS = [
    "anonymous",
    "client_a",
    "client_b",
    "trainer_a",
    "trainer_b",
    "trainer_c",
    "admin",
    "editor",
]
TRAINERS = ["trainer_a", "trainer_b", "trainer_c", "admin"]

OBJECTS = {
    "client": ["client_a", "client_b", "client_c"],
    "program": ["program_a", "program_b", "program_c"],
    "programtemplate": ["template_a", "template_c"],
    "trainer": ["trainer_a", "trainer_b", "admin", "trainer_c"],
    "practice": ["practice_a", "practice_c"],
    "session": ["session_a", "session_b", "session_c"],
    "checkin": ["check_in_a", "check_in_b", "check_in_c"],
    "flag": ["flag_a", "flag_b", "flag_c"],
}
VISIBLE = {
    "client": {
        "trainer_a": {"client_a"},
        "trainer_b": {"client_b"},
        "trainer_c": {"client_c"},
        "admin": {"client_a", "client_b"},
    },
    "program": {
        "trainer_a": {"program_a"},
        "trainer_b": {"program_b"},
        "trainer_c": {"program_c"},
        "admin": {"program_a", "program_b"},
    },
    "programtemplate": {
        "trainer_a": {"template_a"},
        "trainer_b": {"template_a"},
        "trainer_c": {"template_c"},
        "admin": {"template_a"},
    },
    "trainer": {"admin": {"trainer_a", "trainer_b", "admin"}},
    "practice": {},
    "session": {
        "trainer_a": {"session_a"},
        "trainer_b": {"session_b"},
        "trainer_c": {"session_c"},
        "admin": {"session_a", "session_b"},
    },
    "checkin": {
        "trainer_a": {"check_in_a"},
        "trainer_b": {"check_in_b"},
        "trainer_c": {"check_in_c"},
        "admin": {"check_in_a", "check_in_b"},
    },
    "flag": {
        "trainer_a": {"flag_a"},
        "trainer_b": {"flag_b"},
        "trainer_c": {"flag_c"},
        "admin": {"flag_a", "flag_b"},
    },
}
APP_OF = {"flag": "triage"}
# Trainers whose names each actor may see (on client and program pages).
TRAINERS_SEEN = {
    "trainer_a": {"trainer_a"},
    "trainer_b": {"trainer_b"},
    "trainer_c": {"trainer_c"},
    "admin": {"trainer_a", "trainer_b", "admin"},
}


def expected_status(model: str, actor: str) -> int:
    if actor in ("anonymous", "client_a", "client_b"):
        return 302  # not staff: to the admin's sign-in page
    return 200 if actor in VISIBLE[model] else 403


@pytest.mark.parametrize("model", list(OBJECTS))
@pytest.mark.parametrize("actor", ACTORS)
def test_changelists_show_exactly_the_rows_the_actor_may_see(client, w, model, actor):
    sign_in(client, w, actor)

    response = client.get(reverse(f"admin:{APP_OF.get(model, 'coaching')}_{model}_changelist"))

    assert response.status_code == expected_status(model, actor)
    if response.status_code == 302:
        assert response["Location"].startswith(LOGIN)
        return
    if response.status_code == 403:
        return
    shown = {obj.pk for obj in response.context["cl"].result_list}
    visible = VISIBLE[model][actor]
    assert shown == {getattr(w, attr).pk for attr in visible}
    html = response.content.decode()
    for attr in OBJECTS[model]:
        if attr not in visible:
            for name in names_of(w, attr):
                assert name not in html, f"{attr} shown to {actor}"
    for attr in TRAINERS:
        if attr not in TRAINERS_SEEN.get(actor, set()) and model != "trainer":
            assert w.__dict__[attr].user.get_full_name() not in html


@pytest.mark.parametrize("model", list(OBJECTS))
@pytest.mark.parametrize("actor", ACTORS)
def test_change_pages_open_only_for_what_the_actor_may_see(client, w, model, actor):
    sign_in(client, w, actor)
    for attr in OBJECTS[model]:
        obj = getattr(w, attr)

        app = APP_OF.get(model, "coaching")
        response = client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))

        status = expected_status(model, actor)
        if status == 302:
            assert response.status_code == 302
            assert response["Location"].startswith(LOGIN)
        elif status == 403:
            assert response.status_code == 403
        elif attr in VISIBLE[model][actor]:
            assert response.status_code == 200, attr
        else:
            # Outside the actor's queryset: the admin says no such object, at its index.
            assert response.status_code == 302, attr
            assert response["Location"] == INDEX
            page = client.get(INDEX)
            assert any("doesn’t exist" in m for m in messages_of(page))
            for name in names_of(w, attr):
                assert name not in page.content.decode()
        if response.status_code == 200:
            html = response.content.decode()
            for other in OBJECTS[model]:
                if other not in VISIBLE[model][actor]:
                    for name in names_of(w, other):
                        assert name not in html


def test_a_trainer_cannot_change_another_trainers_client_by_posting(client, w):
    sign_in(client, w, "trainer_a")
    url = reverse("admin:coaching_client_change", args=[w.client_b.pk])

    response = client.post(url, {"first_name": "Hacked", "last_name": "X", "notes": "mine"})

    assert response.status_code == 302
    assert response["Location"] == INDEX
    w.client_b.user.refresh_from_db()
    assert w.client_b.user.first_name == "Bea"


AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.mark.parametrize("actor", ACTORS)
def test_the_client_picker_offers_only_the_actors_clients(client, w, actor):
    sign_in(client, w, actor)

    response = client.get(
        AUTOCOMPLETE,
        {"app_label": "coaching", "model_name": "program", "field_name": "client", "term": ""},
    )

    if actor in ("anonymous", "client_a", "client_b"):
        assert response.status_code == 302
        return
    if actor == "editor":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {getattr(w, c).pk for c in VISIBLE["client"][actor]}


def test_the_client_picker_search_finds_no_foreign_client(client, w):
    sign_in(client, w, "trainer_a")
    for term in ("client_b", "Blackwood", "client_c"):
        response = client.get(
            AUTOCOMPLETE,
            {
                "app_label": "coaching",
                "model_name": "program",
                "field_name": "client",
                "term": term,
            },
        )
        assert response.json()["results"] == []


@pytest.mark.parametrize("model_name", ["prescription", "templateprescription"])
def test_the_exercise_picker_offers_published_exercises_only(client, w, model_name):
    sign_in(client, w, "trainer_a")

    response = client.get(
        AUTOCOMPLETE,
        {"app_label": "coaching", "model_name": model_name, "field_name": "exercise", "term": ""},
    )

    assert response.status_code == 200
    names = {r["text"] for r in response.json()["results"]}
    assert {"Glute bridge", "Dead bug"} <= names
    assert w.draft.name not in names


@pytest.mark.parametrize(("actor", "status"), [("trainer_a", 403), ("admin", 200)])
def test_the_trainer_picker_is_for_practice_admins_and_shows_their_practice(
    client, w, actor, status
):
    sign_in(client, w, actor)

    response = client.get(
        AUTOCOMPLETE,
        {"app_label": "coaching", "model_name": "client", "field_name": "trainer", "term": ""},
    )

    assert response.status_code == status
    if status == 200:
        ids = {int(r["id"]) for r in response.json()["results"]}
        assert ids == {w.trainer_a.pk, w.trainer_b.pk, w.admin.pk}


@pytest.mark.parametrize("model", ["client", "program"])
def test_the_trainer_filter_lists_the_practice_admins_trainers_only(client, w, model):
    sign_in(client, w, "admin")

    response = client.get(reverse(f"admin:coaching_{model}_changelist"))

    spec = next(s for s in response.context["cl"].filter_specs if s.title == "trainer")
    assert {label for _, label in spec.lookup_choices} == {
        w.trainer_a.user.get_full_name(),
        w.trainer_b.user.get_full_name(),
        w.admin.user.get_full_name(),
    }
    assert "Cypress" not in response.content.decode()  # trainer C


@pytest.mark.parametrize("model", ["client", "program"])
def test_a_trainer_has_no_trainer_filter(client, w, model):
    sign_in(client, w, "trainer_a")

    response = client.get(reverse(f"admin:coaching_{model}_changelist"))

    assert all(s.title != "trainer" for s in response.context["cl"].filter_specs)


def test_filtering_by_a_foreign_trainer_shows_nothing(client, w):
    sign_in(client, w, "admin")

    response = client.get(reverse("admin:coaching_client_changelist"), {"trainer": w.trainer_c.pk})

    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"q": "Alderley"}, {"client_a"}),
        ({"q": "client_b"}, {"client_b"}),
        ({"q": "client_c"}, set()),  # another practice's client
        ({"q": "Cedarholm"}, set()),
        ({"trainer": "TRAINER_B"}, {"client_b"}),
        ({"active_program": "yes"}, {"client_a", "client_b"}),
        ({"active_program": "no"}, set()),
    ],
)
def test_client_search_and_filters(client, w, query, shown):
    sign_in(client, w, "admin")
    if query.get("trainer") == "TRAINER_B":
        query = {"trainer": w.trainer_b.pk}

    response = client.get(reverse("admin:coaching_client_changelist"), query)

    assert {c.pk for c in response.context["cl"].result_list} == {getattr(w, a).pk for a in shown}


def test_the_client_list_shows_the_active_program(client, w):
    sign_in(client, w, "trainer_a")
    Program.objects.filter(pk=w.program_a.pk).update(name="Knees: week 1")

    response = client.get(reverse("admin:coaching_client_changelist"))

    html = response.content.decode()
    assert "Knees: week 1" in html
    assert reverse("admin:coaching_program_change", args=[w.program_a.pk]) in html


# --- groups and sections --------------------------------------------------------------------


def _granted(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_the_groups_have_exactly_the_roles_permissions():
    flags = {"triage.view_flag", "triage.change_flag"}  # granted by triage when it is ready
    assert _granted(TRAINERS_GROUP) == TRAINER_PERMISSIONS | flags == permissions_of(TRAINERS_GROUP)
    assert not TRAINER_PERMISSIONS & flags
    assert _granted(PRACTICE_ADMINS_GROUP) == PRACTICE_ADMIN_PERMISSIONS
    assert permissions_of(PRACTICE_ADMINS_GROUP) == PRACTICE_ADMIN_PERMISSIONS


@pytest.mark.parametrize(
    ("actor", "sections"),
    [
        (
            "trainer_a",
            {
                "coaching": {
                    "client",
                    "program",
                    "programtemplate",
                    "session",
                    "checkin",
                    "instrument",
                    "questionnaireresponse",
                },
                "exercises": {"exercise", "muscle", "equipment"},
                "triage": {"flag"},
            },
        ),
        (
            "admin",
            {
                "coaching": {
                    "client",
                    "program",
                    "programtemplate",
                    "trainer",
                    "session",
                    "checkin",
                    "instrument",
                    "questionnaireresponse",
                },
                "exercises": {"exercise", "muscle", "equipment"},
                "triage": {"flag"},
            },
        ),
    ],
)
def test_trainers_see_only_their_sections_of_the_admin(client, w, actor, sections):
    sign_in(client, w, actor)

    app_list = client.get(INDEX).context["app_list"]

    assert {
        app["app_label"]: {m["object_name"].lower() for m in app["models"]} for app in app_list
    } == sections


@pytest.mark.parametrize("actor", ["trainer_a", "admin"])
@pytest.mark.parametrize(
    "url_name",
    [
        "admin:coaching_user_changelist",
        "admin:auth_group_changelist",
        "admin:knox_authtoken_changelist",
        "admin:axes_accessattempt_changelist",
        "admin:coaching_practice_changelist",
        "admin:exercises_progressionedge_changelist",
        "admin:exercises_exercise_add",
    ],
)
def test_trainers_are_refused_what_is_not_theirs(client, w, actor, url_name):
    sign_in(client, w, actor)
    assert client.get(reverse(url_name)).status_code == 403


def test_the_catalogue_is_read_only_for_trainers(client, w):
    sign_in(client, w, "trainer_a")
    url = reverse("admin:exercises_exercise_change", args=[w.exercise.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert page.context["title"].startswith("View")
    assert client.post(url, {"name": "Renamed"}).status_code == 403


def test_a_superuser_sees_practices(client, w):
    sign_in(client, w, "superuser")

    response = client.get(reverse("admin:coaching_practice_changelist"))

    assert response.status_code == 200
    assert {p.name for p in response.context["cl"].result_list} == {
        "Riverside Physio",
        "Hilltop Studio",
    }


def test_the_practice_admin_sees_client_counts(client, w):
    sign_in(client, w, "admin")

    response = client.get(reverse("admin:coaching_trainer_changelist"))

    counts = {t.pk: t._clients for t in response.context["cl"].result_list}
    assert counts == {w.trainer_a.pk: 1, w.trainer_b.pk: 1, w.admin.pk: 0}
    url = reverse("admin:coaching_trainer_change", args=[w.trainer_a.pk])
    assert client.post(url, {"is_practice_admin": "on"}).status_code == 403


def test_the_row_checkbox_is_djangos_own_html(world):
    """``ListAdmin.action_checkbox`` writes what Django's renders through a form widget."""
    from django.contrib import admin as django_admin

    from coaching.models import Client
    from coaching.shared.admin import ListAdmin

    client = world.client_a
    ours = ListAdmin(Client, django_admin.site).action_checkbox(client)
    django = django_admin.ModelAdmin(Client, django_admin.site).action_checkbox(client)
    assert str(ours) == str(django)
    assert 'name="_selected_action"' in ours
