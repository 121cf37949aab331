"""The catalogue editors' admin: exactly the permissions they need, search and filters,
edges inline with the graph rules, publish / retire through the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse

from coaching.tests.factories import PASSWORD, EditorFactory, UserFactory
from exercises.models import Exercise, ProgressionEdge
from exercises.permissions import CATALOGUE_EDITOR_PERMISSIONS, CATALOGUE_EDITORS_GROUP
from exercises.tests.factories import ExerciseFactory, ProgressionEdgeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_the_group_has_exactly_the_catalogue_permissions():
    group = Group.objects.get(name=CATALOGUE_EDITORS_GROUP)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert granted == CATALOGUE_EDITOR_PERMISSIONS
    assert "exercises.delete_exercise" not in granted  # retire, never delete


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (reverse("admin:index"), 200),
        (reverse("admin:exercises_exercise_changelist"), 200),
        (reverse("admin:exercises_exercise_add"), 200),
        (reverse("admin:exercises_progressionedge_changelist"), 200),
        (reverse("admin:exercises_muscle_changelist"), 200),
        (reverse("admin:exercises_equipment_changelist"), 200),
        (reverse("admin:coaching_user_changelist"), 403),
        (reverse("admin:auth_group_changelist"), 403),
        (reverse("admin:knox_authtoken_changelist"), 403),
        (reverse("admin:axes_accessattempt_changelist"), 403),
    ],
)
def test_what_an_editor_may_open(editor_client, url, status):
    assert editor_client.get(url).status_code == status


def test_an_editor_sees_only_the_catalogue_on_the_admin_index(editor_client):
    apps = {
        app["app_label"] for app in editor_client.get(reverse("admin:index")).context["app_list"]
    }
    assert apps == {"exercises"}


def test_an_editor_cannot_delete_an_exercise(editor_client):
    exercise = ExerciseFactory()
    url = reverse("admin:exercises_exercise_delete", args=[exercise.pk])
    assert editor_client.post(url, {"post": "yes"}).status_code == 403
    assert Exercise.objects.filter(pk=exercise.pk).exists()


def test_a_member_without_staff_status_is_sent_to_the_admin_login(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:exercises_exercise_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_change_page_shows_the_inlines_and_the_easier_variations(editor_client):
    easier = ExerciseFactory(name="Knee tuck")
    harder = ExerciseFactory(name="Leg raise")
    ProgressionEdgeFactory(easier=easier, harder=harder)
    page = editor_client.get(reverse("admin:exercises_exercise_change", args=[harder.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Knee tuck" in html  # under "easier variations"
    assert "harder variations (progressions)" in html.lower()
    assert "Lie face down." in html  # a cue inline


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=bridge", "Glute bridge", "Dead bug"),
        ("q=hip+lift", "Glute bridge", "Dead bug"),  # an alias
        ("status__exact=draft", "Dead bug", "Glute bridge"),
        ("position__exact=supine", "Dead bug", "Glute bridge"),
        ("difficulty=4", "Dead bug", "Glute bridge"),
    ],
)
def test_search_and_filters(editor_client, query, shown, hidden):
    ExerciseFactory(name="Glute bridge", aliases=["Hip lift"], position="prone", difficulty=1)
    ExerciseFactory(name="Dead bug", position="supine", difficulty=4, status="draft")
    page = editor_client.get(reverse("admin:exercises_exercise_changelist") + "?" + query)
    names = {e.name for e in page.context["cl"].result_list}
    assert shown in names
    assert hidden not in names


def _action(client, action, exercises):
    return client.post(
        reverse("admin:exercises_exercise_changelist"),
        {"action": action, "_selected_action": [e.pk for e in exercises]},
        follow=True,
    )


def test_publish_and_retire_actions(editor_client):
    ready = ExerciseFactory(status="draft")
    incomplete = ExerciseFactory(status="draft", parts=False)

    page = _action(editor_client, "publish", [ready, incomplete])
    messages = [str(m) for m in page.context["messages"]]
    ready.refresh_from_db()
    incomplete.refresh_from_db()
    assert ready.status == "published"
    assert incomplete.status == "draft"
    assert any("needs at least one cue" in m for m in messages)

    _action(editor_client, "retire", [ready])
    ready.refresh_from_db()
    assert ready.status == "retired"


def prescribed(ids: list[int]) -> dict[int, str]:
    """Stands in for the coaching app's check until programs exist."""
    return dict.fromkeys(
        Exercise.objects.filter(pk__in=ids, name="In use").values_list("pk", flat=True),
        "prescribed in 2 active programs",
    )


