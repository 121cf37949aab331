"""The project's URLs: the admin, the API v1 router and its schema, the portal and the catalogue."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from coaching.accounts.api import ClientViewSet, LogoutView, MeView, TokenView
from coaching.journal.api import CheckInViewSet, MyProgramView, SessionViewSet
from coaching.messaging.api import (
    ClientMessagesView,
    ClientReadMarkView,
    MyMessagesView,
    MyReadMarkView,
)
from coaching.outcomes.api import (
    ClientResponsesView,
    MyQuestionnairesView,
    ProgramSchedulesView,
    QuestionnaireResponsesView,
    ScheduleView,
    TemplateSchedulesView,
)
from coaching.privacy.api import MyExportView
from coaching.programs.api import ProgramViewSet, TemplateViewSet
from coaching.programs.handout_views import (
    HandoutLinkView,
    ProgramHandoutEmailView,
    ProgramHandoutLinksView,
    ProgramHandoutView,
)
from coaching.reminders.api import MyDevicesView, MyDeviceView, MyPreferencesView
from config.health import health
from exercises.api import ExerciseViewSet
from triage.api import FlagViewSet

router = DefaultRouter()
router.register("exercises", ExerciseViewSet, basename="exercise")
router.register("clients", ClientViewSet, basename="client")
router.register("programs", ProgramViewSet, basename="program")
router.register("templates", TemplateViewSet, basename="template")
router.register("sessions", SessionViewSet, basename="session")
router.register("check-ins", CheckInViewSet, basename="check-in")
router.register("flags", FlagViewSet, basename="flag")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("me/", MeView.as_view(), name="me"),
    path("me/program/", MyProgramView.as_view(), name="me-program"),
    path("me/export/", MyExportView.as_view(), name="me-export"),
    path("me/preferences/", MyPreferencesView.as_view(), name="me-preferences"),
    path("me/devices/", MyDevicesView.as_view(), name="me-devices"),
    path("me/devices/<int:pk>/", MyDeviceView.as_view(), name="me-device"),
    path("me/messages/", MyMessagesView.as_view(), name="me-messages"),
    path("me/questionnaires/", MyQuestionnairesView.as_view(), name="me-questionnaires"),
    path(
        "questionnaire-responses/",
        QuestionnaireResponsesView.as_view(),
        name="questionnaire-responses",
    ),
    path(
        "clients/<int:pk>/questionnaire-responses/",
        ClientResponsesView.as_view(),
        name="client-questionnaire-responses",
    ),
    path(
        "programs/<int:pk>/questionnaires/",
        ProgramSchedulesView.as_view(),
        name="program-questionnaires",
    ),
    path(
        "templates/<int:pk>/questionnaires/",
        TemplateSchedulesView.as_view(),
        name="template-questionnaires",
    ),
    path(
        "questionnaire-schedules/<int:pk>/",
        ScheduleView.as_view(),
        name="questionnaire-schedule",
    ),
    path("me/messages/read/", MyReadMarkView.as_view(), name="me-messages-read"),
    path("clients/<int:pk>/messages/", ClientMessagesView.as_view(), name="client-messages"),
    path("programs/<int:pk>/handout.pdf", ProgramHandoutView.as_view(), name="program-handout"),
    path(
        "programs/<int:pk>/handout/links/",
        ProgramHandoutLinksView.as_view(),
        name="program-handout-links",
    ),
    path("handout-links/<int:pk>/", HandoutLinkView.as_view(), name="handout-link"),
    path(
        "programs/<int:pk>/handout/email/",
        ProgramHandoutEmailView.as_view(),
        name="program-handout-email",
    ),
    path(
        "clients/<int:pk>/messages/read/", ClientReadMarkView.as_view(), name="client-messages-read"
    ),
    *router.urls,
]

admin.site.site_header = "Coaching platform"
admin.site.site_title = "Coaching admin"
admin.site.index_title = "Administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("health/", health, name="health"),
    path("exercises/", include("exercises.urls")),
    path("", include("coaching.reminders.urls")),
    path("", include("coaching.messaging.urls")),
    path("", include("coaching.outcomes.urls")),
    path("", include("coaching.portal.urls")),
]

handler404 = "config.api.errors.not_found"
