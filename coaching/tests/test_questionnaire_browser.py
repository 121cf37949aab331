"""A questionnaire on a phone (Debian chromium, Playwright, the live server): Today points to the
PSFS the program sends, the client names three activities and rates them with the big buttons,
a missing rating is shown on its row with nothing stored, and the answer is saved and scored;
the page fits the phone."""

from __future__ import annotations

import pytest

from coaching.management.commands.load_instrument import SHIPPED
from coaching.models import QuestionnaireResponse
from coaching.outcomes.services import instrument_file_load, schedule_set
from coaching.tests.browser_support import PHONE, sign_in

pytestmark = pytest.mark.browser


def test_a_client_answers_the_psfs_on_a_phone(phone, live_server, someone):
    instrument_file_load(SHIPPED / "psfs.yaml")
    schedule_set(
        actor=someone.trainer.user, owner=someone.programs.get(), instrument="psfs", every_weeks=2
    )
    sign_in(phone, live_server.url, "robin")
    phone.get_by_role("link", name="A short questionnaire from your trainer").click()
    phone.wait_for_url(f"{live_server.url}/questionnaires/psfs/")

    for i, name in enumerate(
        ["Bending to tie my shoes", "Sitting through a film", "Carrying the shopping"]
    ):
        phone.get_by_label(f"Activity {i + 1}", exact=True).fill(name)
    phone.locator("#id_rating_0_3").check()
    phone.locator("#id_rating_1_5").check()
    phone.get_by_role("button", name="Send my answers").click()

    phone.get_by_text("Please check 1 answer").wait_for()
    assert phone.locator("#id_rating_2_group .field-error").inner_text() == "Rate it from 0 to 10."
    assert not QuestionnaireResponse.objects.exists()
    phone.locator("#id_rating_2_7").check()
    phone.get_by_role("button", name="Send my answers").click()

    phone.get_by_text("your answers are saved (score 5)").wait_for()
    answer = QuestionnaireResponse.objects.get()
    assert [a["rating"] for a in answer.answers["activities"]] == [3, 5, 7]
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
