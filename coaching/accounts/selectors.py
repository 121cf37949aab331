"""Reads of people that depend on who asks. The platform's one permission rule starts here: a
trainer sees their clients, a practice admin the practice's, a superuser everyone's; the admin,
the API and the portal all call these. ``profile_of`` says who someone is (trainer or client)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from coaching.models import (
    Client,
    Program,
    Session,
    Trainer,
    User,
)
from coaching.shared.selectors import Actor, one_or_404, row_or_404
from config.prepared import Listing, Prepared
from exercises.permissions import CATALOGUE_EDITORS_GROUP


@dataclass(frozen=True)
class Profile:
    trainer: Trainer | None = None
    client: Client | None = None

    @property
    def is_practice_admin(self) -> bool:
        return bool(self.trainer and self.trainer.is_practice_admin)

    @classmethod
    def of(cls, user: object) -> Profile:
        """The profile of a user whose ``trainer`` and ``client`` relations were selected."""
        trainer: Trainer | None = related_or_none(user, "trainer")
        return cls(trainer=trainer, client=None if trainer else related_or_none(user, "client"))


# the relations of a user row that make its profile: ``select_related(*PROFILE_RELATIONS)`` on
# a query of users (or ``user__…`` on one of tokens) reads the person and the profile at once
PROFILE_RELATIONS = ("trainer", "client")


def remember_profile(user: Any) -> None:
    """Keep the profile of a user row read with ``PROFILE_RELATIONS`` selected on it, so that
    ``profile_of`` needs no query (the API's token and the portal's session read it so)."""
    user._coaching_profile = Profile.of(user)


def profile_of(actor: Actor) -> Profile:
    """The actor's trainer or client profile, read once per user object (one query, none when
    the user was read with its profile: ``remember_profile``)."""
    if not actor.is_authenticated:
        return Profile()
    cached: Profile | None = getattr(actor, "_coaching_profile", None)
    if cached is None:
        row = get_user_model()._default_manager.select_related(*PROFILE_RELATIONS).get(pk=actor.pk)
        cached = Profile.of(row)
        actor._coaching_profile = cached
    return cached


class AskerMarkers:
    """How ``config.prepared`` prepares a selector for whoever asks: the SQL is kept per role
    (signed in, superuser, trainer, practice admin, client) and takes the asker's ids as
    values — the user's, the trainer's and their practice's, the client's, their trainer's and
    practice's. The stand-in asker of a build is a user with those ids as markers, its other
    columns different in each build (so that a query which used one is refused)."""

    width = 6

    def shape(self, asker: Actor) -> Hashable:
        if not asker.is_authenticated:
            return ("anonymous",)
        profile = profile_of(asker)
        trainer, client = profile.trainer, profile.client
        return (
            bool(asker.is_superuser),
            trainer is not None,
            bool(trainer and trainer.is_practice_admin),
            client is not None,
        )

    def values(self, asker: Actor) -> tuple[int | None, ...]:
        if not asker.is_authenticated:
            return (None,) * self.width
        profile = profile_of(asker)
        trainer, client = profile.trainer, profile.client
        return (
            asker.pk,
            trainer.pk if trainer else None,
            trainer.practice_id if trainer else None,
            client.pk if client else None,
            client.trainer_id if client else None,
            client.practice_id if client else None,
        )

    def stand_in(self, shape: Hashable, markers: Sequence[int], build: int) -> Actor:
        if shape == ("anonymous",):
            return AnonymousUser()
        assert isinstance(shape, tuple)
        superuser: bool
        has_trainer: bool
        practice_admin: bool
        has_client: bool
        superuser, has_trainer, practice_admin, has_client = shape
        user: User = _filled(User(pk=markers[0], is_superuser=superuser), build, {"is_superuser"})
        trainer = client = None
        if has_trainer:
            trainer = _filled(
                Trainer(pk=markers[1], practice_id=markers[2], is_practice_admin=practice_admin),
                build,
                {"is_practice_admin"},
            )
            trainer.user = user
        if has_client:
            client = _filled(
                Client(pk=markers[3], trainer_id=markers[4], practice_id=markers[5]), build, set()
            )
            client.user = user
        user._coaching_profile = Profile(trainer=trainer, client=client)
        return user


def _filled(row: Any, build: int, keep: set[str]) -> Any:
    """The row's plain columns (not its ids, nor ``keep``) set to this build's values."""
    for field in row._meta.concrete_fields:
        if field.primary_key or field.is_relation or field.name in keep:
            continue
        value: Any
        if isinstance(field, models.BooleanField):
            value = bool(build)
        elif isinstance(field, models.CharField | models.TextField):
            value = f"stand-in {build}"
        elif isinstance(field, models.DateTimeField):
            value = datetime.datetime(2001 + build, 2, 3, tzinfo=datetime.UTC)
        elif isinstance(field, models.DateField):
            value = datetime.date(2001 + build, 2, 3)
        elif isinstance(field, models.IntegerField):
            value = 2 + build
        else:
            continue
        setattr(row, field.attname, value)
    return row


ASKER = AskerMarkers()


def prepared(build: Callable[..., QuerySet[Any]], constants: Sequence[Any] = ()) -> Prepared:
    """``config.prepared.Prepared`` for a query function whose first argument is who asks
    (``Actor``): its SQL is kept per role, the asker's ids passed as values."""
    return Prepared(build, asker=ASKER, constants=constants)


