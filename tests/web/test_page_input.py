"""What every page refuses before it reaches the desk, on both databases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sredesk.services import accounts, inquiries, records, team
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.accounts_support import PASSWORD, fast_hashing
from tests.web.conftest import CSRF, sign_in

NUL_GETS = ["/?q=%00", "/?q=a%00b", "/?source=%00", "/queue/rows?q=%00", "/rotation?month=%00"]
NUL_POSTS = [
    ("/inquiries/{n}/reply", {"body": "hi\x00there"}),
    ("/inquiries/{n}/note", {"body": "hi\x00there"}),
    ("/inquiries/{n}/escalate", {"to": "bo\x00b"}),
    ("/inquiries/{n}/effort", {"minutes": "5", "note": "a\x00b"}),
    ("/inquiries/{n}/resolve", {"kinds": "answered", "note": "a\x00"}),
    ("/inquiries/{n}/postmortem", {"what_happened": "x\x00"}),
    ("/account/tokens", {"name": "a\x00b"}),
    ("/account/tokens/revoke", {"prefix": "a\x00b"}),
    ("/team/members", {"handle": "zed", "name": "Z\x00", "email": "z@x.org", "percent_time": "50"}),
    ("/team/members/al%00ice", {"percent_time": "50", "experience": "1"}),
    (
        "/team/time-off",
        {"member": "alice", "start": "2026-12-01", "end": "2026-12-02", "reason": "x\x00"},
    ),
    ("/team/time-off/remove", {"member": "al\x00ice", "time_off_id": "1"}),
    ("/rotation/swap-requests", {"week": "2026-12-07", "role": "primary", "note": "x\x00"}),
    ("/handoff", {"week": "2026-11-16", "note": "see you\x00"}),
    ("/inquiries/{n}/reply", {"bo\x00dy": "hi"}),
]


def _state(desk: Desk, number: int) -> Any:
    return (
        inquiries.get_inquiry(desk, number),
        team.team_overview(desk),
        accounts.list_tokens(desk, "carol"),
        len(records.audit_log(desk)),
    )


def test_a_nul_character_anywhere_a_page_takes_input_is_one_line_refusal(sql_desk: Desk) -> None:
    """PostgreSQL stores no NUL in text: every page refuses it as the API does, naming where."""
    fast_hashing(sql_desk)
    accounts.add_user(sql_desk, "carol", "admin", PASSWORD)
    number = inquiries.open_inquiry(sql_desk, title="Crash", channel="email", source="s")
    with TestClient(create_app(sql_desk), headers={"accept": "text/html"}) as client:
        token = CSRF.search(client.get("/login").text)
        assert token
        login = {"csrf_token": token.group(1), "username": "ca\x00rol", "password": PASSWORD}
        refused = client.post("/login", data=login)
        assert refused.status_code == 422
        assert "username: must not contain the NUL character" in refused.text
        assert "sredesk_session" not in client.cookies
        csrf = sign_in(client, "carol")
        before = _state(sql_desk, number)
        for url in NUL_GETS:
            answer = client.get(url)
            assert answer.status_code == 422, (url, answer.text)
            assert "must not contain the NUL character" in answer.text, url
        assert "query.q: must not contain" in client.get("/?q=%00").text
        for url, data in NUL_POSTS:
            answer = client.post(
                url.format(n=number), data={"csrf_token": csrf, **data}, follow_redirects=False
            )
            assert answer.status_code == 422, (url, answer.text)
            assert "must not contain the NUL character" in answer.text, url
        assert (
            "path.handle: must not contain"
            in client.post("/team/members/al%00ice", data={"csrf_token": csrf}).text
        )
        assert _state(sql_desk, number) == before
