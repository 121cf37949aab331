"""The conversation in the admin: a Messages page per client (read it, write to the client),
reached from the client's page. The same service and scoping as the API and the portal."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from coaching.accounts.selectors import client_get
from coaching.messaging import selectors, services
from coaching.messaging.forms import MessageForm
from coaching.shared.admin import admin_url

SHOWN = 100


class MessagingAdmin(admin.ModelAdmin):
    """For the client admin: ``<id>/messages/``."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/messages/", view(self.messages_view), name="coaching_client_messages"),
            *super().get_urls(),
        ]

    @admin.display(description="messages", ordering="_unread")
    def unread_messages(self, obj: Any) -> str:
        """The client's messages the signed-in person has not read (``with_unread``)."""
        unread = getattr(obj, "_unread", 0)
        url = admin_url("admin:coaching_client_messages", obj.pk)
        return format_html('<a href="{}">{}</a>', url, f"{unread} new" if unread else "read")

    def messages_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = client_get(request.user, pk)  # 404 for a client the user does not see
        form = MessageForm(request.POST or None, client=client, recent=20)
        form.fields["body"].label = "Write to the client"
        if request.method == "POST" and form.send(request.user):
            messages.success(request, f"Sent to {client.user}.")
            return HttpResponseRedirect(reverse("admin:coaching_client_messages", args=[pk]))
        thread = list(selectors.thread(client).order_by("-created_at", "-pk")[:SHOWN])[::-1]
        services.thread_read(actor=request.user, client=client, until=timezone.now())
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": f"Messages with {client.user}",
            "client": client,
            "thread": thread,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/coaching/client/messages.html", context)
