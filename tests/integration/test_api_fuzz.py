"""Fuzz the JSON API from its own OpenAPI description: no 500s, and answers as described.

Each operation gets a fresh in-memory desk with three inquiries, an escalation, an attachment,
a delegation and a swap request; its generated cases run against that desk, as an admin who
may act for anyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, HookContext, Response

from sredesk.adapters.db.unit_of_work import Database
from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.services import escalations, inquiries, shifts, swap_requests
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.accounts_support import admin_headers
from tests.conftest import NOW, populate


def seed(desk: Desk) -> dict[str, list[int]]:
    """Records for the path parameters to find, by parameter name."""
    numbers = [
        inquiries.open_inquiry(
            desk, title=title, channel="email", source="visit-users", body="It fails."
        )
        for title in ("Crash on open", "Slow render", "Plot is blank")
    ]
    return {
        "number": numbers,
        "escalation_id": [escalations.escalate(desk, numbers[0], by="alice")],
        "attachment_id": [
            inquiries.attach(
                desk,
                numbers[0],
                filename="trace.txt",
                content_type="text/plain",
                content=b"segfault",
                by="alice",
            )
        ],
        "delegation_id": [
            shifts.delegate(desk, NOW + timedelta(hours=1), NOW + timedelta(hours=3), by="alice")
        ],
        "request_id": [
            swap_requests.request_swap(desk, NOW.date() + timedelta(weeks=1), "backup", by="alice")
        ],
    }


def _described_desk() -> tuple[FastAPI, dict[str, list[int]]]:
    desk = Desk(unit_of_work=MemoryStore().unit_of_work, clock=FixedClock(NOW))
    populate(desk)
    return create_app(desk), seed(desk)


# The description does not depend on the records; the seeded ids do not change between desks.
_app, SEEDED = _described_desk()
# Fuzzing only: the coverage phase's every-boundary cases (about 2,000 here) take minutes.
_config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(_app.openapi(), config=_config).include(
    path_regex="^/(api/v1|calendar)/"
)


@schema.hook
def flatmap_path_parameters(
    context: HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    """Aim half the cases with a well-formed id at a record that exists, not at nothing."""
    if not path_parameters:
        return st.just(path_parameters)
    real = {
        name: st.sampled_from(SEEDED[name])
        for name, value in path_parameters.items()
        if name in SEEDED and type(value) is int
    }
    if not real:
        return st.just(path_parameters)
    aimed = st.fixed_dictionaries({name: st.just(v) for name, v in path_parameters.items()} | real)
    return st.one_of(st.just(path_parameters), aimed)


@dataclass
class Target:
    app: FastAPI
    headers: dict[str, str]


@pytest.fixture
def target(memory_desk: Desk) -> Target:
    assert seed(memory_desk) == SEEDED
    return Target(create_app(memory_desk), admin_headers(memory_desk))


def refusals_say_why(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A refusal is JSON whose `detail` tells a person what to fix, in one line."""
    if not 400 <= response.status_code < 500:
        return None
    detail = response.json().get("detail")
    assert isinstance(detail, str), f"{response.status_code} without a one-line detail"
    assert detail.strip(), f"{response.status_code} with an empty detail"
    assert "\n" not in detail, f"{response.status_code} with a detail of several lines"
    return True


NOT_CHECKED = [
    # The schemas describe shapes; the desk itself refuses what is well formed but wrong (a
    # handle of nobody, a week that is not a Monday, 'owner/name' without the slash) with 422
    # and a reason, rather than repeating those rules as patterns in the description.
    schemathesis.checks.positive_data_acceptance,
    # Pydantic's lax mode reads some values the description calls invalid, e.g. `start=0` as
    # the date 1970-01-01 (a Unix time at midnight) and 0 as false: harmless, and not ours.
    schemathesis.checks.negative_data_rejection,
    # Starlette's 405 names only the methods of the first route on a path, e.g. 'Allow: GET'
    # where POST is served by a second route.
    schemathesis.checks.allow_header_conformance,
    # It repeats each call without the credentials, which it cannot do through the bare app;
    # tests/web/test_accounts_web.py sends every operation that names a sign-in without one.
    schemathesis.checks.ignored_auth,
]


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    # One desk per operation, shared by its cases on purpose: building one takes ~0.1 s.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_the_api_never_fails_and_answers_as_described(case: Case[Any], target: Target) -> None:
    case.call_and_validate(
        app=target.app,
        headers=target.headers,
        additional_checks=[refusals_say_why],
        excluded_checks=NOT_CHECKED,
    )


