"""Portal views of the coaching app."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page. Until programs exist it is the catalogue."""
    return redirect("catalogue:list")
