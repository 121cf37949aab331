"""The portal's catalogue pages: browse and search, and one page per exercise."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from exercises.filters import ExerciseFilter
from exercises.models import Cue
from exercises.selectors import exercise_get, exercise_list


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
        },
    )
