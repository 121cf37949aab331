"""The trainers' admin: who sees what (an actor matrix over every page), the groups' exact
permissions, writes through the services (history kept, bad input refused with nothing written),
reassignment, the assign-template action, and a client list in constant queries."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import (
    CheckIn,
    Client,
    Prescription,
    Program,
    ProgramTemplate,
    Session,
    TemplatePrescription,
    Trainer,
    User,
)
from coaching.roles import (
    PRACTICE_ADMIN_PERMISSIONS,
    PRACTICE_ADMINS_GROUP,
    TRAINER_PERMISSIONS,
    TRAINERS_GROUP,
    permissions_of,
)
from coaching.tests.factories import PASSWORD, UserFactory
from exercises.tests.factories import ExerciseFactory
from triage.models import Flag


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")

NAMES = {
    "trainer_a": ("Tara", "Ashworth"),
    "trainer_b": ("Tomas", "Birchall"),
    "admin": ("Priya", "Adebayo"),
    "trainer_c": ("Tess", "Cypress"),
    "client_a": ("Ada", "Alderley"),
    "client_b": ("Bea", "Blackwood"),
    "client_c": ("Cal", "Cedarholm"),
}


def extend_world(world: SimpleNamespace) -> None:
    """The shared world, with names that cannot turn up on a page by chance (conftest's
    ``module_world`` calls this once for the module)."""
    for attr, (first, last) in NAMES.items():
        user = getattr(world, attr).user
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    world.superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    world.dead_bug = ExerciseFactory(slug="dead-bug", name="Dead bug")


@pytest.fixture
def w(world: SimpleNamespace) -> SimpleNamespace:
    return world


def sign_in(client: Any, w: SimpleNamespace, actor: str) -> None:
    if actor == "anonymous":
        return
    if actor in ("editor", "superuser"):
        client.force_login(getattr(w, actor))
    else:
        client.force_login(getattr(w, actor).user)


def names_of(w: SimpleNamespace, attr: str) -> list[str]:
    """What would give an object away on a page."""
    obj = getattr(w, attr)
    if isinstance(obj, (Client, Trainer)):
        return [obj.user.username, obj.user.get_full_name()]
    if isinstance(obj, (Program, Session, CheckIn, Flag)):
        return [obj.client.user.username, obj.client.user.get_full_name()]
    return [obj.name]


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


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
                "coaching": {"client", "program", "programtemplate", "session", "checkin"},
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


# --- the forms, as a browser would send them ------------------------------------------------


def form_data(response: Any) -> dict[str, Any]:
    """The change form and its inlines, as the browser would submit them unchanged."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None:
                continue
            if hasattr(field, "prepare_value") and not isinstance(value, (str, int, list)):
                value = field.prepare_value(value)
            data[form.add_prefix(name)] = value
    return data


