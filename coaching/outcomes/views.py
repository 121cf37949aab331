"""The client's questionnaires in the portal: the list (``/questionnaires/``) and one
questionnaire's short page (``/questionnaires/<slug>/``)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coaching.journal.services import KeyReused
from coaching.models import Client
from coaching.outcomes import services
from coaching.outcomes.forms import QuestionnaireForm
from coaching.outcomes.selectors import plain_words, questionnaires_for
from coaching.portal.views import client_only


def _ends(scale: dict | None) -> str:
    if not scale:
        return ""
    return f"{scale['min']} = {scale['low']}, {scale['max']} = {scale['high']}".lower()


@client_only
def list_view(request: HttpRequest, client: Client) -> HttpResponse:
    found = questionnaires_for(client)
    rows = [{"q": q, "words": plain_words(q)} for q in found]
    return render(request, "portal/questionnaires.html", {"rows": rows, "is_client": True})


@client_only
def answer_view(request: HttpRequest, client: Client, slug: str) -> HttpResponse:
    found = {q.instrument.slug: q for q in questionnaires_for(client)}
    questionnaire = found.get(slug)
    if questionnaire is None:
        raise Http404("Your program does not send this questionnaire.")
    form = QuestionnaireForm(questionnaire, request.POST or None)
    if request.method == "POST" and form.is_valid():
        spec = services.AnswerSpec(instrument=slug, answers=form.answers())
        try:
            logged = services.response_submit(
                actor=request.user, spec=spec, idempotency_key=form.cleaned_data["idempotency_key"]
            )
        except ValidationError as error:
            form.add_service_error(error)
        except KeyReused:
            form.renew_key()
            form.add_error(None, "You already sent this form. Check your answers and send again.")
        else:
            if logged.created:
                flash.success(
                    request,
                    f"Thank you: your answers are saved (score {logged.record.score:g}). "
                    "Your trainer sees them.",
                )
            else:
                flash.info(request, "These answers were already saved.")
            return redirect("outcomes:list")
    definition = questionnaire.instrument.definition
    return render(
        request,
        "portal/questionnaire.html",
        {
            "q": questionnaire,
            "definition": definition,
            "form": form,
            "errors": form.error_summary() if form.is_bound else [],
            "scale_ends": _ends(definition.get("scale")),
            # (a template cannot ask a dict for its "items" key: that is dict.items)
            "activities": "activities" in definition,
            "is_client": True,
        },
    )