# What the fuzzer found when run once, at 40 cases an operation, on `sql_desk`'s PostgreSQL
# instead of in memory (memory and SQLite store what PostgreSQL refuses), one by one.

TOO_BIG = 2**31  # one past PostgreSQL's integer


@pytest.fixture(scope="module")
def client(module_database_url: str) -> Iterator[TestClient]:
    """One desk per backend: every request below is refused and changes nothing."""
    database = Database(module_database_url)
    desk = Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW))
    populate(desk)
    seed(desk)
    with TestClient(create_app(desk), headers=admin_headers(desk)) as test_client:
        yield test_client
    database.dispose()


def refused(response: httpx2.Response, reason: str) -> None:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert reason in detail, detail
    assert "\n" not in detail, detail


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", f"/api/v1/inquiries/{TOO_BIG}", None),
        ("get", f"/api/v1/audit?inquiry={TOO_BIG}", None),
        ("post", f"/api/v1/outbox/{TOO_BIG}/retry", {"by": "alice"}),
        ("post", "/api/v1/effort", {"by": "alice", "minutes": 5, "inquiry": TOO_BIG}),
    ],
)
def test_an_id_past_the_databases_integers_is_refused_not_a_crash(
    client: TestClient, method: str, url: str, body: dict[str, Any] | None
) -> None:
    response = client.request(method, url, json=body)
    assert response.status_code == 422, response.text
    assert "less than or equal to 2147483647" in response.json()["detail"]


def test_text_with_a_nul_character_is_refused_and_changes_nothing(client: TestClient) -> None:
    before = client.get("/api/v1/inquiries/1").json()
    nul = "must not contain the NUL character"
    refused(client.post("/api/v1/inquiries/1/notes", json={"by": "alice", "body": "a\0b"}), nul)
    refused(client.post("/api/v1/inquiries/1/redirect-confirmed", json={"by": "\0"}), nul)
    refused(client.get("/api/v1/inquiries", params={"assignee": "\0"}), nul)
    attach = client.post(
        "/api/v1/inquiries/1/attachments", data={"by": "\0"}, files={"file": ("a.txt", b"x")}
    )
    refused(attach, nul)
    assert client.get("/api/v1/inquiries/1").json() == before


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/v1/inquiries",
            {"title": "t", "channel": "email", "source": "s", "by": "x" * 321},
            "by",
        ),
        ("/api/v1/inquiries/1/customer-messages", {"author": "x" * 321, "body": "hi"}, "author"),
        (
            "/api/v1/inquiries/1/customer-messages",
            {"author": "u@example.edu", "body": "hi", "message_id": "x" * 999},
            "message_id",
        ),
        (
            "/api/v1/inquiries/1/links",
            {"by": "alice", "url": "x" * 2001, "kind": "constructive-correction"},
            "url",
        ),
        (
            "/api/v1/inquiries/1/resolve",
            {"by": "alice", "kinds": ["workaround"], "link_url": "x" * 2001},
            "link_url",
        ),
        ("/api/v1/members", {"handle": "eve", "name": "x" * 201, "email": "e@x.org"}, "name"),
        ("/api/v1/members", {"handle": "eve", "name": "Eve", "email": "x" * 321}, "email"),
        (
            "/api/v1/members",
            {"handle": "eve", "name": "Eve", "email": "e@x.org", "github": "x" * 40},
            "github",
        ),
        (
            "/api/v1/members",
            {"handle": "eve", "name": "Eve", "email": "e@x.org", "experience": TOO_BIG},
            "experience",
        ),
    ],
)
def test_text_longer_than_its_column_is_refused_and_changes_nothing(
    client: TestClient, url: str, body: dict[str, Any], field: str
) -> None:
    before = client.get("/api/v1/audit").json()
    refused(client.post(url, json=body), f"{field}: ")
    assert client.get("/api/v1/audit").json() == before


