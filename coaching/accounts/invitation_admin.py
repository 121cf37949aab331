"""Invitations in the admin, for the client admin (a trainer invites their clients) and the
trainer admin (a practice admin invites trainers): an "Invitation" page per person (its status,
send or send again, withdraw), two list actions, and a status column. The services decide who
may invite whom (``coaching.accounts.services.invitation_send``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Model, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Now
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from coaching.accounts.services import Sent, invitation_revoke, invitation_send
from coaching.models import Invitation, User
from coaching.shared.forms import service_messages


def sent_message(person: object, sent: Sent) -> str:
    expires = f"{timezone.localtime(sent.invitation.expires_at):%-d %b %Y}"
    if sent.emailed:
        return format_html(
            "Invitation emailed to {} for {} (the link works until {}): {}",
            sent.invitation.sent_to, person, expires, sent.url,
        )  # fmt: skip
    return format_html(
        "The mail server refused the invitation for {}; give them this link another way, or "
        "send again later (it works until {}): {}",
        person, expires, sent.url,
    )  # fmt: skip


def refusal(error: ValidationError) -> str:
    return " ".join(m for _, found in service_messages(error) for m in found)


class InvitingAdmin(admin.ModelAdmin):
    """For a model with a ``user`` (a client, a trainer)."""

    invitation_template = "admin/coaching/invitation.html"

    def _url_name(self, what: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{what}"

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/invitation/", view(self.invitation_view), name=self._url_name("invitation")),
            *super().get_urls(),
        ]  # fmt: skip

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)
        for name in ("send_invitations", "withdraw_invitations"):
            func = getattr(type(self), name)
            actions[name] = (func, name, func.short_description)
        return actions

    def invite(self, request: HttpRequest, person: User) -> None:
        """Send the person an invitation and say how it went (the link, or that the mail server
        refused); the service's refusals are the caller's to report."""
        sent = invitation_send(actor=request.user, user=person)
        level = messages.SUCCESS if sent.emailed else messages.WARNING
        self.message_user(request, sent_message(person, sent), level)

    def invitation_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(request, str(pk))
        if obj is None:  # not one the user may see: the admin's own answer
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, str(pk)
            )
        person: User = obj.user
        if request.method == "POST":
            try:
                if "withdraw" in request.POST:
                    done = invitation_revoke(actor=request.user, user=person)
                    self.message_user(
                        request,
                        f"The pending invitation of {person} was withdrawn."
                        if done
                        else f"{person} has no pending invitation.",
                        messages.SUCCESS if done else messages.WARNING,
                    )
                else:
                    self.invite(request, person)
            except PermissionDenied:
                self.message_user(request, "You cannot invite this person.", messages.ERROR)
            except ValidationError as exc:
                self.message_user(request, refusal(exc), messages.ERROR)
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Invitation: {person}",
            "opts": self.opts,
            "original": obj,
            "person": person,
            "invitations": list(Invitation.objects.filter(user=person)[:10]),
            "invitation_days": settings.INVITATION_DAYS,
            "change_url": reverse(f"admin:{self._url_name('change')}", args=[obj.pk]),
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.invitation_template, context)

    @admin.action(description="Send an invitation (or a new one) to the selected people")
    def send_invitations(self, request: HttpRequest, queryset: QuerySet[Model]) -> None:
        for obj in queryset:
            person: User = obj.user  # type: ignore[attr-defined]
            try:
                self.invite(request, person)
            except PermissionDenied:
                self.message_user(request, f"{person}: you cannot invite them.", messages.ERROR)
            except ValidationError as exc:
                self.message_user(request, f"{person}: {refusal(exc)}", messages.ERROR)

    @admin.action(description="Withdraw the selected people's pending invitations")
    def withdraw_invitations(self, request: HttpRequest, queryset: QuerySet[Model]) -> None:
        done = 0
        for obj in queryset:
            try:
                done += invitation_revoke(actor=request.user, user=obj.user)  # type: ignore[attr-defined]
            except PermissionDenied:
                self.message_user(request, f"{obj}: you cannot invite them.", messages.ERROR)
        self.message_user(
            request,
            f"{done} pending invitation{'s' if done != 1 else ''} withdrawn.",
            messages.SUCCESS,
        )

    @admin.display(description="sign-in")
    def sign_in(self, obj: Model) -> str:
        """Whether the person has chosen a password, else how their latest invitation stands
        (``with_invitation_state`` on the list's queryset)."""
        user: User = obj.user  # type: ignore[attr-defined]
        if user.has_usable_password():
            return "password set"
        state: str | None = getattr(obj, "_invitation_state", None)
        return SIGN_IN_WORDS.get(state, "not invited") if state else "not invited"


SIGN_IN_WORDS: dict[str, str] = {
    Invitation.Status.PENDING: "invited",
    Invitation.Status.EXPIRED: "invitation expired",
    Invitation.Status.REVOKED: "invitation withdrawn",
    Invitation.Status.ACCEPTED: "invitation used",
}


def with_invitation_state(qs: QuerySet[Any]) -> QuerySet[Any]:
    """Rows of people (a ``user`` each) with ``_invitation_state``: their latest invitation's
    status, worked out in the same query."""
    state = Case(
        When(accepted_at__isnull=False, then=Value(Invitation.Status.ACCEPTED.value)),
        When(revoked_at__isnull=False, then=Value(Invitation.Status.REVOKED.value)),
        When(expires_at__lte=Now(), then=Value(Invitation.Status.EXPIRED.value)),
        default=Value(Invitation.Status.PENDING.value),
    )
    latest = (
        Invitation.objects.filter(user=OuterRef("user"))
        .order_by("-created_at", "-id")
        .annotate(state=state)
        .values("state")[:1]
    )
    return qs.annotate(_invitation_state=Subquery(latest))