@override_settings(EXERCISE_IN_USE_CHECKS=["exercises.tests.test_admin.prescribed"])
def test_retiring_an_exercise_in_use_is_refused_with_a_message(editor_client):
    used = ExerciseFactory(name="In use")
    free = ExerciseFactory(name="Free")

    page = _action(editor_client, "retire", [used, free])

    messages = [str(m) for m in page.context["messages"]]
    assert "In use was not retired: prescribed in 2 active programs." in messages
    used.refresh_from_db()
    free.refresh_from_db()
    assert used.status == "published"
    assert free.status == "retired"


@override_settings(EXERCISE_IN_USE_CHECKS=["exercises.tests.test_admin.prescribed"])
def test_retiring_in_use_through_the_change_form_is_refused_too(editor_client):
    used = ExerciseFactory(name="In use")
    url = reverse("admin:exercises_exercise_change", args=[used.pk])
    form = _change_form_data(editor_client, url)
    form["status"] = "retired"
    page = editor_client.post(url, form, follow=True)
    assert any("was not retired" in str(m) for m in page.context["messages"])
    used.refresh_from_db()
    assert used.status == "published"


def _change_form_data(client, url: str) -> dict:
    """The change form as the browser would submit it unchanged."""
    form = client.get(url).context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        data[name] = field.prepare_value(value) if hasattr(field, "prepare_value") else value
    for formset in client.get(url).context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[f"{inline_form.prefix}-{name}"] = value
    return data


@pytest.mark.parametrize(
    ("harder_of", "message"),
    [
        ("self", "cannot be a progression of itself"),
        ("cycle", "would make a cycle in the progression graph: A → B → A"),
        ("duplicate", "Please correct the duplicate data for harder"),
    ],
)
def test_the_edge_inline_refuses_self_edges_cycles_and_duplicates(
    editor_client, harder_of, message
):
    a = ExerciseFactory(name="A")
    b = ExerciseFactory(name="B")
    ProgressionEdgeFactory(easier=b, harder=a)  # B → A
    target = {"self": b, "cycle": a, "duplicate": a}[harder_of]
    url = reverse("admin:exercises_exercise_change", args=[b.pk])
    data = _change_form_data(editor_client, url)
    prefix = "harder_edges"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    if harder_of == "cycle":
        # edit A's page instead: adding A → B closes B → A
        url = reverse("admin:exercises_exercise_change", args=[a.pk])
        data = _change_form_data(editor_client, url)
        total = int(data[f"{prefix}-TOTAL_FORMS"])
        target = b
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(total + 1),
            f"{prefix}-{total}-harder": str(target.pk),
            f"{prefix}-{total}-change": "lever",
            f"{prefix}-{total}-note": "",
        }
    )
    before = ProgressionEdge.objects.count()

    page = editor_client.post(url, data)

    assert page.status_code == 200  # the form again, with the error
    assert message in page.content.decode().replace("&gt;", ">").replace("&#x27;", "'")
    assert ProgressionEdge.objects.count() == before


def test_the_admin_login_locks_out_after_repeated_failures(client, settings):
    EditorFactory(username="ed")
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "ed", "password": "wrong"})
    response = client.post(url, {"username": "ed", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
