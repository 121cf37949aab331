"""The caseload dashboard, the admin's home page for trainers (``triage.caseload``,
``triage.dashboard``): each number and the list behind it, who sees it, and its constant number
of queries."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import (
    CheckIn,
    Client,
    Instrument,
    OutcomeSchedule,
    Program,
    QuestionnaireResponse,
    Session,
    User,
)
from coaching.programs import schedule
from coaching.tests.factories import (
    ClientFactory,
    EditorFactory,
    PracticeFactory,
    ProgramFactory,
    TrainerFactory,
    UserFactory,
)
from triage import caseload as cl
from triage.rules import History, SessionLog, Thresholds, adherence
from triage.selectors import thresholds_current
from triage.tests.factories import FlagFactory, ReferralFactory

pytestmark = pytest.mark.django_db

HOME = "/admin/"
CLIENTS = "/admin/coaching/client/"
FLAGS = "/admin/triage/flag/"


def today() -> date:
    return timezone.localdate()


def at(days_ago: int, hour: int = 9) -> datetime:
    """A moment ``days_ago`` local days before today (at 9:00 by default: before now, as long
    as days_ago ≥ 1)."""
    day = today() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def program_for(client: Client, *, started: int = 30, per_week: int = 3, days: str = "") -> Program:
    return ProgramFactory(
        client=client,
        starts_on=today() - timedelta(days=started),
        sessions_per_week=per_week,
        weekdays=schedule.to_bits(days.split()) if days else 0,
    )


def sessions(client: Client, *days_ago: int, pain: int = 1) -> None:
    program = Program.objects.get(client=client, status="active")
    Session.objects.bulk_create(
        Session(
            client=client,
            program=program,
            performed_at=at(d),
            pain_before=pain,
            pain_after=pain,
            idempotency_key=uuid.uuid4(),
            body_digest="-",
            review_state="reviewed",
        )
        for d in days_ago
    )


def check_ins(client: Client, *days_ago: int, pain: int = 1) -> None:
    CheckIn.objects.bulk_create(
        CheckIn(
            client=client,
            date=today() - timedelta(days=d),
            pain=pain,
            stiffness=pain,
            idempotency_key=uuid.uuid4(),
            body_digest="-",
            review_state="reviewed",
        )
        for d in days_ago
    )


@pytest.fixture
def psfs(db: Any) -> Instrument:
    return Instrument.objects.create(
        slug="psfs",
        name="Patient-Specific Functional Scale",
        definition={"slug": "psfs", "name": "PSFS", "better": "higher", "meaningful_change": 2},
        digest="-",
    )


def answer(client: Client, instrument: Instrument, days_ago: int, score: float) -> None:
    QuestionnaireResponse.objects.create(
        client=client,
        program=Program.objects.get(client=client, status="active"),
        instrument=instrument,
        answers={},
        score=score,
        answered_at=at(days_ago),
        idempotency_key=uuid.uuid4(),
        body_digest="-",
        review_state="reviewed",
    )


class Practice:
    """Riverside: trainers Tom and Tara and Pat, the practice admin; Hilltop: Hugh. Clients
    are added by each test."""

    def __init__(self) -> None:
        riverside, hilltop = PracticeFactory(name="Riverside"), PracticeFactory(name="Hilltop")
        self.tom = TrainerFactory(user__username="tom", practice=riverside)
        self.tara = TrainerFactory(user__username="tara", practice=riverside)
        self.pat = TrainerFactory(user__username="pat", practice=riverside, is_practice_admin=True)
        self.hugh = TrainerFactory(user__username="hugh", practice=hilltop)

    def client_of(
        self, trainer: Any, name: str, *, with_program: bool = True, **program: Any
    ) -> Client:
        client = ClientFactory(
            trainer=trainer, user__username=name, user__first_name=name.title(), user__last_name="X"
        )
        if with_program:
            program_for(client, **program)
        return client


@pytest.fixture
def p(db: Any) -> Practice:
    return Practice()


def board(user: User, **kwargs: Any) -> cl.Caseload:
    return cl.caseload(user, thresholds=Thresholds(), **kwargs)


def page(client: Any, user: User, url: str = HOME) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def number(html: str, key: str) -> str:
    """The text of the link or cell marked ``data-number="key"``."""
    found = re.search(rf'data-number="{key}">([^<]*)<', html)
    assert found, key
    return found.group(1)


def href_of(html: str, key: str) -> str:
    found = re.search(rf'<a href="([^"]+)" data-number="{key}">', html)
    assert found, key
    return found.group(1).replace("&amp;", "&")


def listed_clients(client: Any, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {str(c.user.username) for c in response.context["cl"].result_list}


# --- open flags by urgency ---------------------------------------------------------------------


def test_open_flags_by_urgency_count_the_trainers_open_flags_and_link_to_the_queue(client, p):
    ann, bob = p.client_of(p.tom, "ann"), p.client_of(p.tom, "bob")
    other = p.client_of(p.tara, "cat")
    ReferralFactory(client=ann, rule="RF-EMERGENCY", urgency="emergency")
    ReferralFactory(client=bob)  # urgent
    FlagFactory(client=bob, rule="RG-SHARP", urgency="urgent")
    FlagFactory(client=ann)  # routine
    FlagFactory(client=bob, rule="RG-FORM", status="dismissed")  # closed: not counted
    ReferralFactory(client=other, rule="RF-EMERGENCY", urgency="emergency")  # Tara's

    html = page(client, p.tom.user)

    counts = {u: number(html, f"flags-{u}") for u in ("emergency", "urgent", "routine", "all")}
    assert counts == {"emergency": "1", "urgent": "2", "routine": "1", "all": "4"}
    assert href_of(html, "flags-urgent") == f"{FLAGS}?urgency__exact=urgent"
    queue = client.get(href_of(html, "flags-urgent"))
    assert {f.rule for f in queue.context["cl"].result_list} == {"RF-URGENT", "RG-SHARP"}


# --- who needs attention today ------------------------------------------------------------------


def test_clients_needing_attention_today_name_their_reasons_and_link_to_them(client, p, psfs):
    red = p.client_of(p.tom, "red")
    sessions(red, 1)
    ReferralFactory(client=red)  # urgent: a red flag
    routine = p.client_of(p.tom, "routine")
    sessions(routine, 1)
    ReferralFactory(client=routine, rule="RF-SHARP", urgency="routine")  # not a red flag
    quiet = p.client_of(p.tom, "quiet", days="mon tue wed thu fri sat sun")
    sessions(quiet, 3)  # nothing yesterday nor the day before: two planned days missed
    due = p.client_of(p.tom, "due")
    sessions(due, 1)
    OutcomeSchedule.objects.create(
        program=Program.objects.get(client=due), instrument_slug="psfs", every_weeks=2
    )
    answered = p.client_of(p.tom, "answered")
    sessions(answered, 1)
    OutcomeSchedule.objects.create(
        program=Program.objects.get(client=answered), instrument_slug="psfs", every_weeks=2
    )
    answer(answered, psfs, 30, 3)  # the start's …
    answer(answered, psfs, 1, 4)  # … and the latest occasion's (28 days in, on day 29)

    html = page(client, p.tom.user)
    found = board(p.tom.user)

    reasons = {row.name: row.reasons for row in found.attention}
    assert reasons == {
        "Red X": ("open red flag",),
        "Quiet X": ("no log for 2 planned days",),
        "Due X": ("questionnaire due",),
    }
    assert found.attention[0].name == "Red X"  # red flags first
    assert (number(html, "attention"), number(html, "red-flag")) == ("3", "1")
    assert (number(html, "no-log"), number(html, "questionnaire-due")) == ("1", "1")
    assert f'href="{reverse("admin:coaching_client_change", args=[red.pk])}"' in html
    assert listed_clients(client, href_of(html, "attention")) == {"red", "quiet", "due"}
    assert listed_clients(client, f"{CLIENTS}?caseload=no-log") == {"quiet"}


@pytest.mark.parametrize(
    ("days", "per_week", "started", "expected"),
    [
        # every day: the last two planned days before today are yesterday and the day before
        ("mon tue wed thu fri sat sun", 7, 30, 2),
        # any 3 days a week: a planned day every 7/3 days, two of them: 5 days back
        ("", 3, 30, 5),
        ("", 1, 30, 14),
        # the program has not had two planned days yet
        ("mon tue wed thu fri sat sun", 7, 1, None),
        ("", 3, 4, None),
    ],
)
def test_no_log_since_counts_back_the_planned_days(days, per_week, started, expected):
    day = date(2026, 11, 25)
    program = cl.ProgramRow(
        client_id=1,
        id=1,
        status="active",
        starts_on=day - timedelta(days=started),
        ended_on=None,
        sessions_per_week=per_week,
        weekdays=schedule.to_bits(days.split()),
    )

    found = cl.no_log_since(program, day)

    assert found == (None if expected is None else day - timedelta(days=expected))


def test_no_log_since_with_weekdays_skips_the_days_not_planned():
    wednesday = date(2026, 11, 25)
    program = cl.ProgramRow(
        1, 1, "active", date(2026, 10, 1), None, 3, schedule.to_bits(["mon", "fri"])
    )

    # the last two planned days before Wednesday 25: Monday 23 and Friday 20
    assert cl.no_log_since(program, wednesday) == date(2026, 11, 20)


def test_a_log_on_a_day_not_planned_counts(p):
    ann = p.client_of(p.tom, "ann", days="mon tue wed thu fri sat sun")
    sessions(ann, 1)

    assert board(p.tom.user).count("no-log") == 0


# --- adherence ---------------------------------------------------------------------------------


def test_adherence_is_the_triage_rules_sessions_done_of_planned_in_14_days(client, p):
    half = p.client_of(p.tom, "half", per_week=3)
    sessions(half, 1, 3, 5, 20)  # three in the window (the fourth is older)
    full = p.client_of(p.tom, "full", days="mon wed fri")
    sessions(full, *range(1, 14))  # more than planned counts as all of it
    p.client_of(p.tom, "new", started=6, per_week=2)  # planned from its start: 7 days, 2
    p.client_of(p.tom, "none", with_program=False)  # nothing planned: not in the table

    html = page(client, p.tom.user)
    rows = {r.name: (r.done, r.planned, r.percent) for r in board(p.tom.user).adherence}

    assert rows["Half X"] == (3, 6, 50.0)
    assert rows["Full X"] == (13, 6, 100.0)
    assert rows["New X"] == (0, 2, 0.0)
    assert board(p.tom.user).adherence[0].name == "New X"  # the lowest first
    assert "3 / 6" in html
    assert "50 %" in html
    # the same figures as the rule AD-LOW (triage.rules.adherence) on the client's history
    now = timezone.now()
    history = History(
        client_id=half.pk,
        tz=timezone.get_current_timezone(),  # type: ignore[arg-type]
        sessions=tuple(
            SessionLog(
                id=s.pk, performed_at=s.performed_at, pain_before=1, pain_after=1, entries=()
            )
            for s in Session.objects.filter(client=half).order_by("performed_at")
        ),
        sessions_per_week=3,
        program_started_on=today() - timedelta(days=30),
    )
    assert adherence(history, Thresholds(), now) == (3, 6, 50.0)
    assert number(html, "adherence-low") == "1"
    assert listed_clients(client, f"{CLIENTS}?caseload=adherence-low") == {"new"}
    bands = dict(board(p.tom.user).adherence_bands)
    assert bands == {"0–24 %": 1, "25–49 %": 0, "50–79 %": 1, "80–100 %": 1}
    assert "None X" not in html


# --- the outcome of the caseload ---------------------------------------------------------------


def test_the_share_whose_weekly_pain_fell_meaningfully(client, p):
    better = p.client_of(p.tom, "better")  # 6 → 3: a fall of 3
    sessions(better, 28, 25, pain=6)
    check_ins(better, 27, pain=6)
    sessions(better, 2, pain=3)
    check_ins(better, 1, 3, pain=3)
    same = p.client_of(p.tom, "same")  # 4 → 3.5: half a point
    sessions(same, 28, pain=4)
    check_ins(same, 2, pain=3)
    check_ins(same, 1, pain=4)
    small = p.client_of(p.tom, "small")  # 3 → 2: a third, and a point: meaningful
    sessions(small, 29, pain=3)
    sessions(small, 1, pain=2)
    worse = p.client_of(p.tom, "worse")  # 2 → 5
    check_ins(worse, 29, pain=2)
    check_ins(worse, 1, pain=5)
    young = p.client_of(p.tom, "young", started=15)  # first two weeks overlap the last week
    sessions(young, 14, pain=8)
    sessions(young, 1, pain=1)
    silent = p.client_of(p.tom, "silent")  # nothing reported lately
    sessions(silent, 28, pain=6)

    html = page(client, p.tom.user)

    assert (number(html, "pain-better"), number(html, "pain-measured")) == ("2", "4")
    assert listed_clients(client, href_of(html, "pain-better")) == {"better", "small"}
    assert listed_clients(client, href_of(html, "pain-measured")) == {
        "better",
        "same",
        "small",
        "worse",
    }


@pytest.mark.parametrize(
    ("baseline", "recent", "fell"),
    [
        (6, 4, True),  # 2 points
        (
            6,
            4.5,
            True,
        ),  # 1.5 points: a third of 4.5 (read backwards, the percentage is of the recent value)
        (6, 4.7, False),  # 1.3 points: less than 30 % of 4.7
        (3, 2, True),
        (2, 1.5, False),  # less than a point
        (1, 0, True),
        (0, 0, False),
    ],
)
def test_a_meaningful_fall_is_the_rules_meaningful_rise_read_backwards(baseline, recent, fell):
    assert cl.pain_fell(baseline, recent, Thresholds()) is fell


def test_the_share_whose_psfs_rose_by_2_or_more(client, p, psfs):
    rose = p.client_of(p.tom, "rose")
    answer(rose, psfs, 28, 3)
    answer(rose, psfs, 14, 4)
    answer(rose, psfs, 1, 5)  # first → latest: +2
    little = p.client_of(p.tom, "little")
    answer(little, psfs, 28, 4)
    answer(little, psfs, 1, 5.5)  # +1.5
    once = p.client_of(p.tom, "once")
    answer(once, psfs, 28, 4)  # one answer: nothing to compare
    before = p.client_of(p.tom, "before", started=10)
    answer(before, psfs, 20, 1)  # before the program started: not its baseline
    answer(before, psfs, 1, 4)

    html = page(client, p.tom.user)

    assert (number(html, "psfs-better"), number(html, "psfs-measured")) == ("1", "2")
    assert listed_clients(client, href_of(html, "psfs-better")) == {"rose"}
    assert listed_clients(client, href_of(html, "psfs-measured")) == {"rose", "little"}


# --- who sees what ----------------------------------------------------------------------------


def test_a_trainer_sees_only_their_clients(client, p):
    p.client_of(p.tom, "ann")
    cat = p.client_of(p.tara, "cat")
    ReferralFactory(client=cat)
    p.client_of(p.hugh, "hal")

    html = page(client, p.tom.user)

    assert "1 client</a>" in html
    assert number(html, "flags-urgent") == "0"
    assert "Cat X" not in html
    assert "Hal X" not in html
    assert 'name="trainer"' not in html  # no choice of trainer
    # a colleague's id changes nothing
    assert board(p.tom.user, trainer_id=p.tara.pk).clients == 0
    html = page(client, p.tom.user, f"{HOME}?trainer={p.tara.pk}")
    assert "1 client</a>" in html


def test_a_practice_admin_sees_the_practice_and_filters_by_trainer(client, p):
    p.client_of(p.tom, "ann")
    cat = p.client_of(p.tara, "cat")
    ReferralFactory(client=cat)
    sessions(cat, 1)
    p.client_of(p.hugh, "hal")  # another practice

    html = page(client, p.pat.user)

    assert "2 clients</a>" in html
    assert "Hal X" not in html
    assert number(html, "flags-urgent") == "1"
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', html)
    assert {name for _, name in options} >= {"Whole practice", str(p.tom), str(p.tara)}
    assert str(p.hugh) not in {name for _, name in options}

    html = page(client, p.pat.user, f"{HOME}?trainer={p.tom.pk}")

    assert "1 client</a>" in html
    assert number(html, "flags-urgent") == "0"
    assert f'<option value="{p.tom.pk}" selected>' in html
    # the links keep the choice of trainer, and the lists behind them honour it
    assert href_of(html, "flags-urgent") == f"{FLAGS}?urgency__exact=urgent&trainer={p.tom.pk}"
    assert client.get(href_of(html, "flags-urgent")).context["cl"].result_count == 0
    assert listed_clients(client, f"{CLIENTS}?caseload=red-flag&trainer={p.tara.pk}") == {"cat"}
    assert listed_clients(client, f"{CLIENTS}?caseload=red-flag&trainer={p.tom.pk}") == set()
    # a trainer of another practice is not a choice: the whole practice
    html = page(client, p.pat.user, f"{HOME}?trainer={p.hugh.pk}")
    assert "2 clients</a>" in html


def test_the_client_list_filter_is_scoped_to_who_asks(client, p):
    cat = p.client_of(p.tara, "cat")
    ReferralFactory(client=cat)
    client.force_login(p.tom.user)

    assert listed_clients(client, f"{CLIENTS}?caseload=red-flag") == set()


@pytest.mark.parametrize("who", ["anonymous", "client"])
def test_anonymous_people_and_clients_never_reach_it(client, p, who):
    ann = p.client_of(p.tom, "ann")
    if who == "client":
        client.force_login(ann.user)

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_catalogue_editors_and_superusers_keep_django_s_index(client, p, who):
    p.client_of(p.tom, "ann")
    user = (
        EditorFactory(username="editor")
        if who == "editor"
        else UserFactory(username="root", is_staff=True, is_superuser=True)
    )

    html = page(client, user)

    assert 'id="caseload-dashboard"' not in html
    assert "Site administration" in html or 'id="content-main"' in html
    assert 'class="app-exercises' in html


def test_the_models_stay_below_the_dashboard(client, p):
    html = page(client, p.tom.user)

    assert html.index('id="caseload-dashboard"') < html.index('class="app-coaching')
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert 'id="caseload-chart-data"' in html


# --- a constant number of queries -------------------------------------------------------------


def _caseload_of(trainer: Any, count: int, psfs: Instrument, start: int = 0) -> None:
    """``count`` clients of ``trainer``, each with a program (weekdays for one in two), two weeks
    of sessions and check-ins, a questionnaire schedule, answers and an open flag."""
    for i in range(start, start + count):
        c = ClientFactory(trainer=trainer, user__username=f"{trainer.user.username}-{i}")
        program_for(c, days="mon wed fri" if i % 2 else "")
        sessions(c, 28, 2, pain=5)
        check_ins(c, 27, 1, pain=4)
        OutcomeSchedule.objects.create(
            program=Program.objects.get(client=c), instrument_slug="psfs", every_weeks=2
        )
        answer(c, psfs, 29, 3)
        answer(c, psfs, 1, 6)
        (ReferralFactory if i % 3 == 0 else FlagFactory)(client=c)


@pytest.mark.parametrize("who", ["tom", "pat"])
def test_the_dashboard_costs_the_same_queries_for_2_and_40_clients(
    client, p, psfs, who, django_assert_num_queries
):
    user = getattr(p, who).user
    _caseload_of(p.tom, 2, psfs)
    thresholds_current()  # (cached, as in production)
    client.force_login(user)
    with CaptureQueriesContext(connection) as small:
        assert client.get(HOME).status_code == 200

    _caseload_of(p.tara if who == "pat" else p.tom, 38, psfs, start=2)

    with django_assert_num_queries(len(small)):
        response = client.get(HOME)
    assert response.context["board"].clients == 40
    assert response.context["board"].psfs == cl.Share(40, 40)


def test_the_selector_reads_in_at_most_ten_queries(p, psfs, django_assert_max_num_queries):
    _caseload_of(p.tom, 5, psfs)
    user = User.objects.get(pk=p.tom.user.pk)  # (the profile read once, first)
    cl.shows_dashboard(user)

    with django_assert_max_num_queries(10):
        found = board(user)

    assert found.clients == 5
