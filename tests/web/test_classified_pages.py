"""Classified inquiries on the web desk: its members see them, a viewer finds none of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from sredesk.adapters.memory import FixedClock
from sredesk.services import accounts, inquiries, team
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from sredesk.web.pages import PAGE_ROUTERS
from tests.classified_support import Seeded, seed_classified, shows_secret
from tests.web.conftest import Browser, said

LEFT_OUT = "Classified inquiries are not shown: only members of the desk see them."


@pytest.fixture
def seeded(web_desk: Desk) -> Seeded:
    return seed_classified(web_desk)


def page_urls(seeded: Seeded, number: int) -> list[str]:
    """Every page a signed-in reader may open, aimed at inquiry `number` where one is named."""
    urls = []
    for router in PAGE_ROUTERS:
        for route in router.routes:
            path: str = getattr(route, "path", "")
            if "GET" not in getattr(route, "methods", ()) or path == "/login":
                continue
            names = re.findall(r"{(\w+)}", path)
            assert set(names) <= {"number", "attachment_id"}, f"say which record {path} reads"
            urls.append(path.format(number=number, attachment_id=seeded.attachment))
    # The queue's search, by number and by a word of the title, finds nothing either.
    return sorted([*urls, f"/?q=%23{number}", f"/?q={number}", "/?q=solver"])


def secret_bearing(reader: Browser, seeded: Seeded) -> set[str]:
    return {
        url for url in page_urls(seeded, seeded.classified) if shows_secret(reader.get(url).text)
    }


def test_a_member_sees_the_classified_inquiry_on_the_pages(
    browser: Callable[[str], Browser], seeded: Seeded, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00: the handoff lists this week's
    n = seeded.classified
    assert secret_bearing(browser("alice"), seeded) == {
        "/",
        "/handoff",
        f"/inquiries/{n}",
        f"/inquiries/{n}/postmortem",
        f"/inquiries/{n}/attachments/{seeded.attachment}",
        f"/?q=%23{n}",
        f"/?q={n}",
        "/?q=solver",
        "/queue/rows",
    }


def test_no_page_shows_a_viewer_anything_of_a_classified_inquiry(
    browser: Callable[[str], Browser], seeded: Seeded
) -> None:
    assert secret_bearing(browser("val"), seeded) == set()


@pytest.mark.parametrize("page", ["/inquiries/{}", "/inquiries/{}/postmortem"])
def test_a_classified_number_is_not_found_for_a_viewer_exactly_as_a_missing_one(
    browser: Callable[[str], Browser], seeded: Seeded, page: str
) -> None:
    val = browser("val")
    n, missing = seeded.classified, seeded.missing
    answer, expected = val.get(page.format(n)), val.get(page.format(missing))
    assert answer.status_code == expected.status_code == 404
    assert answer.text == expected.text.replace(f"#{missing}", f"#{n}")
    assert browser("alice").get(page.format(n)).status_code == 200


def test_the_viewers_queue_counts_only_what_it_shows(
    browser: Callable[[str], Browser], seeded: Seeded
) -> None:
    member, viewer = browser("alice").get("/").text, browser("val").get("/").text
    assert "2 open inquiries" in member
    assert LEFT_OUT not in member
    assert "1 open inquiry," in viewer
    assert LEFT_OUT in viewer
    assert f"#{seeded.public} Slow render" in viewer
    # Searching for the number finds what a missing number finds: nothing, and no count of it.
    val = browser("val")
    for number in (seeded.classified, seeded.missing):
        assert "0 open inquiries" in val.get(f"/?q=%23{number}").text
    assert "1 open inquiry," in browser("alice").get(f"/?q=%23{seeded.classified}").text


def test_the_viewers_handoff_checklist_leaves_the_classified_inquiry_out(
    browser: Callable[[str], Browser], seeded: Seeded, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    assert "Unresolved inquiries (2)" in browser("alice").get("/handoff").text
    viewer = browser("val").get("/handoff").text
    assert "Unresolved inquiries (1)" in viewer
    assert f"#{seeded.public} Slow render" in viewer


def test_a_member_who_left_the_team_sees_no_more_than_a_viewer(
    web_desk: Desk, browser: Callable[[str], Browser], seeded: Seeded
) -> None:
    """The right comes with being on the desk: an inactive member loses it, role or not."""
    kept = accounts.issue_token(web_desk, "dave", "laptop")
    team.update_member(web_desk, "dave", active=False)
    dave = browser("dave")
    assert secret_bearing(dave, seeded) == set()
    with TestClient(create_app(web_desk)) as client:
        api = client.get(
            f"/api/v1/inquiries/{seeded.classified}", headers={"Authorization": f"Bearer {kept}"}
        )
        assert api.status_code == 404
    refused = dave.post("/account/tokens", {"name": "another"})
    assert said(refused) == (
        "'dave' is an inactive member of the team; an admin must make them active on the team "
        "page before they get a new token"
    )
    assert [t["name"] for t in accounts.list_tokens(web_desk, "dave")] == ["laptop"]
    team.update_member(web_desk, "dave", active=True)
    assert f"/inquiries/{seeded.classified}" in secret_bearing(dave, seeded)


def test_a_classified_inquiry_offers_to_escalate_only_to_cleared_members(
    browser: Callable[[str], Browser], seeded: Seeded
) -> None:
    """alice, bob and carol are cleared; dave is not, so asking him would be refused."""
    alice = browser("alice")

    def offered(number: int) -> list[str]:
        form = alice.get(f"/inquiries/{number}").text.split('id="escalate-to"')[1]
        return re.findall(r'<option value="(\w+)"', form.split("</select>")[0])

    assert offered(seeded.classified) == ["bob", "carol"]
    assert offered(seeded.public) == ["bob", "carol", "dave"]


def test_no_browser_or_proxy_keeps_what_a_signed_in_reader_was_shown(
    web_desk: Desk, browser: Callable[[str], Browser], seeded: Seeded
) -> None:
    """After signing out on a shared machine, the back button must not bring a classified
    inquiry back from the cache, nor a proxy hand it to someone else: every page, download
    and API answer to a signed-in reader is marked not to be stored."""
    alice = browser("alice")
    shown = [*page_urls(seeded, seeded.classified), f"/api/v1/inquiries/{seeded.classified}"]
    for url in shown:
        answer = alice.get(url)
        assert answer.status_code == 200, url
        assert answer.headers.get("cache-control") == "no-store", url
    token = accounts.issue_token(web_desk, "alice", "laptop")
    with TestClient(create_app(web_desk)) as client:
        api = client.get(
            f"/api/v1/inquiries/{seeded.classified}", headers={"Authorization": f"Bearer {token}"}
        )
        assert api.headers.get("cache-control") == "no-store"
        # What anyone may fetch without signing in may be kept.
        assert "cache-control" not in client.get("/static/desk.css").headers


def page_writes(number: int, seeded: Seeded) -> list[str]:
    """Every form post a page router takes about inquiry `number`."""
    ids = {"number": number, "attachment_id": seeded.attachment, "escalation_id": 1}
    urls = []
    for router in PAGE_ROUTERS:
        for route in router.routes:
            path: str = getattr(route, "path", "")
            if "POST" in getattr(route, "methods", ()) and "{number}" in path:
                names = re.findall(r"{(\w+)}", path)
                assert set(names) <= set(ids), f"say which record {path} changes"
                urls.append(path.format(**ids))
    return sorted(urls)


@pytest.mark.parametrize("role", ["member", "admin"])
def test_a_former_member_finds_the_classified_inquiry_missing_on_every_page_post(
    web_desk: Desk, browser: Callable[[str], Browser], seeded: Seeded, role: str
) -> None:
    """Left the team, no form they post about a classified inquiry tells it from a number that
    has none, whatever it would do, and none changes it."""
    n, missing = seeded.classified, seeded.missing
    if role == "admin":
        accounts.set_role(web_desk, "dave", "admin")
    team.update_member(web_desk, "dave", active=False)
    dave = browser("dave")
    before = inquiries.get_inquiry(web_desk, n)
    form = {"body": "x", "note": "x", "minutes": "30", "value": "yes", "answer": "accepted"}
    shown = page_writes(n, seeded)
    assert f"/inquiries/{n}/reply" in shown
    assert f"/inquiries/{n}/postmortem" in shown
    for url, control in zip(shown, page_writes(missing, seeded), strict=True):
        answer, expected = dave.post(url, form), dave.post(control, form)
        assert not shows_secret(answer.text), url
        assert answer.status_code == expected.status_code == 404, url
        assert answer.text == expected.text.replace(f"#{missing}", f"#{n}"), url
    assert inquiries.get_inquiry(web_desk, n) == before
