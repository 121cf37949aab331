"""Reads that depend on who asks. The one permission rule of the platform lives here: the admin's
``get_queryset``, the API viewsets and the portal views all call these, so a trainer never sees
another trainer's clients anywhere — lists, detail pages, autocomplete, filters or search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Model, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from coaching.models import (
    CheckIn,
    Client,
    Entry,
    Practice,
    Prescription,
    Program,
    ProgramTemplate,
    Session,
    Set,
    TemplatePrescription,
    Trainer,
    User,
)
from exercises.permissions import CATALOGUE_EDITORS_GROUP

Actor = User | AnonymousUser
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Profile:
    trainer: Trainer | None = None
    client: Client | None = None

    @property
    def practice(self) -> Practice | None:
        if self.trainer:
            return self.trainer.practice
        if self.client:
            return self.client.practice
        return None

    @property
    def is_practice_admin(self) -> bool:
        return bool(self.trainer and self.trainer.is_practice_admin)

    @classmethod
    def of(cls, user: object) -> Profile:
        """The profile of a user whose ``trainer`` and ``client`` relations were selected."""
        trainer: Trainer | None = related_or_none(user, "trainer")
        return cls(trainer=trainer, client=None if trainer else related_or_none(user, "client"))


def one_or_404(rows: QuerySet[M], pk: object, what: str) -> M:
    """The row of ``rows`` with this primary key, or a 404 "No such {what}." — also for a
    malformed key, and for a row that exists but is not among ``rows`` (never a 403: we do not
    say that it exists). Every ``*_get``/``*_detail`` selector answers through this."""
    try:
        return rows.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No such {what}.") from exc


def profile_of(actor: Actor) -> Profile:
    """The actor's trainer or client profile, read once per user object (one query; none when
    the API's token authentication already read it with the token)."""
    if not actor.is_authenticated:
        return Profile()
    cached: Profile | None = getattr(actor, "_coaching_profile", None)
    if cached is None:
        row = (
            get_user_model()
            ._default_manager.select_related(
                "trainer__practice", "client__practice", "client__trainer"
            )
            .get(pk=actor.pk)
        )
        cached = Profile.of(row)
        actor._coaching_profile = cached
    return cached


