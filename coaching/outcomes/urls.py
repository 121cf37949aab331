"""The client's questionnaires in the portal."""

from django.urls import path

from coaching.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("questionnaires/", views.list_view, name="list"),
    path("questionnaires/<slug:slug>/", views.answer_view, name="answer"),
]
