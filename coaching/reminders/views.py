"""The client's reminder settings page, and the one-click unsubscribe link of the emails."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from coaching.models import Client
from coaching.portal.forms import form_errors
from coaching.portal.views import client_only
from coaching.reminders import push
from coaching.reminders.forms import ReminderPreferencesForm
from coaching.reminders.services import preferences_of, preferences_update, unsubscribe_client
from coaching.shared.forms import add_service_error


@client_only
def settings_view(request: HttpRequest, client: Client) -> HttpResponse:
    prefs = preferences_of(client)
    form = ReminderPreferencesForm(
        request.POST if request.method == "POST" else None, instance=prefs
    )
    if form.is_valid():
        try:
            preferences_update(client=client, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Your reminder settings are saved.")
            return redirect("reminders:settings")
    context = {
        "form": form,
        "errors": form_errors(form, ""),
        "is_client": True,
        "push_key": push.public_key(),
    }
    return render(request, "portal/reminders.html", context)


@csrf_exempt  # the mail provider's one-click POST (RFC 8058) carries no CSRF token: the
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:  # link is signed
    if request.method != "POST":
        return render(request, "portal/unsubscribe.html", {"token": token})
    try:
        unsubscribe_client(token)
    except ValidationError as exc:
        return render(request, "portal/unsubscribe.html", {"error": exc.messages[0]}, status=400)
    return render(request, "portal/unsubscribe.html", {"done": True})
