"""Prepared reads (``config.prepared``): the same rows as the ORM's query for every kind of asker
and argument, one query and no rebuilding, and refused — loudly, when first prepared — when the
query took a value from anywhere but its arguments."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.accounts.selectors import client_rows, client_scope, prepared, profile_of
from coaching.journal.selectors import session_row_get, session_rows, with_entries
from coaching.models import Client, Session
from coaching.programs.selectors import program_row_get
from coaching.shared.selectors import row_or_404
from coaching.tests.factories import (
    ClientFactory,
    ProgramFactory,
    TrainerFactory,
    UserFactory,
    log_session,
)
from config.prepared import Prepared

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two practices; in the first an admin, a trainer with two clients, a colleague with one;
    every client has logged a session."""
    admin = TrainerFactory(is_practice_admin=True)
    trainer = TrainerFactory(practice=admin.practice)
    colleague = TrainerFactory(practice=admin.practice)
    mine = [ClientFactory(trainer=trainer, practice=admin.practice) for _ in range(2)]
    theirs = ClientFactory(trainer=colleague, practice=admin.practice)
    elsewhere = ClientFactory()
    for client in [*mine, theirs, elsewhere]:
        ProgramFactory(client=client)
        log_session(client)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    return {
        "superuser": superuser,
        "practice admin": admin.user,
        "trainer": trainer.user,
        "client": mine[0].user,
        "member": UserFactory(),
        "anonymous": AnonymousUser(),
    }


ASKERS = ["superuser", "practice admin", "trainer", "client", "member", "anonymous"]
CLIENT_ROW = prepared(lambda actor, pk: client_rows(actor).filter(pk=pk))
SESSIONS = prepared(lambda actor: session_rows(actor).order_by("id"))


@pytest.mark.parametrize("who", ASKERS)
def test_every_asker_gets_the_rows_the_orm_gives(world, who):
    actor = world[who]
    assert SESSIONS.rows(actor) == list(session_rows(actor).order_by("id"))
    for client in Client.objects.all():
        expected = list(client_rows(actor).filter(pk=client.pk))
        assert CLIENT_ROW.rows(actor, client.pk) == expected
    seen = {"superuser": 4, "practice admin": 3, "trainer": 2, "client": 1}.get(who, 0)
    assert len(SESSIONS.rows(actor)) == seen


def test_two_askers_of_one_role_share_the_sql_and_get_their_own_rows(world):
    other = TrainerFactory()
    ClientFactory(trainer=other, practice=other.practice)
    mine = [row["id"] for row in SESSIONS.rows(world["trainer"])]
    assert SESSIONS.rows(other.user) == []  # (their client has not logged)
    assert mine
    assert set(mine) == set(
        Session.objects.filter(client__trainer__user=world["trainer"]).values_list("id", flat=True)
    )


def test_a_prepared_read_is_one_query(world):
    actor = world["trainer"]
    client = Client.objects.filter(trainer__user=actor).first()
    CLIENT_ROW.rows(actor, client.pk)  # prepared
    with CaptureQueriesContext(connection) as queries:
        CLIENT_ROW.rows(actor, client.pk)
    assert len(queries) == 1


def test_lists_of_ids_are_prepared_per_length_and_empty_lists_read_nothing(world):
    ids = list(Session.objects.order_by("id").values_list("id", flat=True))
    entries = Prepared(
        lambda ids: Session.objects.filter(id__in=ids).order_by("id").values_list("id", flat=True)
    )
    assert entries.rows(ids) == ids
    assert entries.rows(ids[:1]) == ids[:1]
    assert entries.rows([ids[0], ids[0]]) == ids[:1]
    with CaptureQueriesContext(connection) as queries:
        assert entries.rows([]) == []
    assert len(queries) == 0


def test_values_list_rows_are_tuples_as_the_orms(world):
    read = Prepared(
        lambda ids: (
            Session.objects.filter(id__in=ids)
            .order_by("id")
            .values_list("id", "client__user__username", "performed_at")
        )
    )
    ids = list(Session.objects.values_list("id", flat=True))
    assert read.rows(ids) == list(
        Session.objects.filter(id__in=ids)
        .order_by("id")
        .values_list("id", "client__user__username", "performed_at")
    )