def related_or_none(obj: object, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def user_role(actor: Actor) -> str:
    """``superuser``, ``practice_admin``, ``trainer``, ``client``, ``catalogue_editor``,
    ``member`` (signed in, nothing more) or ``anonymous``."""
    if not actor.is_authenticated:
        return "anonymous"
    if actor.is_superuser:
        return "superuser"
    profile = profile_of(actor)
    if profile.trainer:
        return "practice_admin" if profile.is_practice_admin else "trainer"
    if profile.client:
        return "client"
    if actor.groups.filter(name=CATALOGUE_EDITORS_GROUP).exists():
        return "catalogue_editor"
    return "member"


# --- trainers and clients -------------------------------------------------------------------


def trainers_for(actor: Actor) -> QuerySet[Trainer]:
    """Superusers: every trainer. A practice admin: the practice's. A trainer: themself."""
    qs = Trainer.objects.select_related("user", "practice")
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.is_practice_admin:
        return qs.filter(practice=profile.practice)
    if profile.trainer:
        return qs.filter(pk=profile.trainer.pk)
    return qs.none()


def clients_for(actor: Actor) -> QuerySet[Client]:
    """Superusers: every client. A practice admin: the practice's. A trainer: their own.
    Anyone else: none."""
    qs = Client.objects.select_related("user", "trainer__user", "practice")
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.is_practice_admin:
        return qs.filter(practice=profile.practice)
    if profile.trainer:
        return qs.filter(trainer=profile.trainer)
    return qs.none()


def client_get(actor: Actor, pk: object) -> Client:
    """One client the actor may see, or 404 (never 403: we do not say that it exists)."""
    return one_or_404(clients_for(actor), pk, "client")


def client_list(actor: Actor) -> QuerySet[Client]:
    """The trainer's caseload for lists: each client with their active program's name and the
    time of their last session, in a constant number of queries."""
    active = Program.objects.filter(status=Program.Status.ACTIVE).only(
        "id", "name", "client_id", "starts_on"
    )
    last_session = (
        Session.objects.filter(client=OuterRef("pk"))
        .order_by("-performed_at")
        .values("performed_at")[:1]
    )
    return (
        clients_for(actor)
        .annotate(last_session_at=Subquery(last_session))
        .prefetch_related(Prefetch("programs", queryset=active, to_attr="active_programs"))
    )


def client_detail(actor: Actor, pk: object) -> Client:
    """One client as the list shows them (with their active program), or 404."""
    return one_or_404(client_list(actor), pk, "client")


# --- programs and templates -----------------------------------------------------------------


def programs_for(actor: Actor) -> QuerySet[Program]:
    """Programs of the clients the actor may see; a client sees their own."""
    qs = Program.objects.select_related("client__user", "client__trainer__user", "template")
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.client:
        return qs.filter(client=profile.client)
    return qs.filter(client__in=clients_for(actor).values("pk"))


def program_detail(actor: Actor, pk: object) -> Program:
    """One program with its current prescriptions, their exercises and the exercises' cues: a
    constant number of queries (program, prescriptions, cues), whatever their number."""
    current = (
        Prescription.objects.filter(ended_at__isnull=True)
        .select_related("exercise")
        .prefetch_related("exercise__cues")
    )
    rows = programs_for(actor).prefetch_related(
        Prefetch("prescriptions", queryset=current, to_attr="current")
    )
    return one_or_404(rows, pk, "program")


def active_program(client: Client, *, with_cues: bool = False) -> Program | None:
    """The client's active program with its current prescriptions and their exercises (and
    the exercises' cues when asked): at most three queries."""
    current = Prescription.objects.filter(ended_at__isnull=True).select_related(
        "exercise", "replaces__exercise"
    )
    if with_cues:
        current = current.prefetch_related("exercise__cues")
    return (
        client.programs.filter(status=Program.Status.ACTIVE)
        .prefetch_related(Prefetch("prescriptions", queryset=current, to_attr="current"))
        .first()
    )


def templates_for(actor: Actor) -> QuerySet[ProgramTemplate]:
    """The practice's template library (superusers: every practice's)."""
    qs = ProgramTemplate.objects.select_related("practice").annotate(
        prescription_count=Count("prescriptions")
    )
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.trainer:
        return qs.filter(practice=profile.trainer.practice)
    return qs.none()


def template_detail(actor: Actor, pk: object) -> ProgramTemplate:
    """One template of the actor's library with its prescriptions, their exercises and cues
    (a constant number of queries), or 404."""
    prescriptions = TemplatePrescription.objects.select_related("exercise").prefetch_related(
        "exercise__cues"
    )
    rows = templates_for(actor).prefetch_related(Prefetch("prescriptions", queryset=prescriptions))
    return one_or_404(rows, pk, "template")


# --- the catalogue's question: is this exercise in use? ----------------------------------------


def exercises_prescribed(exercise_ids: list[int]) -> dict[int, str]:
    """Registered in ``settings.EXERCISE_IN_USE_CHECKS``: an exercise prescribed in an active
    program, or in a template of the library, must not be retired."""
    reasons: dict[int, str] = {}
    row: Mapping[str, Any]  # one row of either query's values()
    active = (
        Prescription.objects.filter(
            exercise_id__in=exercise_ids,
            ended_at__isnull=True,
            program__status=Program.Status.ACTIVE,
        )
        .values("exercise_id")
        .annotate(n=Count("program", distinct=True))
    )
    for row in active:
        n = row["n"]
        reasons[row["exercise_id"]] = f"prescribed in {n} active program{'s' if n != 1 else ''}"
    templates = (
        ProgramTemplate.objects.filter(prescriptions__exercise_id__in=exercise_ids)
        .values("prescriptions__exercise_id")
        .annotate(n=Count("id", distinct=True))
    )
    for row in templates:
        n = row["n"]
        reasons.setdefault(
            row["prescriptions__exercise_id"],
            f"used in {n} program template{'s' if n != 1 else ''}",
        )
    return reasons


# --- what clients log -------------------------------------------------------------------------


def _client_records(actor: Actor, qs: QuerySet[M]) -> QuerySet[M]:
    """A client's own records; a trainer's clients' (a practice admin: the practice's)."""
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.client:
        return qs.filter(client=profile.client)
    if profile.trainer:
        return qs.filter(client__in=clients_for(actor).values("pk"))
    return qs.none()


def sessions_for(actor: Actor) -> QuerySet[Session]:
    """Sessions the actor may see, each with its entries, their sets and exercises: a constant
    number of queries (sessions, entries with prescriptions and exercises, sets)."""
    # ordered by their own columns: the models' default orderings would join the parent rows
    entries = (
        Entry.objects.select_related("prescription__exercise")
        .prefetch_related(Prefetch("sets", queryset=Set.objects.order_by("number")))
        .order_by("order", "id")
    )
    return _client_records(
        actor, Session.objects.prefetch_related(Prefetch("entries", queryset=entries))
    )


def session_get(actor: Actor, pk: object) -> Session:
    return one_or_404(sessions_for(actor), pk, "session")


def check_ins_for(actor: Actor) -> QuerySet[CheckIn]:
    return _client_records(actor, CheckIn.objects.all())


def check_in_get(actor: Actor, pk: object) -> CheckIn:
    return one_or_404(check_ins_for(actor), pk, "check-in")


def loggable_prescriptions(actor: Actor) -> QuerySet[Prescription]:
    """The prescriptions a client may name in a session: their own (the service then refuses
    one of an ended program, or one replaced before the session, with the reason)."""
    client = profile_of(actor).client
    if client is None:
        return Prescription.objects.none()
    return Prescription.objects.select_related("program", "exercise").filter(program__client=client)
