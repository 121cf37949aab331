"""``/api/v1/exercises/``: contract, filters, errors, and a constant number of queries."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exercises.models import Cue, Exercise, Mistake, ProgressionEdge
from exercises.selectors import FRAGMENTS
from exercises.tests.factories import (
    EquipmentFactory,
    ExerciseFactory,
    MuscleFactory,
    ProgressionEdgeFactory,
)

pytestmark = pytest.mark.django_db
LIST = "/api/v1/exercises/"

CONTRACT_FIELDS = {
    # API.md: each item has at least these
    "slug", "name", "aliases", "summary", "position", "difficulty", "laterality",
    "primary_muscles", "stabilizers", "equipment", "cues", "mistakes", "contraindications",
    "default_prescription", "progressions", "regressions", "updated_at",
}  # fmt: skip


def test_anonymous_is_refused_with_the_error_envelope(api_client):
    response = api_client.get(LIST)
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "not_authenticated"


def test_list_has_the_contract_fields_and_only_published(member_api):
    easier = ExerciseFactory(slug="glute-bridge", name="Glute bridge", aliases=["Hip bridge"])
    harder = ExerciseFactory(slug="single-leg-bridge", name="Single-leg bridge", difficulty=3)
    draft = ExerciseFactory(slug="draft-one", status=Exercise.Status.DRAFT)
    ProgressionEdgeFactory(easier=easier, harder=harder)
    ProgressionEdgeFactory(easier=harder, harder=draft)  # an edge to a draft is not shown

    response = member_api.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    items = {item["slug"]: item for item in body["results"]}
    assert set(items) == {"glute-bridge", "single-leg-bridge"}
    bridge = items["glute-bridge"]
    assert set(bridge) >= CONTRACT_FIELDS
    assert bridge["aliases"] == ["Hip bridge"]
    assert bridge["progressions"] == ["single-leg-bridge"]
    assert bridge["regressions"] == []
    assert items["single-leg-bridge"]["regressions"] == ["glute-bridge"]
    assert items["single-leg-bridge"]["progressions"] == []
    assert bridge["primary_muscles"] == [{"slug": "gluteus-maximus", "name": "Gluteus maximus"}]
    assert [c["phase"] for c in bridge["cues"]] == ["setup", "movement"]
    assert bridge["mistakes"] == [{"title": "Lifting too high", "detail": "Keep it low."}]
    assert bridge["default_prescription"] == {
        "sets": 3, "reps_min": 8, "reps_max": 12, "tempo": "", "hold_seconds": None,
    }  # fmt: skip
    assert bridge["updated_at"].endswith(("Z", "+00:00")) or "+" in bridge["updated_at"]


def test_detail_by_slug_and_404_for_unknown_or_unpublished(member_api):
    ExerciseFactory(slug="dead-bug", name="Dead bug")
    ExerciseFactory(slug="retired-one", status=Exercise.Status.RETIRED)

    assert member_api.get(f"{LIST}dead-bug/").json()["name"] == "Dead bug"
    for slug in ("nope", "retired-one"):
        response = member_api.get(f"{LIST}{slug}/")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"


@pytest.fixture
def small_catalogue():
    glutes = MuscleFactory(slug="gluteus-maximus", name="Gluteus maximus")
    abs_ = MuscleFactory(slug="rectus-abdominis", name="Rectus abdominis", region="core")
    mat = EquipmentFactory(slug="mat", name="Mat")
    bar = EquipmentFactory(slug="pull-up-bar", name="Pull-up bar")
    bridge = ExerciseFactory(
        slug="glute-bridge", name="Glute bridge", position="supine", difficulty=1,
        aliases=["Hip bridge"], summary="Lift the hips.",
    )  # fmt: skip
    bridge.equipment.add(mat)
    raise_ = ExerciseFactory(
        slug="hanging-knee-raise", name="Hanging knee raise", position="hanging", difficulty=4,
        aliases=["Hanging thigh raise"], movement_pattern="hip_flexion", summary="From a bar.",
    )  # fmt: skip
    raise_.primary_muscles.set([abs_])
    raise_.equipment.add(bar)
    ExerciseFactory(slug="bird-dog", name="Bird dog", position="quadruped", difficulty=2)
    return {"glutes": glutes}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=bridge", {"glute-bridge"}),
        ("search=thigh", {"hanging-knee-raise"}),  # an alias
        ("search=HIP BRIDGE", {"glute-bridge"}),  # every word, any case
        ("search=from+a+bar", {"hanging-knee-raise"}),  # the summary
        ("search=zzz", set()),
        ("muscle=rectus-abdominis", {"hanging-knee-raise"}),
        ("muscle=gluteus-maximus", {"glute-bridge", "bird-dog"}),
        ("muscle=unknown-muscle", set()),  # an unknown slug: an empty list
        ("equipment=mat", {"glute-bridge"}),
        ("equipment=none", {"bird-dog"}),
        ("equipment=unknown", set()),
        ("position=hanging", {"hanging-knee-raise"}),
        ("difficulty=2", {"bird-dog"}),
        ("pattern=hip_flexion", {"hanging-knee-raise"}),
        ("position=supine&muscle=gluteus-maximus", {"glute-bridge"}),
        ("since=2000-01-01T00:00:00Z", {"glute-bridge", "hanging-knee-raise", "bird-dog"}),
        ("since=2999-01-01T00:00:00Z", set()),
    ],
)
def test_filters(member_api, small_catalogue, query, expected):
    response = member_api.get(f"{LIST}?{query}")
    assert response.status_code == 200, response.json()
    assert {item["slug"] for item in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("position=upside_down", "position"),
        ("difficulty=9", "difficulty"),
        ("difficulty=hard", "difficulty"),
        ("pattern=x", "pattern"),
        ("since=yesterday", "since"),
    ],
)
def test_bad_filter_values_are_a_400_with_the_field_named(member_api, small_catalogue, query, attr):
    response = member_api.get(f"{LIST}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["errors"][0]["attr"] == attr


@pytest.mark.parametrize("query", ["page=999", "page=abc", "page_size=0", "page_size=-5"])
def test_odd_paging_never_fails(member_api, small_catalogue, query):
    assert member_api.get(f"{LIST}?{query}").status_code in (200, 404)


def _bulk_catalogue(count: int) -> None:
    """``count`` published exercises with muscles, equipment, cues, mistakes and a chain of
    progression edges: the shape of the real catalogue, at scale."""
    muscles = [MuscleFactory(slug=f"m{i}") for i in range(6)]
    gear = [EquipmentFactory(slug=f"e{i}") for i in range(3)]
    exercises = Exercise.objects.bulk_create(
        Exercise(
            slug=f"bulk-{i}",
            name=f"Bulk {i}",
            summary="s",
            position="prone",
            movement_pattern="hip_extension",
            difficulty=1 + i % 5,
            status="published",
            aliases=[f"alias {i}"],
            stop_signals=["Sharp pain."],
        )
        for i in range(count)
    )
    Primary = Exercise.primary_muscles.through
    Stabilizer = Exercise.stabilizers.through
    Gear = Exercise.equipment.through
    Primary.objects.bulk_create(
        Primary(exercise_id=e.pk, muscle_id=muscles[i % 6].pk) for i, e in enumerate(exercises)
    )
    Stabilizer.objects.bulk_create(
        Stabilizer(exercise_id=e.pk, muscle_id=muscles[(i + 1) % 6].pk)
        for i, e in enumerate(exercises)
    )
    Gear.objects.bulk_create(
        Gear(exercise_id=e.pk, equipment_id=gear[i % 3].pk) for i, e in enumerate(exercises)
    )
    Cue.objects.bulk_create(
        Cue(exercise=e, order=j, phase=phase, text=f"cue {j}")
        for e in exercises
        for j, phase in enumerate(["setup", "brace", "movement", "stop_point", "return"])
    )
    Mistake.objects.bulk_create(
        Mistake(exercise=e, order=j, title=f"m {j}", detail="d")
        for e in exercises
        for j in range(3)
    )
    ProgressionEdge.objects.bulk_create(
        ProgressionEdge(easier=a, harder=b, change="lever")
        for a, b in itertools.pairwise(exercises)
    )


def test_the_list_makes_a_constant_number_of_queries(member_api):
    _bulk_catalogue(10)
    with CaptureQueriesContext(connection) as small:
        assert len(member_api.get(f"{LIST}?page_size=1000").json()["results"]) == 10

    Exercise.objects.all().delete()
    _bulk_catalogue(1000)
    FRAGMENTS.forget()  # as a process that has built no document yet (see test_fragments.py)
    with CaptureQueriesContext(connection) as large:
        body = member_api.get(f"{LIST}?page_size=1000").json()

    assert len(body["results"]) == 1000
    assert body["results"][0]["cues"]
    assert body["results"][0]["primary_muscles"]
    assert len(large) == len(small)
    # revision + count + page + 3 many-to-many + cues + mistakes + 2 edge lists + uploads
    assert len(large) == 11, [q["sql"][:80] for q in large.captured_queries]


def test_filtered_list_is_also_constant(member_api):
    _bulk_catalogue(50)
    with CaptureQueriesContext(connection) as queries:
        member_api.get(f"{LIST}?muscle=m1&search=bulk&equipment=e1&page_size=1000")
    assert len(queries) == 11  # as the unfiltered list


def test_a_repeated_list_is_answered_from_the_cache_in_one_query(member_api):
    _bulk_catalogue(20)
    first = member_api.get(f"{LIST}?page_size=1000")
    with CaptureQueriesContext(connection) as queries:
        again = member_api.get(f"{LIST}?page_size=1000")
    assert len(queries) == 1  # the catalogue revision
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_an_unchanged_catalogue_answers_304_to_the_etag(member_api):
    _bulk_catalogue(3)
    etag = member_api.get(LIST)["ETag"]
    response = member_api.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert member_api.get(f"{LIST}?page=1", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        lambda e: Cue.objects.filter(exercise=e).update(text="x") and e.cues.first().save(),
        lambda e: Mistake.objects.create(exercise=e, title="New mistake", detail="d"),
        lambda e: e.primary_muscles.add(MuscleFactory(slug="new-muscle")),
        lambda e: ProgressionEdge.objects.filter(easier=e).delete(),
        lambda e: Exercise.objects.get(slug="bulk-1").delete(),
        lambda e: MuscleFactory._meta.model.objects.filter(slug="m0").first().save(),
    ],
)
def test_any_change_to_the_catalogue_invalidates_the_cache(member_api, change):
    _bulk_catalogue(3)
    before = member_api.get(LIST)
    change(Exercise.objects.get(slug="bulk-0"))
    after = member_api.get(LIST, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
