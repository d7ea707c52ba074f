"""A form sent twice (a double click, a resend) acts once, by the one-time key it carries."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from sredesk.services import effort, inquiries
from sredesk.services.desk import Desk
from tests.web.conftest import Browser, said

FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


@pytest.fixture
def number(web_desk: Desk) -> int:
    return inquiries.open_inquiry(
        web_desk,
        title="Solver diverges",
        channel="email",
        source="visit-users",
        customers=["u@example.edu"],
        body="It diverges after 10 steps.",
    )


def records(desk: Desk, number: int) -> tuple[int, int, str, int]:
    """Comments, escalations, state and effort entries: what a second post would add to."""
    shown = inquiries.get_inquiry(desk, number)
    logged = effort.list_effort(desk, inquiry_number=number)
    return len(shown["comments"]), len(shown["escalations"]), shown["state"], len(logged)


FORMS = {
    "reply": {"body": "Try a smaller time step."},
    "note": {"body": "Probably the CFL condition."},
    "escalate": {"note": "Please look at the mesh."},
    "resolve": {"kinds": "answered", "note": "Answered."},
    "effort": {"minutes": "30", "note": "Reproduced it."},
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_form_sent_twice_with_one_key_acts_once_and_answers_the_same(
    web_desk: Desk, browser: Callable[[str], Browser], number: int, form: str
) -> None:
    alice = browser("alice")
    page = alice.get(f"/inquiries/{number}").text
    keys = FORM_KEY.findall(page)
    assert len(keys) == len(set(keys)) > len(FORMS), "each form carries its own key"
    sent = {**FORMS[form], "form_key": keys[0]}
    first = alice.post(f"/inquiries/{number}/{form}", sent)
    after_first = records(web_desk, number)
    second = alice.post(f"/inquiries/{number}/{form}", sent)
    assert records(web_desk, number) == after_first
    assert second.status_code == first.status_code == 303
    assert second.headers["location"] == first.headers["location"] == f"/inquiries/{number}"
    assert said(second) == said(first) != ""
    # Another key is another post: done again, or refused by the desk's own rules.
    third = alice.post(f"/inquiries/{number}/{form}", {**FORMS[form], "form_key": keys[1]})
    done_again = records(web_desk, number) != after_first
    assert done_again or third.status_code == 422


def test_a_refused_form_sent_again_is_refused_again_with_its_text(
    web_desk: Desk, browser: Callable[[str], Browser], number: int
) -> None:
    """A refusal wrote nothing, so its key is free: the resend answers as the first did."""
    alice = browser("alice")
    (key, *_) = FORM_KEY.findall(alice.get(f"/inquiries/{number}").text)
    too_long = {"body": "x" * 100_001, "form_key": key}
    first = alice.post(f"/inquiries/{number}/reply", too_long)
    second = alice.post(f"/inquiries/{number}/reply", too_long)
    assert first.status_code == second.status_code == 422
    assert "the most a comment may be is 100000" in second.text
    assert FORM_KEY.findall(second.text), "the page shown again has fresh keys"
    assert records(web_desk, number)[0] == 1


def test_a_form_without_its_key_is_refused_in_one_line(
    web_desk: Desk, browser: Callable[[str], Browser], number: int
) -> None:
    alice = browser("alice")
    refused = alice.post(f"/inquiries/{number}/note", {"body": "x", "form_key": ""})
    assert refused.status_code == 422
    assert "the form lacks its one-time key; reload the page and send it again" in refused.text
    assert records(web_desk, number)[0] == 1


def test_another_users_key_is_refused_and_tells_nothing_of_their_post(
    web_desk: Desk, browser: Callable[[str], Browser], number: int
) -> None:
    alice, bob = browser("alice"), browser("bob")
    (key, *_) = FORM_KEY.findall(alice.get(f"/inquiries/{number}").text)
    said_to_alice = said(alice.post(f"/inquiries/{number}/note", {"body": "x", "form_key": key}))
    refused = bob.post(f"/inquiries/{number}/note", {"body": "y", "form_key": key})
    assert refused.status_code == 409
    assert "this form was sent by another user; reload the page" in refused.text
    assert said_to_alice not in refused.text
    assert records(web_desk, number)[0] == 2
