"""The trainer API (``/api/v1/clients/``, ``/programs/``, ``/templates/``): happy paths and
filters. Bad input is in ``test_api_trainer_bad_input.py``, query counts and the schema in
``test_api_trainer_queries.py``.

Who may see what is tested route by route and actor by actor in ``test_api_matrix.py``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from coaching.models import (
    Client,
    Prescription,
    Program,
    ProgramTemplate,
    User,
)
from coaching.tests.factories import ClientFactory, ProgramFactory
from coaching.tests.helpers import (
    CLIENTS,
    NEW_PASSWORD,
    PROGRAMS,
    TEMPLATES,
    api,
    attrs,
    fresh,
    new_client,
    rx,
    state,
)
from exercises.tests.factories import ExerciseFactory


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db

# --- clients ----------------------------------------------------------------------------------


def test_a_trainer_creates_a_client_who_is_theirs(world):
    response = api(world.trainer_a.user).post(CLIENTS, new_client(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    client = Client.objects.select_related("user").get(pk=body["id"])
    assert client.trainer == world.trainer_a
    assert client.practice == world.practice_a
    assert client.user.check_password(NEW_PASSWORD)
    assert not client.user.is_staff
    assert body["username"] == "new_client"
    assert body["trainer"] == world.trainer_a.pk
    assert body["practice"] == world.practice_a.pk
    assert body["active_program"] is None
    assert "password" not in body


def test_a_practice_admin_creates_a_client_for_a_trainer_of_the_practice(world):
    response = api(world.admin.user).post(
        CLIENTS, new_client(trainer=world.trainer_b.pk), format="json"
    )
    assert response.status_code == 201, response.json()
    assert Client.objects.get(pk=response.json()["id"]).trainer == world.trainer_b


def test_a_practice_admin_without_trainer_keeps_the_client(world):
    response = api(world.admin.user).post(CLIENTS, new_client(), format="json")
    assert Client.objects.get(pk=response.json()["id"]).trainer == world.admin


@pytest.mark.parametrize(
    ("actor", "trainer"),
    [
        ("trainer_a", "trainer_b"),  # a plain trainer cannot give a client to a colleague
        ("admin", "trainer_c"),  # nor an admin to another practice's trainer
    ],
)
def test_giving_a_client_to_a_trainer_one_may_not_is_a_400(world, actor, trainer):
    before = state()
    response = api(getattr(world, actor).user).post(
        CLIENTS, new_client(trainer=getattr(world, trainer).pk), format="json"
    )
    assert response.status_code == 400
    assert attrs(response) == {"trainer"}
    assert state() == before


def test_a_superuser_says_which_trainer(world, superuser):
    root = api(superuser)
    missing = root.post(CLIENTS, new_client(), format="json")
    assert missing.status_code == 400
    assert attrs(missing) == {"trainer"}
    made = root.post(CLIENTS, new_client(trainer=world.trainer_c.pk), format="json")
    assert made.status_code == 201
    assert Client.objects.get(pk=made.json()["id"]).practice == world.practice_c


def test_the_list_shows_each_client_with_their_active_program(world):
    ClientFactory(user__username="no_program", trainer=world.trainer_a)
    body = api(world.trainer_a.user).get(CLIENTS).json()

    assert body["count"] == 2
    rows = {row["username"]: row for row in body["results"]}
    assert rows["client_a"]["active_program"] == {
        "id": world.program_a.pk,
        "name": world.program_a.name,
        "starts_on": world.program_a.starts_on.isoformat(),
    }
    assert rows["no_program"]["active_program"] is None
    assert set(rows["client_a"]) >= {
        "id", "username", "email", "first_name", "last_name", "notes", "trainer",
        "trainer_name", "practice", "active_program", "created_at", "updated_at",
    }  # fmt: skip


def test_retrieve_shows_the_client_and_their_active_program(world):
    body = api(world.trainer_a.user).get(f"{CLIENTS}{world.client_a.pk}/").json()
    assert body["username"] == "client_a"
    assert body["active_program"]["id"] == world.program_a.pk


def test_patch_changes_only_what_is_sent_and_moves_updated_at(world):
    before = Client.objects.get(pk=world.client_a.pk).updated_at
    response = api(world.trainer_a.user).patch(
        f"{CLIENTS}{world.client_a.pk}/",
        {"first_name": "Ada", "email": "ada@example.com", "notes": "Left knee: old ACL repair."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["first_name"], body["email"]) == ("Ada", "ada@example.com")
    assert body["notes"] == "Left knee: old ACL repair."
    client = Client.objects.select_related("user").get(pk=world.client_a.pk)
    assert client.user.last_name == world.client_a.user.last_name  # not sent: unchanged
    assert client.trainer == world.trainer_a
    assert client.updated_at > before


def test_a_change_of_name_alone_is_seen_by_since(world):
    """The apps sync with ``?since=``: a change to the client's user counts as a change."""
    mark = timezone.now()
    trainer = api(world.trainer_a.user)
    assert trainer.get(CLIENTS, {"since": mark.isoformat()}).json()["count"] == 0
    trainer.patch(f"{CLIENTS}{world.client_a.pk}/", {"last_name": "Lovelace"}, format="json")
    rows = trainer.get(CLIENTS, {"since": mark.isoformat()}).json()["results"]
    assert [row["last_name"] for row in rows] == ["Lovelace"]