def listing(base: Callable[..., QuerySet[Any]]) -> Listing:
    """``config.prepared.Listing`` for a list selector whose first argument is who asks: the
    API's lists count and page it with prepared SQL (``config.api.pagination``)."""
    return Listing(base, asker=ASKER)


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


def trainers_for(actor: Actor) -> QuerySet[Trainer]:
    """Superusers: every trainer. A practice admin: the practice's. A trainer: themself."""
    qs = Trainer.objects.select_related("user", "practice")
    if actor.is_authenticated and actor.is_superuser:
        return qs
    trainer = profile_of(actor).trainer
    if trainer is not None and trainer.is_practice_admin:
        return qs.filter(practice_id=trainer.practice_id)
    if trainer is not None:
        return qs.filter(pk=trainer.pk)
    return qs.none()


def client_scope(actor: Actor, via: str = "") -> Q:
    """The one rule of which clients someone sees, as a condition on a client (``via=""``) or
    on the rows that name one (``via="client__"``): superusers every client, a practice admin
    the practice's, a trainer their own, anyone else none. A plain column condition, not a
    subquery: the same rule, cheaper to build and to plan."""
    if actor.is_authenticated and actor.is_superuser:
        return Q()
    profile = profile_of(actor)
    if profile.trainer is not None and profile.trainer.is_practice_admin:
        return Q(**{f"{via}practice_id": profile.trainer.practice_id})
    if profile.trainer is not None:
        return Q(**{f"{via}trainer_id": profile.trainer.pk})
    return Q(pk__in=[])  # nothing (answered without a query)


def clients_for(actor: Actor) -> QuerySet[Client]:
    """Superusers: every client. A practice admin: the practice's. A trainer: their own.
    Anyone else: none."""
    return Client.objects.select_related("user", "trainer__user", "practice").filter(
        client_scope(actor)
    )


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


# --- clients as plain rows, for the API (``config.api.rows``: the serializer's own fields) ------

_CLIENT_COLUMNS = ("id", "notes", "trainer_id", "practice_id", "created_at", "updated_at")
_CLIENT_USER = ("username", "email", "first_name", "last_name")


def name_columns(path: str) -> tuple[str, str, str]:
    """The columns of a person's name through ``path`` (e.g. ``"client__user"``), for
    ``.values()``; ``pop_name`` makes the name of them."""
    return (f"{path}__first_name", f"{path}__last_name", f"{path}__username")


def pop_name(row: dict[str, Any], path: str) -> str:
    """The person's name as everywhere (``User.name_of``) from a row read with
    ``name_columns(path)``; those columns leave the row."""
    return User.name_of(*(row.pop(column) for column in name_columns(path)))


def client_rows(actor: Actor) -> QuerySet[Any]:
    """``client_list`` as flat rows (the same rule, order and last session);
    ``as_client_rows`` shapes a page of them as the serializer reads them."""
    last_session = (
        Session.objects.filter(client=OuterRef("pk"))
        .order_by("-performed_at")
        .values("performed_at")[:1]
    )
    rows: QuerySet[Any] = (
        Client.objects.filter(client_scope(actor))
        .annotate(last_session_at=Subquery(last_session))
        .values(
            *_CLIENT_COLUMNS,
            "last_session_at",
            *(f"user__{name}" for name in _CLIENT_USER),
            *name_columns("trainer__user"),
        )
    )
    return rows


def as_client_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat rows → the serializer's shape, with each client's active program (one query)."""
    active: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    for program in _ACTIVE_PROGRAMS.rows(list(active)):
        active[program["client_id"]].append(program)
    for row in rows:
        row["user"] = {name: row.pop(f"user__{name}") for name in _CLIENT_USER}
        row["trainer"] = {"user": pop_name(row, "trainer__user")}
        row["active_programs"] = active[row["id"]]
    return rows


_ACTIVE_PROGRAMS = Prepared(
    lambda ids: Program.objects.filter(status=Program.Status.ACTIVE, client_id__in=ids).values(
        "id", "name", "starts_on", "client_id"
    )
)
_CLIENT_ROW = prepared(lambda actor, pk: client_rows(actor).filter(pk=pk))
CLIENT_LIST = listing(client_rows)


def client_row_get(actor: Actor, pk: object) -> dict[str, Any]:
    """One client as ``client_detail``, as a plain row, or 404."""
    return as_client_rows([row_or_404(_CLIENT_ROW, actor, pk, "client")])[0]
