"""The portal's catalogue pages: browse and search, and one page per exercise."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe

from exercises.filters import ExerciseFilter
from exercises.illustration import cached_svg
from exercises.models import Cue, Exercise
from exercises.selectors import (
    exercise_get,
    exercise_list,
    exercise_media_get,
    exercise_picture,
    exercise_pictures,
    picture_key,
)


@login_required
def exercise_list_view(request: HttpRequest) -> HttpResponse:
    exercises = exercise_list(actor=request.user).prefetch_related("primary_muscles")
    filterset = ExerciseFilter(request.GET, queryset=exercises)
    exercises = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(exercises, 24).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/catalogue/list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
def exercise_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = exercise_get(actor=request.user, slug=slug)
    if exercise is None:
        raise Http404("No such exercise in the catalogue.")
    phases = dict(Cue.Phase.choices)
    cue_groups: list[tuple[str, list[Cue]]] = []
    for cue in exercise.cues.all():
        label = phases[cue.phase]
        if cue_groups and cue_groups[-1][0] == label:
            cue_groups[-1][1].append(cue)
        else:
            cue_groups.append((label, [cue]))
    return render(
        request,
        "portal/catalogue/detail.html",
        {
            "exercise": exercise,
            "cue_groups": cue_groups,
            "easier": [e.easier for e in exercise.easier_edges.all()],
            "harder": [e.harder for e in exercise.harder_edges.all()],
            "picture": exercise_pictures([picture_key(exercise)])[exercise.pk],
        },
    )


def _svg_response(request: HttpRequest, body: str, public: bool) -> HttpResponse:
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:24] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=3600" if public else "private, no-cache",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff",
    }
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers=headers)
    return HttpResponse(body, content_type="image/svg+xml; charset=utf-8", headers=headers)


@require_safe
def exercise_picture_view(request: HttpRequest, slug: str, variant: str) -> HttpResponse:
    """The drawing of a published exercise (anyone: apps load it as an image; drafts for
    catalogue editors only): ``still`` (start and end side by side) or ``animation``."""
    exercise = exercise_picture(actor=request.user, slug=slug)
    if exercise is None or not exercise["illustration"]:
        raise Http404("This exercise has no drawing.")
    body = cached_svg(variant, exercise["illustration"], exercise["name"])
    return _svg_response(request, body, exercise["status"] == Exercise.Status.PUBLISHED)


@require_safe
def exercise_media_view(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    """An editor's upload, at a stable address of ours: streamed from the local disk, or a
    redirect to a freshly signed address in the bucket."""
    media = exercise_media_get(actor=request.user, slug=slug, pk=pk)
    if media is None:
        raise Http404("No such picture.")
    storage = media.file.storage
    if not isinstance(storage, FileSystemStorage):
        return HttpResponseRedirect(storage.url(media.file.name or ""))
    try:
        handle = storage.open(media.file.name or "", "rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(handle)
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
