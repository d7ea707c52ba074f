"""Classified inquiries through the JSON API: a member's token reads them, a viewer's finds none."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sredesk.adapters.memory import FixedClock
from sredesk.services import accounts, shifts, team
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.accounts_support import PASSWORD, fast_hashing
from tests.classified_support import Seeded, seed_classified, shows_secret


@dataclass
class Api:
    desk: Desk
    app: FastAPI
    client: TestClient
    seeded: Seeded
    member: dict[str, str]
    viewer: dict[str, str]

    def get(self, who: dict[str, str], url: str, **params: object) -> httpx.Response:
        return self.client.get(url, headers=who, params=params)


@pytest.fixture
def api(sql_desk: Desk) -> Iterator[Api]:
    seeded = seed_classified(sql_desk)
    tokens = {}
    for handle, role in (("alice", "member"), ("val", "viewer")):
        accounts.add_user(fast_hashing(sql_desk), handle, role, PASSWORD)
        tokens[handle] = {"Authorization": f"Bearer {accounts.issue_token(sql_desk, handle, 't')}"}
    app = create_app(sql_desk)
    with TestClient(app) as client:
        yield Api(sql_desk, app, client, seeded, member=tokens["alice"], viewer=tokens["val"])


def read_urls(app: FastAPI, seeded: Seeded, number: int) -> list[str]:
    """Every GET the API describes, aimed at inquiry `number` wherever a path names one."""
    ids = {"number": number, "attachment_id": seeded.attachment}
    urls = []
    for path, operations in app.openapi()["paths"].items():
        if "get" not in operations or not path.startswith("/api/v1/"):
            continue
        names = re.findall(r"{(\w+)}", path)
        assert set(names) <= set(ids), f"say which record {path} should read"
        urls.append(path.format(**ids))
    return sorted(urls)


def secret_bearing(api: Api, who: dict[str, str]) -> set[str]:
    """The reads, plain and about the classified inquiry, whose answer shows any of it."""
    leaked = set()
    for url in read_urls(api.app, api.seeded, api.seeded.classified):
        for params in ({}, {"inquiry": api.seeded.classified}):
            if shows_secret(api.get(who, url, **params).text):
                leaked.add(url)
    return leaked


def test_a_member_reads_the_classified_inquiry_everywhere(api: Api) -> None:
    n, attachment = api.seeded.classified, api.seeded.attachment
    assert secret_bearing(api, api.member) == {
        "/api/v1/inquiries",
        f"/api/v1/inquiries/{n}",
        f"/api/v1/inquiries/{n}/postmortem/draft",
        f"/api/v1/inquiries/{n}/attachments/{attachment}/public",
        "/api/v1/audit",
        "/api/v1/effort",
        "/api/v1/notifications",
    }


def test_no_read_of_the_api_shows_a_viewer_anything_of_a_classified_inquiry(api: Api) -> None:
    assert secret_bearing(api, api.viewer) == set()


def test_a_viewer_lists_only_what_is_not_classified(api: Api) -> None:
    def numbers(who: dict[str, str]) -> list[int]:
        return [i["number"] for i in api.get(who, "/api/v1/inquiries").json()]

    assert numbers(api.member) == [api.seeded.public, api.seeded.classified]
    assert numbers(api.viewer) == [api.seeded.public]


def test_a_classified_number_is_not_found_for_a_viewer_exactly_as_a_missing_one(api: Api) -> None:
    """Every read that names the number, in its path or its query, answers as for nothing."""
    n, missing = api.seeded.classified, api.seeded.missing
    shown = read_urls(api.app, api.seeded, n)
    absent = read_urls(api.app, api.seeded, missing)
    assert len([url for url in shown if str(n) in url]) == 3
    for url, control in zip(shown, absent, strict=True):
        for asked in (False, True):
            answer = api.get(api.viewer, url, **({"inquiry": n} if asked else {}))
            expected = api.get(api.viewer, control, **({"inquiry": missing} if asked else {}))
            assert answer.status_code == expected.status_code, url
            assert answer.text == expected.text.replace(f"#{missing}", f"#{n}"), url
    show = api.get(api.viewer, f"/api/v1/inquiries/{n}")
    assert show.status_code == 404
    assert show.json() == {"detail": f"no inquiry #{n}; list them with 'sredesk inquiry list'"}
    assert api.get(api.member, f"/api/v1/inquiries/{n}").status_code == 200


def test_a_viewer_reads_the_public_inquiry_as_before(api: Api) -> None:
    public = api.seeded.public
    assert api.get(api.viewer, f"/api/v1/inquiries/{public}").json()["title"] == "Slow render"
    timeline = api.get(api.viewer, "/api/v1/audit", inquiry=public).json()
    assert [e["action"] for e in timeline] == ["inquiry.created"]


def test_a_viewer_counts_classified_effort_without_its_note_or_number(api: Api) -> None:
    def entries(who: dict[str, str]) -> list[tuple[str, int, str, int | None]]:
        found = api.get(who, "/api/v1/effort").json()
        return [(e["member"], e["minutes"], e["note"], e["inquiry"]) for e in found]

    n = api.seeded.classified
    assert entries(api.member) == [
        ("alice", 45, "Zircon debugging", n),
        ("bob", 30, "Desk triage", None),
    ]
    assert entries(api.viewer) == [
        ("alice", 45, "(classified inquiry)", None),
        ("bob", 30, "Desk triage", None),
    ]
    assert api.get(api.viewer, "/api/v1/effort", inquiry=n).json() == []
    assert len(api.get(api.member, "/api/v1/effort", inquiry=n).json()) == 1


def test_a_viewers_timeline_and_notifications_leave_the_classified_inquiry_out(api: Api) -> None:
    n = api.seeded.classified
    member_audit = api.get(api.member, "/api/v1/audit").json()
    viewer_audit = api.get(api.viewer, "/api/v1/audit").json()
    assert n in {e["inquiry"] for e in member_audit}
    assert n not in {e["inquiry"] for e in viewer_audit}
    assert [e for e in member_audit if e["inquiry"] != n] == viewer_audit
    assert api.get(api.viewer, "/api/v1/audit", inquiry=n).json() == []
    assert [m["inquiry"] for m in api.get(api.member, "/api/v1/notifications").json()] == [n]
    assert api.get(api.viewer, "/api/v1/notifications").json() == []


def test_a_viewer_finds_no_classified_number_in_the_handoffs_records(
    api: Api, clock: FixedClock
) -> None:
    """The handoff lists the inquiries it handed; a viewer reads that list without them."""
    public, n = api.seeded.public, api.seeded.classified
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    result = shifts.handoff(api.desk)
    assert sorted(result.handed) == [public, n]

    def handoff_event(who: dict[str, str]) -> dict[str, object]:
        events = api.get(who, "/api/v1/audit").json()
        (event,) = [e for e in events if e["action"] == "shift.handoff"]
        return event["after"]  # type: ignore[no-any-return]

    def handed_notices(who: dict[str, str]) -> list[tuple[str, str]]:
        found = api.get(who, "/api/v1/notifications").json()
        return [(m["subject"], m["body"]) for m in found if m["kind"] == "handoff"]

    assert sorted(handoff_event(api.member)["handed"]) == [public, n]  # type: ignore[arg-type]
    assert handoff_event(api.viewer)["handed"] == [public]
    assert handed_notices(api.member) == [
        ("[sredesk] 1 inquiry handed to you", f"Handed over: #{public}"),
        (f"[sredesk #{n}] inquiry handed to you", f"Handed over: #{n}"),
    ]
    assert handed_notices(api.viewer) == [
        ("[sredesk] 1 inquiry handed to you", f"Handed over: #{public}")
    ]
    assert handoff_event(api.viewer)["kept"] == handoff_event(api.member)["kept"] == []
    assert f"#{n}" not in api.get(api.viewer, "/api/v1/notifications").text


@pytest.mark.parametrize("uncleared", [("carol",), ("carol", "alice")])
def test_a_viewer_finds_no_classified_number_in_any_list_of_the_handoffs_record(
    api: Api, clock: FixedClock, uncleared: tuple[str, ...]
) -> None:
    """A classified inquiry the next Primary may not take stays, or is left to nobody."""
    n = api.seeded.classified
    for handle in uncleared:
        team.update_member(api.desk, handle, classified_access=False)
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    shifts.handoff(api.desk)

    def numbers(who: dict[str, str]) -> dict[str, list[int]]:
        events = api.get(who, "/api/v1/audit").json()
        (event,) = [e for e in events if e["action"] == "shift.handoff"]
        return {k: v for k, v in event["after"].items() if isinstance(v, list)}

    assert any(n in listed for listed in numbers(api.member).values())
    assert not any(n in listed for listed in numbers(api.viewer).values())


def write_urls(app: FastAPI, seeded: Seeded, number: int) -> list[tuple[str, str]]:
    """Every write the API describes on one inquiry, aimed at inquiry `number`."""
    ids = {"number": number, "attachment_id": seeded.attachment, "escalation_id": 1}
    urls = []
    for path, operations in app.openapi()["paths"].items():
        if "{number}" not in path:
            continue
        for method in sorted(set(operations) & {"post", "put", "patch", "delete"}):
            urls.append((method, path.format(**ids)))
    return sorted(urls)


@pytest.mark.parametrize("role", ["member", "admin"])
def test_a_former_member_finds_the_classified_inquiry_missing_on_every_write(
    api: Api, role: str
) -> None:
    """Left the team, they see no more than a viewer: no write, with or without a `by`,
    answers with the inquiry or tells it from a number that has none, and none changes it."""
    n, missing = api.seeded.classified, api.seeded.missing
    accounts.add_user(api.desk, "dave", role, PASSWORD)
    former = {"Authorization": f"Bearer {accounts.issue_token(api.desk, 'dave', 't')}"}
    team.update_member(api.desk, "dave", active=False)
    before = api.get(api.member, f"/api/v1/inquiries/{n}").json()
    body = {"by": "alice", "body": "x", "author": "someone@example.org", "add": ["x"]}
    shown = write_urls(api.app, api.seeded, n)
    assert ("post", f"/api/v1/inquiries/{n}/customer-messages") in shown
    for (method, url), (_, control) in zip(
        shown, write_urls(api.app, api.seeded, missing), strict=True
    ):
        answer = api.client.request(method, url, headers=former, json=body)
        expected = api.client.request(method, control, headers=former, json=body)
        assert not shows_secret(answer.text), url
        assert answer.status_code == expected.status_code == 404, url
        assert answer.text == expected.text.replace(f"#{missing}", f"#{n}"), url
    assert api.get(api.member, f"/api/v1/inquiries/{n}").json() == before


def test_a_former_admin_finds_a_classified_inquiry_missing_when_logging_effort_on_it(
    api: Api,
) -> None:
    n, missing = api.seeded.classified, api.seeded.missing
    accounts.add_user(api.desk, "dave", "admin", PASSWORD)
    former = {"Authorization": f"Bearer {accounts.issue_token(api.desk, 'dave', 't')}"}
    team.update_member(api.desk, "dave", active=False)
    before = api.get(api.member, f"/api/v1/effort?inquiry={n}").json()

    def logged(number: int) -> Any:
        body = {"by": "alice", "minutes": 30, "inquiry": number}
        return api.client.post("/api/v1/effort", headers=former, json=body)

    answer, control = logged(n), logged(missing)
    assert answer.status_code == control.status_code == 404
    assert answer.text == control.text.replace(f"#{missing}", f"#{n}")
    assert api.get(api.member, f"/api/v1/effort?inquiry={n}").json() == before