def program_add_data(client_pk: int, rows: list[dict[str, Any]], **fields: Any) -> dict:
    data = {
        "client": client_pk,
        "template": "",
        "name": "Strong back",
        "starts_on": date.today().isoformat(),
        "sessions_per_week": "3",
        "prescriptions-TOTAL_FORMS": str(len(rows)),
        "prescriptions-INITIAL_FORMS": "0",
        "prescriptions-MIN_NUM_FORMS": "0",
        "prescriptions-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, row in enumerate(rows):
        values = {"sets": 3, "reps_min": 8, "reps_max": 12, "load_kg": "", "tempo": "", **row}
        for name, value in values.items():
            data[f"prescriptions-{i}-{name}"] = value
    return data


def errors_of(response: Any) -> str:
    """Every error on the page, as text."""
    assert response.status_code == 200, "expected the form again"
    chunks = [str(response.context["adminform"].form.errors)]
    for inline in response.context.get("inline_admin_formsets", []):
        chunks += [str(inline.formset.errors), str(inline.formset.non_form_errors())]
    return " ".join(chunks)


def snapshot() -> tuple[int, ...]:
    return (
        Program.objects.count(),
        Program.objects.filter(status="active").count(),
        Prescription.objects.count(),
        Prescription.objects.filter(ended_at__isnull=False).count(),
        ProgramTemplate.objects.count(),
        TemplatePrescription.objects.count(),
        Client.objects.count(),
        User.objects.count(),
    )


PROGRAM_ADD = reverse("admin:coaching_program_add")


# --- programs -------------------------------------------------------------------------------


def test_assigning_a_program_ends_the_previous_one(client, w):
    sign_in(client, w, "trainer_a")
    old_row = w.program_a.prescriptions.get()

    response = client.post(
        PROGRAM_ADD,
        program_add_data(
            w.client_a.pk,
            [
                {"exercise": w.dead_bug.pk, "reps_min": 10, "reps_max": 10},
                {"exercise": w.exercise.pk},
            ],
        ),
    )

    assert response.status_code == 302, errors_of(response)
    new = Program.objects.get(client=w.client_a, status="active")
    assert new.name == "Strong back"
    assert new.created_by == w.trainer_a
    assert [(p.exercise.name, p.dose()) for p in new.prescriptions.all()] == [
        ("Dead bug", "3 × 10"),
        ("Glute bridge", "3 × 8–12"),
    ]
    w.program_a.refresh_from_db()
    old_row.refresh_from_db()
    assert w.program_a.status == "ended"
    assert w.program_a.ended_on == timezone.localdate()
    assert old_row.ended_at is not None  # the old program's history stays


def test_a_program_can_be_copied_from_a_template(client, w):
    sign_in(client, w, "trainer_a")

    response = client.post(
        PROGRAM_ADD, program_add_data(w.client_a.pk, [], template=w.template_a.pk, name="")
    )

    assert response.status_code == 302, errors_of(response)
    new = Program.objects.get(client=w.client_a, status="active")
    assert (new.name, new.template) == ("Glutes A", w.template_a)
    assert new.prescriptions.count() == 1


def test_the_add_page_preselects_the_client_given_in_the_address(client, w):
    sign_in(client, w, "trainer_a")

    mine = client.get(PROGRAM_ADD, {"client": w.client_a.pk}).content.decode()
    foreign = client.get(PROGRAM_ADD, {"client": w.client_b.pk}).content.decode()

    assert f'<option value="{w.client_a.pk}" selected>Ada Alderley</option>' in mine
    assert "Blackwood" not in foreign


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("reps_min > reps_max", "The most reps cannot be fewer than the fewest."),
        ("zero sets", "Between 1 and 10 sets."),
        ("unpublished exercise", "Select a valid choice"),
        ("another trainer's client", "Select a valid choice"),
        ("another practice's template", "Select a valid choice"),
        ("no exercise and no template", "A program needs at least one exercise."),
    ],
)
def test_bad_programs_are_refused_with_a_form_error_and_nothing_written(client, w, case, message):
    sign_in(client, w, "trainer_a")
    row = {"exercise": w.exercise.pk}
    data = {
        "reps_min > reps_max": program_add_data(
            w.client_a.pk, [{**row, "reps_min": 12, "reps_max": 8}]
        ),
        "zero sets": program_add_data(w.client_a.pk, [{**row, "sets": 0}]),
        "unpublished exercise": program_add_data(w.client_a.pk, [{"exercise": w.draft.pk}]),
        "another trainer's client": program_add_data(w.client_b.pk, [row]),
        "another practice's template": program_add_data(
            w.client_a.pk, [], template=w.template_c.pk
        ),
        "no exercise and no template": program_add_data(w.client_a.pk, []),
    }[case]
    before = snapshot()

    response = client.post(PROGRAM_ADD, data)

    assert message in errors_of(response)
    assert snapshot() == before
    w.program_a.refresh_from_db()
    assert w.program_a.status == "active"


