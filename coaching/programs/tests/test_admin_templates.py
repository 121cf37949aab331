"""The trainers' admin: the template library and the assign-template action, through the
services, with bad input refused and nothing written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from coaching.models import (
    Client,
    Program,
    ProgramTemplate,
)
from coaching.tests.admin_support import (
    CLIENTS,
    INDEX,
    errors_of,
    extend_world,
    form_data,
    messages_of,
    sign_in,
    snapshot,
)

pytestmark = pytest.mark.django_db


WORLD_EXTENSION = extend_world  # names that cannot turn up on a page by chance


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


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
        "outcome_schedules-TOTAL_FORMS": "0",  # the questionnaires it sends: none
        "outcome_schedules-INITIAL_FORMS": "0",
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