def test_arguments_the_orm_takes_otherwise_are_answered_by_building_the_query(world):
    read = Prepared(lambda name: Client.objects.filter(notes=name).values("id"))
    Client.objects.filter(pk=Client.objects.first().pk).update(notes="")
    assert read.rows("") == list(Client.objects.filter(notes="").values("id"))
    assert read.rows(None) == []  # (notes IS NULL: a different query, built as before)
    long = [*Client.objects.values_list("id", flat=True), *range(10**9, 10**9 + 300)]
    by_ids = Prepared(lambda ids: Client.objects.filter(id__in=ids).values("id"))
    assert len(by_ids.rows(long)) == Client.objects.count()


@pytest.mark.parametrize(
    ("build", "arg"),
    [
        pytest.param(
            lambda pk: Session.objects.filter(pk=pk, performed_at__lte=timezone.now()).values("id"),
            1,
            id="the-clock",
        ),
        pytest.param(
            lambda pk: Session.objects.filter(pk=pk, performed_at__year=2026).values("id"),
            1,
            id="a-date-constant",
        ),
        pytest.param(
            lambda name: Client.objects.filter(notes=name.upper()).values("id"),
            "knees",
            id="a-changed-value",
        ),
        pytest.param(
            lambda n: (
                Client.objects.filter(pk=n).values("id")
                if n > 1_900_000_000
                else Client.objects.filter(trainer_id=n).values("id")
            ),
            1,
            id="sql-that-depends-on-a-value",
        ),
    ],
)
def test_a_query_that_took_a_value_from_elsewhere_is_refused(build, arg, world):
    read = Prepared(build)
    with pytest.raises(ImproperlyConfigured):
        read.rows(arg)


def test_a_query_that_used_the_askers_other_columns_is_refused(world):
    by_name = prepared(lambda actor: Client.objects.filter(notes=actor.username).values("id"))
    with pytest.raises(ImproperlyConfigured):
        by_name.rows(world["trainer"])


def test_the_askers_role_makes_the_form_of_the_query(world):
    """``client_scope`` gives each role its own SQL; nobody's rows are read with no query."""
    read = prepared(lambda actor: Client.objects.filter(client_scope(actor)).values("id"))
    profile_of(world["member"])  # (who they are: read once per user, as for any selector)
    with CaptureQueriesContext(connection) as queries:
        assert read.rows(world["member"]) == []
    assert len(queries) == 0
    assert len(read.rows(world["practice admin"])) == 3
    assert len(read.rows(world["trainer"])) == 2
    assert {row["id"] for row in read.rows(world["superuser"])} == set(
        Client.objects.values_list("id", flat=True)
    )


@pytest.mark.parametrize(
    "pk", ["abc", "1.5", "", "99999999999999999999", "-99999999999999999999", None, "0"]
)
def test_a_malformed_or_unknown_key_is_a_404(world, pk):
    with pytest.raises(Http404, match=r"No such client\."):
        row_or_404(CLIENT_ROW, world["superuser"], pk, "client")


def test_someone_elses_row_is_a_404_and_ones_own_is_found(world):
    trainer = world["trainer"]
    others = Session.objects.exclude(client__trainer__user=trainer)
    mine = Session.objects.filter(client__trainer__user=trainer).first()
    for session in others:
        with pytest.raises(Http404):
            session_row_get(trainer, session.pk)
    assert (
        session_row_get(trainer, str(mine.pk))
        == with_entries([session_rows(trainer).get(pk=mine.pk)])[0]
    )
    program = mine.client.programs.get()
    assert program_row_get(trainer, program.pk)["id"] == program.pk
    with pytest.raises(Http404):
        program_row_get(world["client"], ProgramFactory().pk)


def test_q_conditions_from_the_arguments_stay_values(world):
    read = Prepared(lambda a, b: Client.objects.filter(Q(pk=a) | Q(pk=b)).values("id"))
    first, second = Client.objects.order_by("id").values_list("id", flat=True)[:2]
    assert {row["id"] for row in read.rows(first, second)} == {first, second}
    assert [row["id"] for row in read.rows(second, second)] == [second]


def test_a_prepared_list_counts_and_pages_as_the_orm(world):
    read = prepared(lambda actor: session_rows(actor).order_by("id"))
    for who in ASKERS:
        actor = world[who]
        expected = list(session_rows(actor).order_by("id"))
        assert read.count(actor) == len(expected)
        for start, stop in [(0, 2), (1, 3), (2, 10), (10, 20), (0, 0)]:
            assert read.between(start, stop, actor) == expected[start:stop]
    with CaptureQueriesContext(connection) as queries:
        read.count(world["trainer"])
        read.between(0, 1, world["trainer"])
    assert len(queries) == 2


def test_a_prepared_list_of_a_sliced_query_is_refused(world):
    read = Prepared(lambda n: Client.objects.filter(pk=n).values("id")[:1])
    with pytest.raises(ImproperlyConfigured):
        read.between(0, 5, 1)