def test_a_service_refusal_comes_back_as_a_form_error(client, w):
    """A superuser may pick any practice's template; the service refuses one from another
    practice than the client's, and the page says so, writing nothing."""
    sign_in(client, w, "superuser")
    before = snapshot()

    response = client.post(
        PROGRAM_ADD, program_add_data(w.client_a.pk, [], template=w.template_c.pk)
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["template"] == ["No such template in the client's practice."]
    assert snapshot() == before
    assert "Please correct the error below." in response.content.decode()


def _program_page(client: Any, program: Program) -> tuple[str, dict[str, Any]]:
    url = reverse("admin:coaching_program_change", args=[program.pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, form_data(page)


def test_changing_an_exercise_replaces_it_and_keeps_the_old_one(client, w):
    sign_in(client, w, "trainer_a")
    old = w.program_a.prescriptions.get()
    url, data = _program_page(client, w.program_a)
    data["prescriptions-0-exercise"] = w.dead_bug.pk

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    old.refresh_from_db()
    assert old.exercise == w.exercise
    assert old.ended_at is not None
    new = Prescription.objects.get(program=w.program_a, ended_at__isnull=True)
    assert (new.exercise, new.replaces, new.started_at) == (w.dead_bug, old, old.ended_at)
    # the program page shows the new one as current and the old one in its history
    page = client.get(url)
    assert "History: ended exercises" in page.content.decode()
    current, history = (inline.formset for inline in page.context["inline_admin_formsets"])
    assert [f.instance for f in current.forms if f.instance.pk] == [new]
    assert [f.instance for f in history.forms] == [old]
    assert 'Dead bug <span style="white-space: nowrap">3 × 8–12</span>' in page.content.decode()


def test_changing_a_dose_replaces_the_prescription_too(client, w):
    sign_in(client, w, "trainer_a")
    old = w.program_a.prescriptions.get()
    url, data = _program_page(client, w.program_a)
    data["prescriptions-0-sets"] = 4
    data["prescriptions-0-hold_seconds"] = 5

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    new = Prescription.objects.get(program=w.program_a, ended_at__isnull=True)
    assert new.replaces == old
    assert new.dose() == "4 × 8–12 · hold 5 s"
    assert Prescription.objects.get(pk=old.pk).dose() == "3 × 8–12"


def test_ending_an_exercise_keeps_it_in_the_history(client, w):
    sign_in(client, w, "trainer_a")
    old = w.program_a.prescriptions.get()
    url, data = _program_page(client, w.program_a)
    data["prescriptions-0-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    old.refresh_from_db()
    assert old.ended_at is not None
    assert not w.program_a.prescriptions.filter(ended_at__isnull=True).exists()


def test_adding_an_exercise_to_a_running_program(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _program_page(client, w.program_a)
    data.update(
        {
            "prescriptions-1-exercise": w.dead_bug.pk,
            "prescriptions-1-sets": 2,
            "prescriptions-1-reps_min": 5,
            "prescriptions-1-reps_max": 6,
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    current = w.program_a.prescriptions.filter(ended_at__isnull=True).order_by("order")
    assert [(p.exercise.name, p.dose()) for p in current] == [
        ("Glute bridge", "3 × 8–12"),
        ("Dead bug", "2 × 5–6"),
    ]


def test_an_unchanged_save_writes_nothing(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _program_page(client, w.program_a)
    before = snapshot()

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prescriptions-0-reps_min": 20}, "The most reps cannot be fewer than the fewest."),
        ({"prescriptions-0-sets": 0}, "Between 1 and 10 sets."),
        ({"prescriptions-0-exercise": "DRAFT"}, "Select a valid choice"),
    ],
)
def test_bad_changes_to_a_running_program_write_nothing(client, w, changes, message):
    sign_in(client, w, "trainer_a")
    url, data = _program_page(client, w.program_a)
    data.update({k: (w.draft.pk if v == "DRAFT" else v) for k, v in changes.items()})
    before = snapshot()

    response = client.post(url, data)

    assert message in errors_of(response)
    assert snapshot() == before


def test_an_ended_program_is_history_and_cannot_change(client, w):
    sign_in(client, w, "trainer_a")
    client.post(PROGRAM_ADD, program_add_data(w.client_a.pk, [{"exercise": w.dead_bug.pk}]))
    url = reverse("admin:coaching_program_change", args=[w.program_a.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert page.context["title"] == "View program"
    assert client.post(url, {}).status_code == 403


def test_the_client_page_shows_the_active_program_and_the_earlier_ones(client, w):
    sign_in(client, w, "trainer_a")
    Program.objects.filter(pk=w.program_a.pk).update(name="Old plan")
    client.post(
        PROGRAM_ADD,
        program_add_data(w.client_a.pk, [{"exercise": w.dead_bug.pk, "load_kg": "2.5"}]),
    )
    new = Program.objects.get(client=w.client_a, status="active")

    html = client.get(reverse("admin:coaching_client_change", args=[w.client_a.pk])).content
    html = html.decode()

    assert "Strong back" in html
    assert "Dead bug" in html
    assert "3 × 8–12 · 2.5 kg" in html
    assert reverse("admin:coaching_program_change", args=[new.pk]) in html
    assert f"{PROGRAM_ADD}?client={w.client_a.pk}" in html
    assert "Old plan" in html  # earlier programs
    assert reverse("admin:coaching_program_change", args=[w.program_a.pk]) in html


# --- clients --------------------------------------------------------------------------------

CLIENT_ADD = reverse("admin:coaching_client_add")


def client_add_data(**fields: Any) -> dict[str, Any]:
    return {
        "username": "newbie",
        "first_name": "Nia",
        "last_name": "Newman",
        "email": "nia@example.com",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "notes": "Knee surgery 2023.",
        **fields,
    }


def test_a_trainer_adds_a_client_of_their_own(client, w):
    sign_in(client, w, "trainer_a")

    response = client.post(CLIENT_ADD, client_add_data(trainer=w.trainer_b.pk))

    assert response.status_code == 302, errors_of(response)
    new = Client.objects.get(user__username="newbie")
    assert (new.trainer, new.practice, new.notes) == (
        w.trainer_a,
        w.practice_a,
        "Knee surgery 2023.",
    )
    assert new.user.check_password(PASSWORD)
    assert not new.user.is_staff


def test_a_practice_admin_adds_a_client_for_a_trainer_of_the_practice(client, w):
    sign_in(client, w, "admin")

    response = client.post(CLIENT_ADD, client_add_data(trainer=w.trainer_b.pk))

    assert response.status_code == 302, errors_of(response)
    assert Client.objects.get(user__username="newbie").trainer == w.trainer_b


@pytest.mark.parametrize(
    ("actor", "fields", "field", "message"),
    [
        ("trainer_a", {"username": "client_b"}, "username", "already exists"),
        ("trainer_a", {"password_again": "different"}, "password_again", "differ"),
        ("trainer_a", {"password": "123", "password_again": "123"}, "password", "too short"),
        ("admin", {"trainer": "TRAINER_C"}, "trainer", "Select a valid choice"),
    ],
)
def test_bad_new_clients_are_refused_with_nothing_written(client, w, actor, fields, field, message):
    sign_in(client, w, actor)
    if fields.get("trainer") == "TRAINER_C":
        fields = {"trainer": w.trainer_c.pk}
    before = snapshot()

    response = client.post(CLIENT_ADD, client_add_data(**fields))

    assert response.status_code == 200
    assert any(message in e for e in response.context["adminform"].form.errors[field])
    assert snapshot() == before


def _client_page(client: Any, target: Client) -> tuple[str, dict[str, Any]]:
    url = reverse("admin:coaching_client_change", args=[target.pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, form_data(page)


def test_a_trainer_edits_their_clients_details(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _client_page(client, w.client_a)
    data.update({"first_name": "Adaline", "email": "ada@example.org", "notes": "Left knee."})

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    w.client_a.refresh_from_db()
    w.client_a.user.refresh_from_db()
    assert (w.client_a.user.first_name, w.client_a.user.email) == ("Adaline", "ada@example.org")
    assert w.client_a.notes == "Left knee."


def test_a_trainer_cannot_reassign_a_client(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _client_page(client, w.client_a)
    assert "trainer" not in data  # shown, not editable
    data["trainer"] = w.trainer_b.pk

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    w.client_a.refresh_from_db()
    assert w.client_a.trainer == w.trainer_a


def test_the_practice_admin_reassigns_a_client(client, w):
    sign_in(client, w, "admin")
    url, data = _client_page(client, w.client_a)
    data["trainer"] = w.trainer_b.pk

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    w.client_a.refresh_from_db()
    assert w.client_a.trainer == w.trainer_b


@pytest.mark.parametrize("actor", ["admin", "superuser"])
def test_a_client_is_never_reassigned_to_another_practices_trainer(client, w, actor):
    sign_in(client, w, actor)
    url, data = _client_page(client, w.client_a)
    data["trainer"] = w.trainer_c.pk

    response = client.post(url, data)

    errors = response.context["adminform"].form.errors["trainer"]
    expected = "Select a valid choice" if actor == "admin" else "not in the client’s practice"
    assert any(expected.replace("’", "'") in e for e in errors), errors
    w.client_a.refresh_from_db()
    assert w.client_a.trainer == w.trainer_a


# --- the template library -------------------------------------------------------------------

TEMPLATE_ADD = reverse("admin:coaching_programtemplate_add")


def template_data(rows: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    data = {
        "name": "Core basics",
        "description": "",
        "sessions_per_week": "2",
        "prescriptions-TOTAL_FORMS": str(len(rows)),
        "prescriptions-INITIAL_FORMS": "0",
        "prescriptions-MIN_NUM_FORMS": "0",
        "prescriptions-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, row in enumerate(rows):
        values = {"sets": 3, "reps_min": 8, "reps_max": 12, **row}
        for name, value in values.items():
            data[f"prescriptions-{i}-{name}"] = value
    return data


def test_a_trainer_adds_a_template_to_their_practices_library(client, w):
    sign_in(client, w, "trainer_a")
    page = client.get(TEMPLATE_ADD)
    assert "practice" not in page.context["adminform"].form.fields

    response = client.post(
        TEMPLATE_ADD,
        template_data([{"exercise": w.dead_bug.pk}, {"exercise": w.exercise.pk, "sets": 2}]),
    )

    assert response.status_code == 302, errors_of(response)
    template = ProgramTemplate.objects.get(name="Core basics")
    assert (template.practice, template.created_by) == (w.practice_a, w.trainer_a)
    assert [p.exercise.name for p in template.prescriptions.all()] == ["Dead bug", "Glute bridge"]


@pytest.mark.parametrize(
    ("rows", "fields", "message"),
    [
        ([{"exercise": "DRAFT"}], {}, "Select a valid choice"),
        ([{"exercise": "GLUTE", "reps_min": 9, "reps_max": 3}], {}, "cannot be fewer"),
        ([{"exercise": "GLUTE", "sets": 0}], {}, "Between 1 and 10 sets."),
        ([{"exercise": "GLUTE"}], {"name": "Glutes A"}, "already has a template with this name"),
        ([], {}, "A template needs at least one exercise."),
    ],
)
def test_bad_templates_are_refused_with_nothing_written(client, w, rows, fields, message):
    sign_in(client, w, "trainer_a")
    ids = {"DRAFT": w.draft.pk, "GLUTE": w.exercise.pk}
    rows = [{k: ids.get(v, v) for k, v in row.items()} for row in rows]
    before = snapshot()

    response = client.post(TEMPLATE_ADD, template_data(rows, **fields))

    assert message in errors_of(response)
    assert snapshot() == before


def test_a_template_is_edited_and_deleted_through_the_services(client, w):
    sign_in(client, w, "trainer_b")  # a colleague: the library is the practice's
    url = reverse("admin:coaching_programtemplate_change", args=[w.template_a.pk])
    data = form_data(client.get(url))
    data.update(
        {
            "name": "Glutes A (v2)",
            "prescriptions-0-reps_max": 15,
            "prescriptions-1-exercise": w.dead_bug.pk,
            "prescriptions-1-sets": 2,
            "prescriptions-1-reps_min": 6,
            "prescriptions-1-reps_max": 6,
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    w.template_a.refresh_from_db()
    assert w.template_a.name == "Glutes A (v2)"
    assert [(p.exercise.name, p.dose()) for p in w.template_a.prescriptions.all()] == [
        ("Glute bridge", "3 × 8–15"),
        ("Dead bug", "2 × 6"),
    ]

    delete = reverse("admin:coaching_programtemplate_delete", args=[w.template_a.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not ProgramTemplate.objects.filter(pk=w.template_a.pk).exists()
    w.program_a.refresh_from_db()  # programs keep their exercises


def test_a_superuser_says_which_practice_a_template_is_for(client, w):
    sign_in(client, w, "superuser")

    response = client.post(
        TEMPLATE_ADD, template_data([{"exercise": w.exercise.pk}], practice=w.practice_c.pk)
    )

    assert response.status_code == 302, errors_of(response)
    template = ProgramTemplate.objects.get(name="Core basics")
    assert (template.practice, template.created_by) == (w.practice_c, None)


def test_another_practices_template_cannot_be_deleted(client, w):
    sign_in(client, w, "trainer_a")
    delete = reverse("admin:coaching_programtemplate_delete", args=[w.template_c.pk])

    response = client.post(delete, {"post": "yes"})

    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert ProgramTemplate.objects.filter(pk=w.template_c.pk).exists()


# --- the assign-template action -------------------------------------------------------------

CLIENTS = reverse("admin:coaching_client_changelist")


def action_data(clients: list[Client], **extra: Any) -> dict[str, Any]:
    return {
        "action": "assign_template",
        ACTION_CHECKBOX_NAME: [c.pk for c in clients],
        **extra,
    }


def test_the_action_assigns_a_template_to_each_selected_client(client, w):
    sign_in(client, w, "admin")
    clients = [w.client_a, w.client_b]

    page = client.post(CLIENTS, action_data(clients, index="0"))

    assert page.status_code == 200
    assert page.templates[0].name == "admin/coaching/client/assign_template.html"
    assert list(page.context["form"].fields["template"].queryset) == [w.template_a]
    html = page.content.decode()
    assert "Ada Alderley" in html
    assert "Bea Blackwood" in html

    response = client.post(
        CLIENTS,
        action_data(clients, apply="yes", template=w.template_a.pk, starts_on="2030-01-06"),
    )

    assert response.status_code == 302
    programs = Program.objects.filter(template=w.template_a, status="active")
    assert {p.client for p in programs} == {w.client_a, w.client_b}
    assert {p.starts_on for p in programs} == {date(2030, 1, 6)}
    for old in (w.program_a, w.program_b):
        old.refresh_from_db()
        assert old.status == "ended"
    assert any("assigned to 2 clients" in m for m in messages_of(response))


def test_the_action_on_every_client_of_a_filtered_list(client, w):
    sign_in(client, w, "admin")
    url = f"{CLIENTS}?trainer={w.trainer_b.pk}"  # "select all" of trainer B's clients
    across = action_data([w.client_b], select_across="1")

    page = client.post(url, {**across, "index": "0"})

    assert [c.pk for c in page.context["clients"]] == [w.client_b.pk]
    response = client.post(
        url, {**across, "apply": "yes", "template": w.template_a.pk, "starts_on": "2030-01-06"}
    )

    assert response.status_code == 302
    assert set(Program.objects.filter(template=w.template_a).values_list("client", flat=True)) == {
        w.client_b.pk
    }


@pytest.mark.parametrize("step", ["choose", "apply"])
def test_a_foreign_client_in_the_action_writes_nothing(client, w, step):
    sign_in(client, w, "trainer_a")
    extra = (
        {"index": "0"}
        if step == "choose"
        else {"apply": "yes", "template": w.template_a.pk, "starts_on": "2030-01-06"}
    )
    before = snapshot()

    response = client.post(CLIENTS, action_data([w.client_a, w.client_b], **extra), follow=True)

    assert snapshot() == before
    assert any("not in your list. Nothing was assigned." in m for m in messages_of(response))
    assert "Blackwood" not in response.content.decode()


def test_the_action_refuses_another_practices_template(client, w):
    sign_in(client, w, "trainer_a")
    before = snapshot()

    response = client.post(
        CLIENTS,
        action_data([w.client_a], apply="yes", template=w.template_c.pk, starts_on="2030-01-06"),
    )

    assert response.status_code == 200  # the intermediate page again, with the error
    assert "Select a valid choice" in str(response.context["form"].errors["template"])
    assert "Glutes C" not in response.content.decode()
    assert snapshot() == before


# --- a client list in constant queries ------------------------------------------------------


def _add_clients(trainer: Trainer, count: int, start: int) -> None:
    users = User.objects.bulk_create(
        User(username=f"bulk{i}", first_name=f"Client{i}", last_name="Bulk", password="!")
        for i in range(start, start + count)
    )
    clients = Client.objects.bulk_create(
        Client(user=u, trainer=trainer, practice_id=trainer.practice_id) for u in users
    )
    Program.objects.bulk_create(
        Program(client=c, name=f"Plan {c.pk}", starts_on=date.today()) for c in clients[::2]
    )


def _changelist_queries(client: Any, query: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CLIENTS, query or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("actor", ["trainer_a", "admin"])
def test_the_client_list_runs_constant_queries_with_5000_clients(client, w, actor):
    sign_in(client, w, actor)
    queries = {"": {}, "filtered": {"active_program": "yes", "q": "bulk"}}
    _add_clients(w.trainer_a, 10, start=0)
    few = {name: _changelist_queries(client, q) for name, q in queries.items()}

    _add_clients(w.trainer_a, 4_990, start=10)
    many = {name: _changelist_queries(client, q) for name, q in queries.items()}

    assert many == few
    assert Client.objects.filter(trainer=w.trainer_a).count() == 5_001
    print(f"\n{actor}: client changelist queries at 10 vs 5,000 clients: {few} / {many}")
