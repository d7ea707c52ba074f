"""One-time form keys in the database: a key is taken once, answered, freed, and forgotten."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sredesk.adapters.memory import FixedClock
from sredesk.services import accounts, form_keys, inquiries
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.accounts_support import PASSWORD, fast_hashing
from tests.web.conftest import said, sign_in


def test_a_key_is_taken_once_and_a_second_post_finds_what_the_first_answered(
    sql_desk: Desk, clock: FixedClock
) -> None:
    key = "k" * 22
    assert form_keys.claim(sql_desk, key, by="alice") is None
    running = form_keys.claim(sql_desk, key, by="alice")
    assert running is not None
    assert (running.user_handle, running.at, running.location) == ("alice", clock.now(), None)
    form_keys.settle(sql_desk, key, "/inquiries/1", notice="Reply sent to the customer.")
    answered = form_keys.claim(sql_desk, key, by="alice")
    assert answered is not None
    assert (answered.location, answered.notice, answered.error) == (
        "/inquiries/1",
        "Reply sent to the customer.",
        "",
    )
    # A refused post frees its key; a week later a key is forgotten.
    form_keys.release(sql_desk, key)
    assert form_keys.claim(sql_desk, key, by="alice") is None
    clock.advance(form_keys.KEEP + timedelta(seconds=1))
    assert form_keys.claim(sql_desk, key, by="alice") is None


def test_a_double_click_posts_one_reply_and_both_clicks_answer_alike(
    sql_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second post comes while the first is still being done: it waits for its answer."""
    accounts.add_user(fast_hashing(sql_desk), "alice", "member", PASSWORD)
    number = inquiries.open_inquiry(
        sql_desk,
        title="Solver diverges",
        channel="email",
        source="visit-users",
        customers=["u@x.org"],
    )
    reply = inquiries.reply

    def slow_reply(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        return reply(*args, **kwargs)

    monkeypatch.setattr(inquiries, "reply", slow_reply)
    with TestClient(create_app(sql_desk), headers={"accept": "text/html"}) as client:
        csrf = sign_in(client, "alice")
        page = client.get(f"/inquiries/{number}").text
        key = re.findall(r'name="form_key" value="([^"]+)"', page)[0]
        form = {"csrf_token": csrf, "form_key": key, "body": "Try a smaller step."}

        def click(_: int) -> tuple[int, str]:
            sent = client.post(f"/inquiries/{number}/reply", data=form, follow_redirects=False)
            return sent.status_code, said(sent)

        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(click, 1)
            time.sleep(0.1)
            second = pool.submit(click, 2)
            answers = [first.result(), second.result()]
    assert answers == [(303, "Reply sent to the customer.")] * 2
    comments = inquiries.get_inquiry(sql_desk, number)["comments"]
    assert [c["body"] for c in comments if c["author"] == "alice"] == ["Try a smaller step."]
