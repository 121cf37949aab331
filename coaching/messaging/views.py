"""The client's conversation with their care team, in the portal (``/messages/``)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from coaching.messaging import selectors, services
from coaching.messaging.forms import MessageForm
from coaching.models import Client, Session
from coaching.portal.forms import form_errors
from coaching.portal.views import client_only
from coaching.shared.forms import add_service_error

SHOWN = 50  # the latest messages on the page
SESSIONS = 10  # recent sessions a message may be about


@client_only
def thread_view(request: HttpRequest, client: Client) -> HttpResponse:
    sessions = Session.objects.filter(client=client).order_by("-performed_at")
    recent = sessions.filter(pk__in=list(sessions.values_list("pk", flat=True)[:SESSIONS]))
    form = MessageForm(request.POST or None, sessions=recent)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_post(
                actor=request.user,
                client=client,
                body=form.cleaned_data["body"],
                session=form.cleaned_data["session"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            flash.success(request, "Your message is sent. Your trainer gets an email.")
            return redirect("messaging:thread")
    latest = list(selectors.thread(client).order_by("-created_at", "-pk")[:SHOWN])[::-1]
    unread = selectors.unread_counts(request.user, [client.pk]).get(client.pk, 0)
    services.thread_read(actor=request.user, client=client, until=timezone.now())
    context = {
        "form": form,
        "errors": form_errors(form, ""),
        "thread": latest,
        "unread": unread,
        "trainer": client.trainer,
        "is_client": True,
    }
    return render(request, "portal/messages.html", context)
