"""The public catalogue's pages."""

from django.urls import path

from exercises import views

app_name = "catalogue"

urlpatterns = [
    path("", views.exercise_list_view, name="list"),
    path("<slug:slug>/", views.exercise_detail_view, name="detail"),
    path(
        "<slug:slug>/illustration.svg",
        views.exercise_picture_view,
        {"variant": "still"},
        name="illustration",
    ),
    path(
        "<slug:slug>/animation.svg",
        views.exercise_picture_view,
        {"variant": "animation"},
        name="animation",
    ),
    path("<slug:slug>/media/<int:pk>", views.exercise_media_view, name="media"),
]