def test_instances_with_their_selected_relations_and_annotations(world):
    from django.db.models import Count

    read = prepared(
        lambda actor: (
            Session.objects.filter(client__in=Client.objects.filter(client_scope(actor)))
            .select_related("client__user", "program")
            .annotate(n_entries=Count("entries"))
            .order_by("id")
        )
    )
    actor = world["practice admin"]
    orm = list(
        Session.objects.filter(client__in=Client.objects.filter(client_scope(actor)))
        .select_related("client__user", "program")
        .annotate(n_entries=Count("entries"))
        .order_by("id")
    )
    got = read.rows(actor)
    assert [s.pk for s in got] == [s.pk for s in orm]
    with CaptureQueriesContext(connection) as queries:
        for mine, theirs in zip(got, orm, strict=True):
            assert mine.__dict__.keys() >= {"performed_at", "n_entries"}
            assert (mine.performed_at, mine.n_entries) == (theirs.performed_at, theirs.n_entries)
            assert mine.client.user.username == theirs.client.user.username
            assert mine.program.name == theirs.program.name
            assert mine._state.adding is False
    assert len(queries) == 0  # the relations came with the rows


def test_prefetches_are_not_prepared(world):
    read = Prepared(lambda pk: Session.objects.filter(pk=pk).prefetch_related("entries"))
    with pytest.raises(ImproperlyConfigured):
        read.rows(1)


def test_a_date_constant_named_as_such_is_kept(world):
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    since = Prepared(
        lambda pk: Session.objects.filter(pk=pk, performed_at__gt=epoch).values("id"),
        constants=(epoch,),
    )
    session = Session.objects.first()
    assert since.rows(session.pk) == [{"id": session.pk}]
    other = Prepared(
        lambda pk: Session.objects.filter(pk=pk, performed_at__gt=epoch).values("id"),
        constants=(epoch.date(),),  # (not the same value: refused)
    )
    with pytest.raises(ImproperlyConfigured):
        other.rows(session.pk)


def test_dates_times_and_arrays_are_values_and_each_zone_gets_its_sql(world):
    from coaching.models import CheckIn
    from config.prepared import Array
    from triage.selectors import among

    log_check_in_days = list(CheckIn.objects.values_list("date", flat=True))
    since = Prepared(lambda start: Session.objects.filter(performed_at__gt=start).values("id"))
    after = Prepared(lambda day: CheckIn.objects.filter(date__gte=day).values("id"))
    on_day = Prepared(
        lambda day: Session.objects.filter(performed_at__date__gte=day).order_by("id").values("id")
    )
    by_array = Prepared(
        lambda ids: Session.objects.filter(id__in=among(ids)).order_by("id").values("id")
    )
    now = timezone.now()
    for start in [now - datetime.timedelta(days=400), now, now + datetime.timedelta(days=1)]:
        assert since.rows(start) == list(
            Session.objects.filter(performed_at__gt=start).values("id")
        )
    for day in [*log_check_in_days, datetime.date(2000, 1, 1)]:
        assert after.rows(day) == list(CheckIn.objects.filter(date__gte=day).values("id"))
    today = timezone.localdate()
    for zone in ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"]:
        with timezone.override(zone):
            expected = list(
                Session.objects.filter(performed_at__date__gte=today).order_by("id").values("id")
            )
            assert on_day.rows(today) == expected
    ids = list(Session.objects.order_by("id").values_list("id", flat=True))
    for chosen in [[], ids[:1], ids, [*ids, *range(10**9, 10**9 + 500)]]:
        assert [r["id"] for r in by_array.rows(Array(chosen))] == [i for i in ids if i in chosen]
    naive = Prepared(lambda start: Session.objects.filter(performed_at__gt=start).values("id"))
    with pytest.warns(RuntimeWarning):  # (built as before: the ORM's own warning)
        assert naive.rows(now.replace(tzinfo=None) - datetime.timedelta(days=400))


def test_a_family_prepares_each_variant_once_on_first_use(world):
    from config.prepared import Family

    made = []

    def make(count):
        made.append(count)
        return Prepared(lambda: Session.objects.order_by("id").values_list("id", flat=True)[:count])

    latest = Family(make)
    ids = list(Session.objects.order_by("id").values_list("id", flat=True))
    assert latest[2].rows() == ids[:2]
    assert latest[2] is latest[2]
    assert latest[3].rows() == ids[:3]
    assert made == [2, 3]
