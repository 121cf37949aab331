"""The client's conversation page."""

from django.urls import path

from coaching.messaging import views

app_name = "messaging"

urlpatterns = [path("messages/", views.thread_view, name="thread")]
