"""The public catalogue's pages."""

from django.urls import path

from exercises import views

app_name = "catalogue"

urlpatterns = [
    path("", views.exercise_list_view, name="list"),
    path("<slug:slug>/", views.exercise_detail_view, name="detail"),
]
