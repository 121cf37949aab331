"""The catalogue list after an edit rebuilds only the documents the edit changed
(``exercise_fragments``, ``CatalogueChange``), and answers exactly what a full rebuild answers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exercises import selectors
from exercises.models import CatalogueRevision, Cue, Exercise
from exercises.selectors import FRAGMENTS
from exercises.tests.factories import ExerciseFactory, MuscleFactory, ProgressionEdgeFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/exercises/?page_size=1000"


@pytest.fixture
def built(monkeypatch):
    """The ids of the exercises whose documents each request built."""
    calls: list[list[int]] = []
    real = selectors.exercise_documents

    def spy(rows):
        calls.append(sorted(row["id"] for row in rows))
        return real(rows)

    monkeypatch.setattr(selectors, "exercise_documents", spy)
    return calls


@pytest.fixture
def chain():
    """Five exercises, a → b → c a chain of progressions."""
    a, b, c = ExerciseFactory(), ExerciseFactory(), ExerciseFactory()
    ProgressionEdgeFactory(easier=a, harder=b)
    ProgressionEdgeFactory(easier=b, harder=c)
    return a, b, c, ExerciseFactory(), ExerciseFactory()


def full_rebuild(member_api) -> bytes:
    FRAGMENTS.forget()
    return member_api.get(LIST).content


def edited(member_api, built, edit) -> tuple[bytes, list[int]]:
    member_api.get(LIST)  # this process holds every document
    built.clear()
    edit()
    answer = member_api.get(LIST).content
    return answer, (built[0] if built else [])


def test_a_cue_edit_rebuilds_that_exercise_only(member_api, built, chain):
    a, *_ = chain

    def edit_cue():
        cue = Cue.objects.filter(exercise=a).first()
        cue.text = "x"
        cue.save()

    answer, rebuilt = edited(member_api, built, edit_cue)
    assert rebuilt == [a.pk]
    assert answer == full_rebuild(member_api)
    assert b'"text":"x"' in answer


def test_an_exercise_edit_rebuilds_it_and_its_neighbours(member_api, built, chain):
    a, b, c, *_ = chain

    def rename():
        b.slug, b.name = "renamed", "Renamed"
        b.save()

    answer, rebuilt = edited(member_api, built, rename)
    assert rebuilt == sorted([a.pk, b.pk, c.pk])  # a and c list b's slug
    assert answer == full_rebuild(member_api)
    assert answer.count(b'"renamed"') == 3  # its own slug, a's progression, c's regression


def test_unpublishing_removes_it_from_its_neighbours(member_api, built, chain):
    a, b, c, *_ = chain

    def unpublish():
        b.status = Exercise.Status.DRAFT
        b.save()

    answer, rebuilt = edited(member_api, built, unpublish)
    assert rebuilt == sorted([a.pk, c.pk])  # (b is no longer listed)
    assert answer == full_rebuild(member_api)


def test_a_muscle_renamed_rebuilds_everything(member_api, built, chain):
    muscle = MuscleFactory()
    for exercise in chain[:2]:
        exercise.primary_muscles.add(muscle)

    def rename():
        muscle.name = "Renamed muscle"
        muscle.save()

    answer, rebuilt = edited(member_api, built, rename)
    assert rebuilt == sorted(e.pk for e in chain)
    assert answer == full_rebuild(member_api)


def test_a_muscle_added_from_its_side_rebuilds_those_exercises(member_api, built, chain):
    muscle = MuscleFactory()
    answer, rebuilt = edited(member_api, built, lambda: muscle.primary_for.add(chain[3], chain[4]))
    assert rebuilt == sorted([chain[3].pk, chain[4].pk])
    assert answer == full_rebuild(member_api)


def test_an_unchanged_catalogue_builds_nothing_and_one_edit_costs_constant_queries(
    member_api, built, chain
):
    member_api.get(LIST)
    built.clear()
    with CaptureQueriesContext(connection) as again:
        member_api.get(LIST)
    assert built == []
    assert len(again) == 1  # the revision: the cached answer

    Cue.objects.filter(exercise=chain[0]).first().save()
    with CaptureQueriesContext(connection) as after_edit:
        member_api.get(LIST)
    # revision, count, page, the change log, then the 8 parts of the one document rebuilt
    assert len(after_edit) == 12


def test_a_revision_that_went_backwards_rebuilds_everything(member_api, built, chain):
    member_api.get(LIST)
    built.clear()
    # a database restored from a backup: an older number (and another time)
    CatalogueRevision.objects.filter(pk=1).update(number=1)
    member_api.get(LIST)
    assert built == [sorted(e.pk for e in chain)]


def test_a_process_further_behind_than_the_log_rebuilds_everything(member_api, built, chain):
    from exercises.models import CatalogueChange

    member_api.get(LIST)
    built.clear()
    chain[0].save()
    chain[3].save()
    first_new = CatalogueRevision.objects.get(pk=1).number - 1
    CatalogueChange.objects.filter(revision=first_new).delete()  # pruned
    member_api.get(LIST)
    assert built == [sorted(e.pk for e in chain)]