def test_the_practice_admin_reassigns_a_client_within_the_practice(world):
    response = api(world.admin.user).patch(
        f"{CLIENTS}{world.client_a.pk}/", {"trainer": world.trainer_b.pk}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["trainer"] == world.trainer_b.pk
    assert Client.objects.get(pk=world.client_a.pk).trainer == world.trainer_b
    assert api(fresh(world.trainer_a.user)).get(f"{CLIENTS}{world.client_a.pk}/").status_code == 404
    assert api(fresh(world.trainer_b.user)).get(f"{CLIENTS}{world.client_a.pk}/").status_code == 200
    # the program goes with the client
    programs = api(fresh(world.trainer_b.user)).get(PROGRAMS).json()["results"]
    assert world.program_a.pk in {row["id"] for row in programs}


@pytest.mark.parametrize(
    ("actor", "trainer"),
    [
        ("trainer_a", "trainer_b"),  # only the practice admin reassigns
        ("admin", "trainer_c"),  # and only within the practice
        ("superuser", "trainer_c"),  # a superuser neither: a client stays in their practice
    ],
)
def test_reassignments_that_are_refused(world, superuser, actor, trainer):
    user = superuser if actor == "superuser" else getattr(world, actor).user
    before = state()
    response = api(user).patch(
        f"{CLIENTS}{world.client_a.pk}/",
        {"trainer": getattr(world, trainer).pk, "notes": "not saved either"},
        format="json",
    )
    assert response.status_code == 400
    assert attrs(response) == {"trainer"}
    assert state() == before


def test_put_is_not_offered(world):
    response = api(world.trainer_a.user).put(
        f"{CLIENTS}{world.client_a.pk}/", new_client(), format="json"
    )
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda w: {"search": "client_a"}, {"client_a"}),
        (lambda w: {"search": "CLIENT"}, {"client_a", "client_b"}),
        (lambda w: {"search": "ada lovelace"}, {"client_b"}),  # every word, in either name
        (lambda w: {"search": "b@example"}, {"client_b"}),  # the email
        (lambda w: {"search": "zzz"}, set()),
        (lambda w: {"search": "client_c"}, set()),  # another practice's client is not found
        (lambda w: {"trainer": w.trainer_b.pk}, {"client_b"}),
        (lambda w: {"trainer": w.trainer_b.pk, "search": "client_a"}, set()),
        (lambda w: {"since": "2000-01-01T00:00:00Z"}, {"client_a", "client_b"}),
        (lambda w: {"since": "2999-01-01T00:00:00+02:00"}, set()),
    ],
)
def test_client_filters(world, query, expected):
    User.objects.filter(pk=world.client_b.user_id).update(
        first_name="Ada", last_name="Lovelace", email="b@example.com"
    )
    response = api(world.admin.user).get(CLIENTS, query(world))
    assert response.status_code == 200, response.json()
    assert {row["username"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ({"since": "yesterday"}, "since"),
        ({"trainer": "abc"}, "trainer"),
        ({"trainer": "999999"}, "trainer"),
        ({"trainer": "99999999999999999999999"}, "trainer"),
    ],
)
def test_bad_client_filter_values_are_a_400_naming_the_field(world, query, attr):
    response = api(world.admin.user).get(CLIENTS, query)
    assert response.status_code == 400
    assert attrs(response) == {attr}


