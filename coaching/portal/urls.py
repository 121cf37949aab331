"""The client portal's own pages: sign-in, sign-out, password reset, an invitation's link,
Today (home), logging a session, the morning check-in, the safety answer and the history."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from coaching.portal import invitations, offline, views
from coaching.programs import handout_views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("log/", views.session_log_view, name="log"),
    path("check-in/", views.check_in_view, name="check_in"),
    path("history/", views.history_view, name="history"),
    path("program/handout.pdf", handout_views.my_handout_view, name="handout"),
    path("handout/<str:token>/", handout_views.shared_handout_view, name="shared_handout"),
    # the installable portal: its service worker (at the root, to control every page), its
    # manifest, and the page shown offline for a page never kept
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("offline/", offline.offline_page, name="offline"),
    path("my-data/", views.my_data_view, name="my_data"),
    path("sessions/<int:pk>/safety/", views.session_safety_view, name="session_safety"),
    path("check-ins/<int:pk>/safety/", views.check_in_safety_view, name="check_in_safety"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="portal/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitation/<str:token>/", invitations.invitation_view, name="invitation"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="portal/password_reset.html",
            email_template_name="portal/email/password_reset.txt",
            subject_template_name="portal/email/password_reset_subject.txt",
            success_url=reverse_lazy("portal:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="portal/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/password_reset_confirm.html",
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="portal/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
