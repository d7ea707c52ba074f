"""Swap requests through the JSON API: ask, list, accept with its warnings, withdraw."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from sredesk.services import accounts, shifts
from sredesk.services.desk import Desk
from sredesk.web.app import create_app

# The week of 2026-11-23: carol Primary, alice Backup; dave was Primary the week before last.
WEEK = "2026-11-23"
Token = Callable[[str], dict[str, str]]


@pytest.fixture
def client(web_desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(web_desk)) as test_client:
        yield test_client


@pytest.fixture
def token(web_desk: Desk) -> Token:
    def issue(handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {accounts.issue_token(web_desk, handle, 'script')}"}

    return issue


def _ask(client: TestClient, token: Token, by: str = "alice") -> int:
    body = {"by": by, "week": "2026-11-25", "role": "backup", "note": "dentist"}
    asked = client.post("/api/v1/swap-requests", json=body, headers=token(by))
    assert asked.status_code == 201, asked.text
    return int(asked.json()["id"])


def test_ask_list_and_accept_with_the_reason_it_breaks_a_rule(
    web_desk: Desk, client: TestClient, token: Token
) -> None:
    asked = _ask(client, token)
    listed = client.get("/api/v1/swap-requests", headers=token("dave")).json()
    assert listed == [
        {
            "id": asked,
            "week_start": WEEK,
            "role": "backup",
            "from": "alice",
            "note": "dentist",
            "asked_at": "2026-11-18",
            "eligible": ["dave", "bob"],
            "mine": False,
            "may_accept": True,
        }
    ]
    accepted = client.post(
        f"/api/v1/swap-requests/{asked}/accept", json={"by": "dave"}, headers=token("dave")
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {
        "id": asked,
        "week_start": WEEK,
        "role": "backup",
        "from": "alice",
        "to": "dave",
        "warnings": [
            f"week of {WEEK}: Primary carol and Backup dave have both served fewer than 4 "
            "Primary weeks; the planner pairs a newer Primary with an experienced Backup"
        ],
    }
    monday = date.fromisoformat(WEEK)
    (week,) = shifts.list_shifts(web_desk, start=monday, end=monday)
    assert (week["primary"], week["backup"]) == ("carol", "dave")
    assert client.get("/api/v1/swap-requests", headers=token("dave")).json() == []


def test_refusals_are_one_line_and_change_nothing(client: TestClient, token: Token) -> None:
    def refused(response: object, status: int, detail: str) -> None:
        assert response.status_code == status, response.text  # type: ignore[attr-defined]
        assert response.json() == {"detail": detail}  # type: ignore[attr-defined]

    not_held = {"by": "bob", "week": WEEK, "role": "backup"}
    refused(
        client.post("/api/v1/swap-requests", json=not_held, headers=token("bob")),
        422,
        f"you are not Backup in the week of {WEEK} (alice is); ask for a week you hold",
    )
    as_other = {"by": "alice", "week": WEEK, "role": "backup"}
    refused(
        client.post("/api/v1/swap-requests", json=as_other, headers=token("bob")),
        403,
        "you are signed in as 'bob'; 'by' must be your own handle",
    )
    asked = _ask(client, token)
    before = client.get("/api/v1/swap-requests", headers=token("alice")).json()
    refused(
        client.post(
            f"/api/v1/swap-requests/{asked}/withdraw", json={"by": "bob"}, headers=token("bob")
        ),
        422,
        f"only alice, who asked, may withdraw swap request {asked}",
    )
    refused(
        client.post(
            f"/api/v1/swap-requests/{asked}/accept", json={"by": "alice"}, headers=token("alice")
        ),
        422,
        "you asked for this swap; withdraw it instead of accepting it",
    )
    assert client.get("/api/v1/swap-requests", headers=token("alice")).json() == before
    withdrawn = client.post(
        f"/api/v1/swap-requests/{asked}/withdraw", json={"by": "alice"}, headers=token("alice")
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json() == []
    refused(
        client.post(
            f"/api/v1/swap-requests/{asked}/accept", json={"by": "dave"}, headers=token("dave")
        ),
        404,
        f"swap request {asked} is no longer open (taken, withdrawn or past); "
        "reload the rotation page",
    )


def test_the_openapi_describes_the_swap_requests(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/swap-requests"]) == {"get", "post"}
    accept = paths["/api/v1/swap-requests/{request_id}/accept"]["post"]
    assert accept["security"] == [{"token": []}, {"session": []}]
    assert {"200", "403", "404", "422"} <= set(accept["responses"])
