"""The admin site: Django's, with the caseload dashboard as the home page of trainers
(``triage.dashboard``). Installed as ``django.contrib.admin``'s default site
(``INSTALLED_APPS``: ``config.admin_site.CoachingAdminConfig``), so ``admin.site`` and every
``@admin.register`` stay as they are."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse


class CoachingAdminSite(admin.AdminSite):
    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        """A trainer's (and a practice admin's) home: their caseload, then the list of models.
        Everyone else: Django's index."""
        from triage import dashboard  # (the apps are ready by the time a page is asked for)
        from triage.caseload import shows_dashboard

        if shows_dashboard(request.user):
            return dashboard.index(self, request, extra_context)
        return super().index(request, extra_context)


class CoachingAdminConfig(AdminConfig):
    default_site = "config.admin_site.CoachingAdminSite"
