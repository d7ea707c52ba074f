"""The JSON API on SQLite and PostgreSQL: the use cases, and errors that say what to fix."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sredesk.adapters.memory import FixedClock
from sredesk.services import inquiries
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.accounts_support import admin_headers


@pytest.fixture
def client(sql_desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(sql_desk), headers=admin_headers(sql_desk)) as test_client:
        yield test_client


def new(client: TestClient, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {
        "title": "Crash",
        "channel": "email",
        "source": "visit-users",
        "customers": ["u@example.edu"],
        "body": "It crashes.",
    } | extra
    response = client.post("/api/v1/inquiries", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_openapi_describes_the_versioned_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "sredesk"
    paths = set(spec["paths"])
    assert {
        "/api/v1/inquiries",
        "/api/v1/inquiries/{number}",
        "/api/v1/handoff",
        "/api/v1/effort",
        "/api/v1/audit",
    } <= paths
    # Everything is versioned except the calendar feeds, whose URLs people subscribe to.
    assert {p for p in paths if not p.startswith("/api/v1/")} == {"/calendar/{name}.ics"}
    # It says how to sign in: a bearer token or the web session, on each guarded operation.
    schemes = spec["components"]["securitySchemes"]
    assert schemes["token"]["type"] == "http"
    assert schemes["token"]["scheme"].lower() == "bearer"
    assert (schemes["session"]["type"], schemes["session"]["in"]) == ("apiKey", "cookie")
    assert spec["paths"]["/api/v1/inquiries"]["get"]["security"] == [{"token": []}, {"session": []}]
    # The GitHub webhook signs its requests instead; the feeds take a token in the URL.
    assert "security" not in spec["paths"]["/calendar/{name}.ics"]["get"]


def test_an_inquiry_through_its_life(client: TestClient) -> None:
    created = new(client)
    n = created["number"]
    assert (created["state"], created["assignee"]) == ("new", "alice")
    assert created["clock"]["state"] == "on-track"
    replied = client.post(
        f"/api/v1/inquiries/{n}/replies", json={"by": "alice", "body": "Which version?"}
    ).json()
    assert replied["state"] == "responded"
    assert replied["clock"]["state"] == "met"
    esc = client.post(f"/api/v1/inquiries/{n}/escalations", json={"by": "alice"})
    assert esc.status_code == 201
    answered = client.post(
        f"/api/v1/inquiries/{n}/escalations/{esc.json()['id']}",
        json={"by": "bob", "answer": "delayed"},
    ).json()
    assert answered["escalations"][0]["status"] == "delayed"
    resolved = client.post(
        f"/api/v1/inquiries/{n}/resolve", json={"by": "alice", "kinds": ["workaround"]}
    ).json()
    assert resolved["state"] == "resolved"
    listed = client.get("/api/v1/inquiries", params={"state": "resolved"}).json()
    assert [i["number"] for i in listed] == [n]
    audit = client.get("/api/v1/audit", params={"inquiry": n}).json()
    assert [e["action"] for e in audit] == [
        "inquiry.created",
        "inquiry.replied",
        "inquiry.escalated",
        "inquiry.escalation_answered",
        "inquiry.resolved",
    ]
    pending = client.get("/api/v1/notifications", params={"pending_only": True}).json()
    assert [p["recipient"] for p in pending] == ["bob", "alice"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "detail"),
    [
        ("get", "/api/v1/inquiries/999", None, 404, "no inquiry #999"),
        ("post", "/api/v1/inquiries/999/replies", {"by": "alice", "body": "x"}, 404, "#999"),
        ("post", "/api/v1/inquiries/{n}/close", {"by": "alice"}, 409, "closing needs"),
        ("post", "/api/v1/inquiries/{n}/wait", {"by": "alice"}, 409, "is new"),
        ("post", "/api/v1/inquiries/{n}/replies", {"by": "zed", "body": "x"}, 404, "no member"),
        (
            "post",
            "/api/v1/inquiries/{n}/resolve",
            {"by": "alice", "kinds": ["x"]},
            422,
            "unknown resolution kind",
        ),
        ("post", "/api/v1/inquiries/{n}/resolve", {"by": "alice", "kinds": []}, 422, "kinds"),
        ("post", "/api/v1/inquiries", {"title": "x"}, 422, "channel: Field required"),
        (
            "post",
            "/api/v1/inquiries",
            {"title": "x", "channel": "fax", "source": "s"},
            422,
            "channel",
        ),
        (
            "post",
            "/api/v1/inquiries",
            {"title": "x", "channel": "email", "source": "s", "created_at": "2026-11-18T10:00"},
            422,
            "UTC offset",
        ),
        (
            "post",
            "/api/v1/inquiries",
            {"title": "x", "channel": "email", "source": "s", "customers": ["a@x.edu\nb@y.edu"]},
            422,
            "customers.0: Value error, must be one line",
        ),
        (
            "post",
            "/api/v1/inquiries",
            {"title": "x", "channel": "email", "source": "s", "customers": ["a@x.edu b@y.edu"]},
            422,
            "customers.0: Value error, must be exactly one e-mail address",
        ),
        (
            "post",
            "/api/v1/inquiries/{n}/replies",
            {"by": "alice", "body": "x", "extra": 1},
            422,
            "extra",
        ),
        (
            "post",
            "/api/v1/inquiries",
            {"title": "x", "channel": "email", "source": "s", "customers": ["x" * 400]},
            422,
            "customers.0: Value error, is longer than 320 characters",
        ),
        (
            "post",
            "/api/v1/inquiries",
            {"title": "x", "channel": "email", "source": "s", "created_at": "2031-01-01T00:00Z"},
            422,
            "the arrival time 2031-01-01T00:00:00+00:00 is in the future; give when it arrived",
        ),
        (
            "post",
            "/api/v1/inquiries/{n}/customer-messages",
            {"author": "a@x.org, b@y.org", "body": "me too"},
            422,
            "author: Value error, must be exactly one e-mail address",
        ),
        (
            "post",
            "/api/v1/inquiries/{n}/customer-messages",
            {"author": "c@x.org\r\nBcc: evil@e.org", "body": "me too"},
            422,
            "author: Value error, must be one line",
        ),
        ("get", "/api/v1/inquiries?state=open", None, 422, "unknown state"),
        ("post", "/api/v1/effort", {"by": "alice", "minutes": 0}, 422, "minutes"),
        (
            "put",
            "/api/v1/shifts/2026-11-18",
            {"primary": "alice", "backup": "bob"},
            422,
            "not a Monday",
        ),
        (
            "post",
            "/api/v1/delegations",
            {"by": "alice", "start": "2026-11-18T10:00-08:00", "end": "2027-06-01T00:00-07:00"},
            422,
            "the delegation ends after the week of 2026-11-16, which ends at 2026-11-23 00:00",
        ),
        (
            "post",
            "/api/v1/delegations",
            {"by": "alice", "start": "2026-11-16T09:00-08:00", "end": "2026-11-17T17:00-08:00"},
            422,
            "the delegation window ended at 2026-11-17 17:00 America/Los_Angeles",
        ),
        ("post", "/api/v1/handoff", {"week_start": "2027-06-07"}, 404, "no shift"),
        (
            "post",
            "/api/v1/handoff",
            {"week_start": "2026-11-16"},
            422,
            "the week of 2026-11-16 has not ended: hand it off from its last business day,"
            " Friday 2026-11-20",
        ),
        (
            "post",
            "/api/v1/swaps",
            {
                "by": "carol",
                "week": "2026-11-04",
                "role": "primary",
                "member": "bob",
                "to": "alice",
            },
            422,
            "the week of 2026-11-02 is over; ask for this week or a later one",
        ),
        (
            "get",
            "/api/v1/swaps/options?week=2026-11-09&role=backup&member=alice",
            None,
            422,
            "the week of 2026-11-09 is over",
        ),
        (
            "post",
            "/api/v1/handoff",
            {"release": [999]},
            422,
            "#999 was not kept by this week's earlier handoff",
        ),
    ],
)
def test_errors_are_json_say_what_to_fix_and_change_nothing(
    client: TestClient,
    method: str,
    path: str,
    body: dict | None,
    status: int,
    detail: str,  # type: ignore[type-arg]
) -> None:
    n = new(client)["number"]
    before = (client.get(f"/api/v1/inquiries/{n}").json(), client.get("/api/v1/audit").json())
    response = client.request(method, path.format(n=n), json=body)
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    assert "\n" not in response.json()["detail"]
    after = (client.get(f"/api/v1/inquiries/{n}").json(), client.get("/api/v1/audit").json())
    assert after == before


def test_a_customer_message_id_belongs_to_one_inquiry_and_counts_once(
    client: TestClient,
) -> None:
    first, second = new(client)["number"], new(client)["number"]
    message = {"author": "u@example.edu", "body": "Still broken.", "message_id": "<m1@x.edu>"}
    posted = client.post(f"/api/v1/inquiries/{first}/customer-messages", json=message)
    assert posted.status_code == 200, posted.text
    before = (client.get("/api/v1/audit").json(), client.get(f"/api/v1/inquiries/{second}").json())
    elsewhere = client.post(f"/api/v1/inquiries/{second}/customer-messages", json=message)
    assert elsewhere.status_code == 409, elsewhere.text
    assert elsewhere.json()["detail"] == (
        f"message <m1@x.edu> belongs to inquiry #{first}; post it there"
    )
    # A client retrying the same post gets the same inquiry back, with the message once.
    again = client.post(f"/api/v1/inquiries/{first}/customer-messages", json=message)
    assert again.status_code == 200, again.text
    assert again.json() == posted.json()
    after = (client.get("/api/v1/audit").json(), client.get(f"/api/v1/inquiries/{second}").json())
    assert after == before


def test_a_value_the_database_refuses_is_one_line_not_a_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import DataError, IntegrityError

    def refused(error: Exception) -> object:
        def call(*args: object, **kwargs: object) -> None:
            raise error

        return call

    n = new(client)["number"]
    for error, status, detail in [
        (
            DataError("INSERT", {}, Exception("value too long for type character varying(39)")),
            422,
            "the database refused a value (value too long for type character varying(39));"
            " give a smaller number or text",
        ),
        (
            IntegrityError("INSERT", {}, Exception("duplicate key value violates unique")),
            409,
            "the change conflicts with a record the desk holds already; nothing changed",
        ),
    ]:
        monkeypatch.setattr(inquiries, "note", refused(error))
        answer = client.post(f"/api/v1/inquiries/{n}/notes", json={"by": "alice", "body": "x"})
        assert (answer.status_code, answer.json()) == (status, {"detail": detail})


def test_members_carry_the_monday_they_joined(client: TestClient) -> None:
    assert {m["joined"] for m in client.get("/api/v1/members").json()} == {"2026-11-02"}
    people = [
        {"handle": "erin", "name": "Erin", "email": "erin@x.org"},
        {"handle": "finn", "name": "Finn", "email": "finn@x.org", "joined": "2027-01-04"},
    ]
    for person in people:
        assert client.post("/api/v1/members", json=person).status_code == 201
    listed = {m["handle"]: m["joined"] for m in client.get("/api/v1/members").json()}
    # Without a date, the Monday of the desk's current week.
    assert (listed["erin"], listed["finn"]) == ("2026-11-16", "2027-01-04")
    for joined, problem in [
        (
            "2027-01-06",
            "joined 2027-01-06 is a Wednesday; give the Monday of that week, 2027-01-04",
        ),
        ("next week", "Input should be a valid date"),
    ]:
        refused = client.post(
            "/api/v1/members",
            json={"handle": "gail", "name": "Gail", "email": "g@x.org", "joined": joined},
        )
        assert refused.status_code == 422
        assert problem in refused.text
    assert "gail" not in {m["handle"] for m in client.get("/api/v1/members").json()}


def test_members_shifts_delegation_and_handoff(client: TestClient, clock: FixedClock) -> None:
    assert [m["handle"] for m in client.get("/api/v1/members").json()] == [
        "alice",
        "bob",
        "carol",
        "dave",
    ]
    added = client.post(
        "/api/v1/members",
        json={"handle": "erin", "name": "Erin", "email": "erin@x.org", "percent_time": 80},
    )
    assert added.status_code == 201
    assert (
        client.post(
            "/api/v1/members", json={"handle": "erin", "name": "E", "email": "e@x.org"}
        ).status_code
        == 422
    )
    shift = client.put("/api/v1/shifts/2026-11-30", json={"primary": "erin", "backup": "alice"})
    assert shift.json() == [
        {"week_start": "2026-11-30", "primary": "erin", "backup": "alice", "delegations": []}
    ]
    d = client.post(
        "/api/v1/delegations",
        json={
            "by": "alice",
            "start": "2026-11-18T10:00:00-08:00",
            "end": "2026-11-18T16:00:00-08:00",
        },
    )
    assert d.status_code == 201
    duty = client.post(f"/api/v1/delegations/{d.json()['id']}/accept", json={"by": "bob"}).json()
    assert duty["holder"] == "bob"
    n = new(client)["number"]
    assert client.get(f"/api/v1/inquiries/{n}").json()["assignee"] == "bob"
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00: the week's handoff is due
    dry = client.post("/api/v1/handoff", json={"dry_run": True}).json()
    assert dry["handed"] == [n]
    assert client.get(f"/api/v1/inquiries/{n}").json()["assignee"] == "bob"
    # root, the tests' admin, is on no shift: it names the member it runs the handoff for.
    done = client.post("/api/v1/handoff", json={"note": "See the logs.", "by": "alice"}).json()
    assert (done["to"], done["handed"]) == ("carol", [n])
    assert client.get(f"/api/v1/inquiries/{n}").json()["assignee"] == "carol"


@pytest.mark.parametrize(
    ("url", "body", "problem"),
    [
        (
            "/api/v1/delegations",
            {"by": "alice", "start": "2026-11-18T10:00-08:00", "end": "9999-12-31T23:59-08:00"},
            "end: Value error, year 9999 is outside the supported years 2-9998",
        ),
        (
            "/api/v1/delegations",
            {"by": "alice", "start": "0001-01-01T00:00+00:00", "end": "2026-11-18T16:00-08:00"},
            "start: Value error, year 1 is outside the supported years 2-9998",
        ),
        (
            "/api/v1/inquiries",
            {
                "title": "Crash",
                "channel": "email",
                "source": "s",
                "created_at": "9999-12-31T23:59-08:00",
            },
            "created_at: Value error, year 9999 is outside the supported years 2-9998",
        ),
        (
            "/api/v1/inquiries",
            {
                "title": "Crash",
                "channel": "email",
                "source": "s",
                "created_at": "0001-01-01T00:00+00:00",
            },
            "created_at: Value error, year 1 is outside the supported years 2-9998",
        ),
        (
            "/api/v1/handoff",
            {"week_start": "9999-12-27", "dry_run": True},
            "week_start: Value error, year 9999 is outside the supported years 2-9998",
        ),
    ],
)
def test_a_year_outside_the_calendar_is_refused_not_a_crash(
    client: TestClient, url: str, body: dict[str, object], problem: str
) -> None:
    before = (client.get("/api/v1/shifts").json(), client.get("/api/v1/inquiries").json())
    refused = client.post(url, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == problem
    assert (client.get("/api/v1/shifts").json(), client.get("/api/v1/inquiries").json()) == before


@pytest.mark.parametrize(
    ("method", "url", "problem"),
    [
        ("put", "/api/v1/shifts/0001-01-01", "path.week_start: Value error, year 1 is outside"),
        ("get", "/api/v1/shifts?start=0001-01-01", "query.start: Value error, year 1 is outside"),
        ("get", "/api/v1/shifts?end=9999-12-31", "query.end: Value error, year 9999 is outside"),
    ],
)
def test_a_shift_outside_the_calendar_is_refused_and_not_written(
    client: TestClient, method: str, url: str, problem: str
) -> None:
    before = client.get("/api/v1/shifts").json()
    refused = client.request(method, url, json={"primary": "alice", "backup": "bob"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith(problem)
    assert client.get("/api/v1/shifts").json() == before


def test_postmortem_and_effort(client: TestClient) -> None:
    n = new(client, serious=True)["number"]
    assert (
        client.post(
            f"/api/v1/inquiries/{n}/resolve", json={"by": "alice", "kinds": ["diagnosed"]}
        ).status_code
        == 409
    )
    client.post("/api/v1/effort", json={"by": "alice", "minutes": 60, "inquiry": n})
    draft = client.get(f"/api/v1/inquiries/{n}/postmortem/draft").json()
    assert draft["resources"] == "- alice: 1.0 h\nTotal: 1.0 h by 1 member(s)"
    written = client.put(
        f"/api/v1/inquiries/{n}/postmortem",
        json={
            "by": "alice",
            "what_happened": "Crash",
            "why": "Bad input",
            "resources": draft["resources"],
            "milestones": draft["milestones"],
            "recommendations": "Validate input",
        },
    )
    assert written.status_code == 200, written.text
    assert (
        client.post(
            f"/api/v1/inquiries/{n}/resolve", json={"by": "alice", "kinds": ["diagnosed"]}
        ).json()["state"]
        == "resolved"
    )
    assert client.get("/api/v1/effort", params={"inquiry": n}).json()[0]["minutes"] == 60


def test_effort_by_member_names_a_member_as_other_commands_do(client: TestClient) -> None:
    client.post("/api/v1/effort", json={"by": "alice", "minutes": 30})
    client.post("/api/v1/effort", json={"by": "bob", "minutes": 20})
    for name in ("alice", "@alice"):
        found = client.get("/api/v1/effort", params={"member": name}).json()
        assert [(e["member"], e["minutes"]) for e in found] == [("alice", 30)]
    typo = client.get("/api/v1/effort", params={"member": "alcie"})
    assert typo.status_code == 404
    assert typo.json()["detail"] == "no member 'alcie'; list them with 'sredesk member list'"


def test_a_postmortem_written_without_resources_or_milestones_takes_them_from_the_records(
    client: TestClient,
) -> None:
    n = new(client, serious=True)["number"]
    client.post("/api/v1/effort", json={"by": "alice", "minutes": 90, "inquiry": n})
    draft = client.get(f"/api/v1/inquiries/{n}/postmortem/draft").json()
    written = client.put(
        f"/api/v1/inquiries/{n}/postmortem",
        json={
            "by": "alice",
            "what_happened": "Crash",
            "why": "Bad input",
            "resources": " ",
            "recommendations": "Validate input",
        },
    )
    assert written.status_code == 200, written.text
    saved = written.json()["postmortem"]
    assert saved["resources"] == draft["resources"] == "- alice: 1.5 h\nTotal: 1.5 h by 1 member(s)"
    assert saved["milestones"] == draft["milestones"]
    assert " opened (" in saved["milestones"]


def test_the_served_app_runs_the_clock_watcher(sql_desk: Desk, clock: FixedClock) -> None:
    n = new_via_service(sql_desk)
    clock.advance(timedelta(hours=3))  # half the response time used
    served_app = create_app(sql_desk, watch_every=0.05)
    with TestClient(served_app, headers=admin_headers(sql_desk)) as served:
        for _ in range(100):
            sent = served.get("/api/v1/notifications").json()
            if sent:
                break
            time.sleep(0.05)
    assert [(s["recipient"], s["kind"], s["inquiry"]) for s in sent] == [("alice", "clock", n)]


def new_via_service(desk: Desk) -> int:
    return inquiries.open_inquiry(desk, title="Crash", channel="email", source="visit-users")


def test_attachments_are_private_until_approved(client: TestClient) -> None:
    n = new(client)["number"]
    upload = client.post(
        f"/api/v1/inquiries/{n}/attachments",
        data={"by": "alice"},
        files={"file": ("../../etc/passwd;x.txt", b"segfault at 0x0", "text/plain")},
    )
    assert upload.status_code == 201, upload.text
    a = upload.json()["id"]
    shown = client.get(f"/api/v1/inquiries/{n}").json()["attachments"]
    assert shown == [
        {
            "id": a,
            "filename": "_.._etc_passwd_x.txt",
            "content_type": "text/plain",
            "size": 15,
            "world_readable": False,
            "approved_by": None,
        }
    ]
    assert client.get(f"/api/v1/inquiries/{n}/attachments/{a}/public").status_code == 404
    approved = client.post(f"/api/v1/inquiries/{n}/attachments/{a}/approve", json={"by": "bob"})
    assert approved.json()["attachments"][0]["approved_by"] == "bob"
    public = client.get(f"/api/v1/inquiries/{n}/attachments/{a}/public")
    assert public.status_code == 200
    assert public.content == b"segfault at 0x0"
    again = client.post(f"/api/v1/inquiries/{n}/attachments/{a}/approve", json={"by": "bob"})
    assert again.status_code == 409


def test_a_locked_database_answers_503_and_writes_nothing(tmp_path: Path) -> None:
    """The store is busy, not the request wrong: 503 with a one-line reason, then it works."""
    from sredesk.adapters.db.unit_of_work import Database
    from tests.conftest import NOW, populate

    path = tmp_path / "desk.db"
    database = Database(f"sqlite:///{path}")
    desk = Desk(unit_of_work=database.unit_of_work, clock=FixedClock(NOW))
    populate(desk)
    with TestClient(create_app(desk), headers=admin_headers(desk)) as client:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            body = {"title": "Crash", "channel": "email", "source": "visit-users"}
            refused = client.post("/api/v1/inquiries", json=body)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert refused.status_code == 503
        assert refused.json() == {"detail": "the database is unavailable: database is locked"}
        assert refused.headers["retry-after"] == "5"
        assert client.get("/api/v1/inquiries").json() == []
        assert new(client)["number"] == 1
    database.dispose()


def test_a_required_response_time_in_calendar_days(client: TestClient) -> None:
    # Friday of the week before: two days later is Sunday 16:00 in San Francisco.
    number = new(client, response_days=2, created_at="2026-11-13T16:00:00-08:00")["number"]
    shown = client.get(f"/api/v1/inquiries/{number}").json()
    due = datetime.fromisoformat(shown["response_due"])
    assert (shown["response_days"], due) == (2, datetime(2026, 11, 16, tzinfo=UTC))
    both = client.post(
        f"/api/v1/inquiries/{number}/response-time", json={"by": "alice", "hours": 4, "days": 1}
    )
    assert both.status_code == 422
    assert both.json()["detail"] == "give the required response time in hours or in days, not both"
    hours = client.post(
        f"/api/v1/inquiries/{number}/response-time", json={"by": "alice", "hours": 8}
    ).json()
    assert (hours["response_hours"], hours["response_days"]) == (8, None)