def test_an_attachment_whose_name_the_database_cannot_keep_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/inquiries/1/attachments",
        data={"by": "alice"},
        files={"file": ("x" * 252 + ".txt", b"segfault", "text/plain")},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "the attachment's file name and type must be 255 characters at most"
    )
    assert len(client.get("/api/v1/inquiries/1").json()["attachments"]) == 1


def test_an_unknown_field_named_across_lines_still_gets_a_one_line_detail(
    client: TestClient,
) -> None:
    response = client.post(
        "/api/v1/inquiries/1/notes", json={"by": "alice", "body": "hi", "a\nb": 1}
    )
    assert response.status_code == 422
    assert "\n" not in response.json()["detail"]


def test_a_field_called_body_keeps_its_name_in_the_refusal(client: TestClient) -> None:
    response = client.post("/api/v1/inquiries/1/notes", json={"by": "alice", "body": 5})
    assert response.status_code == 422
    assert response.json()["detail"] == "body: Input should be a valid string"


def _raw(client: TestClient, url: str, content: bytes) -> httpx2.Response:
    return client.post(url, content=content, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("url", "content", "field"),
    [
        ("/api/v1/inquiries/1/notes", b'{"by": "alice", "body": NaN}', "body: "),
        ("/api/v1/inquiries/1/notes", b'{"by": "alice", "body": Infinity}', "body: "),
        (
            "/api/v1/inquiries",
            b'{"title": "t", "channel": "email", "source": "s", "response_hours": NaN}',
            "response_hours: ",
        ),
        ("/api/v1/effort", b'{"by": "alice", "minutes": -Infinity}', "minutes: "),
    ],
)
def test_a_number_json_cannot_carry_is_refused_not_a_crash(
    client: TestClient, url: str, content: bytes, field: str
) -> None:
    # Python's JSON reader takes NaN and Infinity; the refusal that quotes them back must
    # still be JSON.
    before = client.get("/api/v1/audit").json()
    refused(_raw(client, url, content), field)
    assert client.get("/api/v1/audit").json() == before


def test_text_with_a_lone_surrogate_is_refused_and_changes_nothing(client: TestClient) -> None:
    # JSON may escape half of a surrogate pair, which is no character: no database stores it,
    # and the refusal that quotes it back must still be JSON.
    before = client.get("/api/v1/audit").json()
    for url, content, field in [
        ("/api/v1/inquiries/1/notes", b'{"by": "alice", "body": "a\\ud800"}', "body: "),
        (
            "/api/v1/inquiries",
            b'{"title": "\\udcff", "channel": "email", "source": "s"}',
            "title: ",
        ),
        ("/api/v1/members", b'{"handle": "eve", "name": "\\ud800", "email": "e@x.org"}', "name: "),
        (
            "/api/v1/inquiries",
            b'{"title": "t", "channel": "email", "source": "s", "customers": ["\\udfff"]}',
            "customers: ",
        ),
    ]:
        refused(_raw(client, url, content), field)
    assert client.get("/api/v1/audit").json() == before


def test_a_body_that_is_no_json_object_is_named_in_the_refusal(client: TestClient) -> None:
    url = "/api/v1/inquiries/1/notes"
    refused(
        _raw(client, url, b'{"by": "alice", "body": "x"'), "body: not valid JSON at character 27"
    )
    refused(_raw(client, url, b"[1, 2]"), "body: Input should be a valid dictionary")
    refused(_raw(client, url, b""), "body: Field required")
