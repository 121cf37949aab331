"""The client's conversation with their care team, in the portal (``/messages/``)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from coaching.messaging import selectors, services
from coaching.messaging.forms import MessageForm
from coaching.models import Client
from coaching.portal.forms import form_errors
from coaching.portal.views import client_only

SHOWN = 50  # the latest messages on the page
SESSIONS = 10  # recent sessions a message may be about


@client_only
def thread_view(request: HttpRequest, client: Client) -> HttpResponse:
    form = MessageForm(request.POST or None, client=client, recent=SESSIONS)
    if request.method == "POST" and form.send(request.user):
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
