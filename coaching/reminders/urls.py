"""The reminder settings page and the emails' unsubscribe link."""

from django.urls import path

from coaching.reminders import views

app_name = "reminders"

urlpatterns = [
    path("settings/reminders/", views.settings_view, name="settings"),
    path("reminders/unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