@pytest.mark.parametrize("pk", ["abc", "0", "99999999999999999999999", "1.5"])
def test_odd_ids_are_a_404_never_a_500(world, pk):
    trainer = api(world.trainer_a.user)
    for base in (CLIENTS, PROGRAMS, TEMPLATES):
        assert trainer.get(f"{base}{pk}/").status_code == 404
    assert trainer.patch(f"{CLIENTS}{pk}/", {}, format="json").status_code == 404
    assert trainer.post(f"{TEMPLATES}{pk}/assign/", {}, format="json").status_code == 404


# --- programs ---------------------------------------------------------------------------------


@pytest.fixture
def bird_dog(world):
    return ExerciseFactory(slug="bird-dog", name="Bird dog")


def test_a_program_from_prescriptions_ends_the_previous_one(world, bird_dog):
    today = timezone.localdate()
    response = api(world.trainer_a.user).post(
        PROGRAMS,
        {
            "client": world.client_a.pk,
            "name": "Glutes, week 3",
            "starts_on": (today + timedelta(days=1)).isoformat(),
            "sessions_per_week": 4,
            "prescriptions": [
                rx(load_kg="12.5", tempo="2-1-2", notes="Squeeze at the top."),
                rx("bird-dog", sets=2, reps_min=6, reps_max=6, hold_seconds=5),
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["client"] == world.client_a.pk
    assert body["status"] == "active"
    assert body["sessions_per_week"] == 4
    assert body["starts_on"] == (today + timedelta(days=1)).isoformat()
    first, second = body["prescriptions"]
    assert set(first) == {
        "id", "exercise", "sets", "reps_min", "reps_max", "load_kg", "tempo", "hold_seconds",
        "notes", "started_at",
    }  # fmt: skip
    assert first["exercise"]["slug"] == "glute-bridge"
    assert first["exercise"]["name"] == "Glute bridge"
    assert [cue["phase"] for cue in first["exercise"]["cues"]] == ["setup", "movement"]
    assert (first["load_kg"], first["tempo"], first["notes"]) == (
        12.5,
        "2-1-2",
        "Squeeze at the top.",
    )
    assert (second["exercise"]["slug"], second["hold_seconds"], second["load_kg"]) == (
        "bird-dog",
        5,
        None,
    )

    program = Program.objects.get(pk=body["id"])
    assert program.created_by == world.trainer_a
    previous = Program.objects.get(pk=world.program_a.pk)
    assert previous.status == Program.Status.ENDED
    assert previous.ended_on == today
    assert not previous.prescriptions.filter(ended_at__isnull=True).exists()
    assert Program.objects.filter(client=world.client_a, status="active").get() == program


def test_a_program_from_a_template_copies_it(world, bird_dog):
    world.template_a.prescriptions.create(
        exercise=bird_dog, order=1, sets=2, reps_min=5, reps_max=5
    )
    response = api(world.trainer_a.user).post(
        PROGRAMS, {"client": world.client_a.pk, "template": world.template_a.pk}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Glutes A"
    assert body["template"] == world.template_a.pk
    assert body["sessions_per_week"] == world.template_a.sessions_per_week
    assert [(p["exercise"]["slug"], p["sets"]) for p in body["prescriptions"]] == [
        ("glute-bridge", 3),
        ("bird-dog", 2),
    ]
    assert Program.objects.get(pk=world.program_a.pk).status == Program.Status.ENDED


def test_a_superuser_may_assign_in_any_practice(world, superuser):
    response = api(superuser).post(
        PROGRAMS, {"client": world.client_c.pk, "template": world.template_c.pk}, format="json"
    )
    assert response.status_code == 201
    assert Program.objects.get(pk=response.json()["id"]).created_by is None


def test_the_detail_shows_only_current_prescriptions(world, bird_dog):
    ended = world.program_a.prescriptions.get()
    Prescription.objects.filter(pk=ended.pk).update(ended_at=timezone.now())
    Prescription.objects.create(
        program=world.program_a, exercise=bird_dog, started_at=timezone.now(), replaces=ended
    )
    body = api(world.trainer_a.user).get(f"{PROGRAMS}{world.program_a.pk}/").json()
    assert [p["exercise"]["slug"] for p in body["prescriptions"]] == ["bird-dog"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda w: {}, {"program_a", "old_a", "program_b"}),
        (lambda w: {"client": w.client_a.pk}, {"program_a", "old_a"}),
        (lambda w: {"status": "active"}, {"program_a", "program_b"}),
        (lambda w: {"status": "ended"}, {"old_a"}),
        (lambda w: {"client": w.client_a.pk, "status": "ended"}, {"old_a"}),
        (lambda w: {"since": "2999-01-01T00:00:00Z"}, set()),
    ],
)
def test_program_filters(world, query, expected):
    old = ProgramFactory(client=world.client_a, status="ended", exercises=[world.exercise])
    names = {world.program_a.pk: "program_a", world.program_b.pk: "program_b", old.pk: "old_a"}
    response = api(world.admin.user).get(PROGRAMS, query(world))
    assert response.status_code == 200, response.json()
    assert {names[row["id"]] for row in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ({"status": "paused"}, "status"),
        ({"client": "abc"}, "client"),
        ({"client": "999999"}, "client"),
        ({"since": "2024-13-45"}, "since"),
    ],
)
def test_bad_program_filter_values_are_a_400_naming_the_field(world, query, attr):
    response = api(world.trainer_a.user).get(PROGRAMS, query)
    assert response.status_code == 400
    assert attrs(response) == {attr}


def test_programs_since_sees_the_previous_program_end(world):
    mark = timezone.now()
    trainer = api(world.trainer_a.user)
    trainer.post(PROGRAMS, {"client": world.client_a.pk, "template": world.template_a.pk})
    rows = trainer.get(PROGRAMS, {"since": mark.isoformat()}).json()["results"]
    assert {(row["id"] == world.program_a.pk, row["status"]) for row in rows} == {
        (True, "ended"),
        (False, "active"),
    }


# --- templates --------------------------------------------------------------------------------


def test_a_trainer_adds_a_template_to_the_practice_library(world):
    response = api(world.trainer_b.user).post(
        TEMPLATES,
        {
            "name": "Low back, phase 1",
            "description": "Two weeks of basics.",
            "sessions_per_week": 2,
            "prescriptions": [rx(), rx(sets=2, reps_min=10, reps_max=15, tempo="3-0-3")],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    template = ProgramTemplate.objects.get(pk=body["id"])
    assert (template.practice, template.created_by) == (world.practice_a, world.trainer_b)
    assert body["prescription_count"] == 2
    assert [p["tempo"] for p in body["prescriptions"]] == ["", "3-0-3"]
    assert body["prescriptions"][0]["exercise"]["cues"]
    # the colleague sees it in the library
    listed = api(world.trainer_a.user).get(TEMPLATES).json()["results"]
    assert {row["name"] for row in listed} == {"Glutes A", "Low back, phase 1"}


def test_a_template_is_assigned_to_two_clients_at_once(world):
    second = ClientFactory(user__username="client_a2", trainer=world.trainer_a)
    starts = date(2031, 3, 3)
    response = api(world.trainer_a.user).post(
        f"{TEMPLATES}{world.template_a.pk}/assign/",
        {"clients": [world.client_a.pk, second.pk], "starts_on": starts.isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(row["client"] for row in body) == sorted([world.client_a.pk, second.pk])
    for row in body:
        program = Program.objects.get(pk=row["id"])
        assert (program.status, program.template, program.starts_on) == (
            "active",
            world.template_a,
            starts,
        )
        assert [
            (p.exercise_id, p.sets, p.reps_min, p.reps_max) for p in program.prescriptions.all()
        ] == [(world.exercise.pk, 3, 8, 12)]
    assert Program.objects.get(pk=world.program_a.pk).status == Program.Status.ENDED


def test_the_practice_admin_assigns_to_clients_of_different_trainers(world):
    response = api(world.admin.user).post(
        f"{TEMPLATES}{world.template_a.pk}/assign/",
        {"clients": [world.client_a.pk, world.client_b.pk]},
        format="json",
    )
    assert response.status_code == 201
    assert Program.objects.filter(template=world.template_a, status="active").count() == 2
