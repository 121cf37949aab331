"""The page an invitation's link opens: the person (a client, or a trainer) chooses their
password and is signed in; a link that no longer works says why (used, expired, withdrawn,
unknown) and what to do. ``coaching.accounts.services`` has the rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from coaching.accounts.services import InvitationRefused, invitation_accept, invitation_check
from coaching.shared.forms import add_service_error

BACKEND = "coaching.accounts.auth.ModelBackend"


@sensitive_post_parameters()
@never_cache
def invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_check(token)
    except InvitationRefused as refused:
        return _refused(request, refused)
    form = SetPasswordForm(invitation.user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except InvitationRefused as refused:  # used or withdrawn meanwhile
            return _refused(request, refused)
        except ValidationError as exc:
            add_service_error(form, _on_first_field(exc))
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, "Your password is set and you are signed in. Welcome!")
            return redirect("admin:index" if user.is_staff else "portal:home")
    return render(request, "portal/invitation.html", {"form": form, "invitation": invitation})


def _refused(request: HttpRequest, refused: InvitationRefused) -> HttpResponse:
    status = 404 if refused.status == "unknown" else 410
    return render(request, "portal/invitation.html", {"refused": refused}, status=status)


def _on_first_field(exc: ValidationError) -> ValidationError:
    """The service's ``password`` errors belong to the form's first password field."""
    if hasattr(exc, "error_dict") and "password" in exc.error_dict:
        return ValidationError({"new_password1": exc.error_dict["password"]})
    return exc
