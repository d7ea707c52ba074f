"""The inquiry page: what it shows, every action it posts, and the refusals."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sredesk.adapters.github.settings import GitHubSettings
from sredesk.adapters.memory import FixedClock
from sredesk.services import accounts, effort, inquiries, mail, outbox, records, shifts
from sredesk.services.desk import Desk
from sredesk.services.mail import Arrival
from sredesk.web.app import create_app
from tests.accounts_support import PASSWORD, fast_hashing
from tests.conftest import THIS_WEEK
from tests.mailfactory import LIST, SETTINGS, list_message, mid
from tests.web.conftest import Browser, said, sign_in


@pytest.fixture
def number(web_desk: Desk) -> int:
    return inquiries.open_inquiry(
        web_desk,
        title="VisIt crashes on launch",
        channel="email",
        source="visit-users",
        customers=["user@uni.example.edu"],
        body="It crashes when I open a Silo file.",
    )


def shown(desk: Desk, number: int) -> dict[str, Any]:
    return inquiries.get_inquiry(desk, number)


def notice_of(response: Any) -> str:
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_the_page_shows_the_inquiry_and_its_clock(
    number: int, browser: Callable[[str], Browser]
) -> None:
    page = browser("alice").get(f"/inquiries/{number}").text
    assert f"<h1>#{number} VisIt crashes on launch</h1>" in page
    assert "<dd>email · visit-users</dd>" in page
    assert "<dd>user@uni.example.edu</dd>" in page
    assert "<dt>Assignee</dt><dd>alice</dd>" in page
    assert "State: new" in page
    assert "<strong>On track</strong>: 4 h 00 min left" in page
    assert ">Wed 18 Nov 15:00 PST</time>)" in page
    assert "serious</span>" not in page
    assert "Write the postmortem" not in page  # only a serious inquiry links one


def test_an_unknown_inquiry_is_a_404_page(browser: Callable[[str], Browser]) -> None:
    page = browser("alice").get("/inquiries/999")
    assert page.status_code == 404
    assert "There is no inquiry #999 on this desk" in page.text


def test_a_reply_is_public_and_stops_the_clock(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    response = alice.post(f"/inquiries/{number}/reply", {"body": "Try 3.4.1, please."})
    assert notice_of(response) == f"/inquiries/{number}"
    assert "Reply sent to the customer." in alice.get(notice_of(response)).text
    after = shown(web_desk, number)
    assert after["state"] == "responded"
    assert after["comments"][-1] | {"created_at": None} == {
        "id": after["comments"][-1]["id"],
        "author": "alice",
        "public": True,
        "by_member": True,
        "body": "Try 3.4.1, please.",
        "created_at": None,
        "source_message_id": None,
    }
    page = alice.get(f"/inquiries/{number}").text
    assert "<strong>Responded in time</strong>" in page
    assert "Public reply — sent to the customer" in page
    assert "alice</strong> replied to the customer" in page  # the timeline


def test_an_empty_reply_is_refused_with_one_line_and_changes_nothing(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    before = shown(web_desk, number)
    response = alice.post(f"/inquiries/{number}/reply", {"body": "   "})
    assert response.status_code == 422
    assert '<p class="error" role="alert"><strong>Not done:</strong> the comment is empty' in (
        response.text
    )
    assert shown(web_desk, number) == before


@pytest.mark.parametrize("kind", ["reply", "note"])
def test_a_refused_reply_or_note_keeps_what_was_typed(
    web_desk: Desk, number: int, browser: Callable[[str], Browser], kind: str
) -> None:
    """The page comes back with the refusal and the text in its box, not an empty form."""
    alice = browser("alice")
    inquiries.resolve(web_desk, number, ["answered"], by="alice")
    inquiries.close(web_desk, number, by="alice")
    before = shown(web_desk, number)
    typed = "Try 3.4.1 <b>first</b>;\nthen send the log."
    response = alice.post(f"/inquiries/{number}/{kind}", {"body": typed})
    assert response.status_code == 422
    assert f"inquiry #{number} is closed; reopen it before writing" in response.text
    # A browser drops the one newline after the opening tag, so the text is given whole.
    box = f'name="body" required>\n{html.escape(typed, quote=False)}</textarea>'
    assert box in response.text
    assert response.text.count("</textarea>") == 2
    assert f"<h1>#{number} VisIt crashes on launch</h1>" in response.text
    assert shown(web_desk, number) == before
    # Longer than a form takes: the same page, with the text to shorten, not a bare refusal.
    inquiries.reopen(web_desk, number, by="alice")
    before = shown(web_desk, number)
    long = "x" * 100_001
    response = alice.post(f"/inquiries/{number}/{kind}", {"body": long})
    assert response.status_code == 422
    assert "is 100001 characters long; the most a comment may be is 100000" in response.text
    assert f">\n{long}</textarea>" in response.text
    assert shown(web_desk, number) == before


def test_internal_notes_are_labelled_apart_from_public_replies(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    notice_of(alice.post(f"/inquiries/{number}/note", {"body": "Looks like the Silo reader."}))
    notice_of(alice.post(f"/inquiries/{number}/reply", {"body": "Which version?"}))
    assert [c["public"] for c in shown(web_desk, number)["comments"]] == [True, False, True]
    page = alice.get(f"/inquiries/{number}").text
    articles = re.findall(r'<article class="comment ([a-z -]+)".*?</article>', page, re.S)
    assert articles == ["public by-customer", "internal by-member", "public by-member"]
    note = page.split('class="comment internal')[1].split("</article>")[0]
    assert "Internal note — not sent to the customer" in note
    assert "Looks like the Silo reader." in note
    assert "From the customer" in page
    assert '<span class="tag">customer</span>' in page


def test_a_viewer_is_refused_every_action_and_nothing_changes(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    val = browser("val")
    page = val.get(f"/inquiries/{number}").text
    assert "a viewer cannot change it" in page
    assert 'action="/inquiries/' not in page  # no forms offered
    before = shown(web_desk, number)
    for action, data in [
        ("reply", {"body": "hi"}),
        ("acknowledge", {}),
        ("serious", {"value": "yes"}),
        ("effort", {"minutes": "5"}),
    ]:
        response = val.post(f"/inquiries/{number}/{action}", data)
        assert response.status_code == 403
        assert "viewers cannot change anything" in response.text
    assert shown(web_desk, number) == before


def test_a_forged_post_without_the_csrf_token_is_refused(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    response = alice.client.post(
        f"/inquiries/{number}/reply", data={"body": "forged"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "lacks this session&#39;s CSRF token" in response.text
    assert len(shown(web_desk, number)["comments"]) == 1


def test_what_a_customer_writes_is_escaped(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    inquiries.customer_wrote(
        web_desk, number, author="<b>eve</b>", body="<script>alert(1)</script>"
    )
    page = browser("alice").get(f"/inquiries/{number}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>eve</b>" not in page


def test_the_original_email_with_its_quotation_is_expandable(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    arrival = Arrival(list_name=LIST.name)
    first = mail.ingest(web_desk, list_message(mid(1)), settings=SETTINGS, arrival=arrival)
    answer = list_message(
        mid(2),
        in_reply_to=mid(1),
        body="Same here with <b>3.4</b>.\n\nOn Tue, user wrote:\n"
        "> It crashes when I open a Silo file.\n",
        sender="other@lab.gov",
    )
    assert mail.ingest(web_desk, answer, settings=SETTINGS, arrival=arrival).inquiry == (
        first.inquiry
    )
    number = first.inquiry or 0
    reply = shown(web_desk, number)["comments"][-1]
    assert "> It crashes" not in reply["body"]  # the desk stripped the quotation
    page = browser("alice").get(f"/inquiries/{number}").text
    details = re.findall(r'<details class="original">(.*?)</details>', page, re.S)
    assert len(details) == 2  # both comments came by e-mail
    assert "Show the original e-mail, with the quoted text" in details[1]
    assert "&gt; It crashes when I open a Silo file." in details[1]
    assert "Same here with &lt;b&gt;3.4&lt;/b&gt;." in details[1]


def test_acknowledge_then_the_form_is_gone(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    acknowledged = alice.get(notice_of(alice.post(f"/inquiries/{number}/acknowledge")))
    assert "Acknowledgement sent; the response clock has stopped." in acknowledged.text
    assert shown(web_desk, number)["first_response_at"] is not None
    page = alice.get(f"/inquiries/{number}").text
    assert f'action="/inquiries/{number}/acknowledge"' not in page
    again = alice.get(notice_of(alice.post(f"/inquiries/{number}/acknowledge"))).text
    assert "has been responded to already; reply instead" in again


def test_escalate_to_the_backup_and_to_a_member_then_answer(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice, bob = browser("alice"), browser("bob")
    assert '<option value="">The Backup (bob)</option>' in alice.get(f"/inquiries/{number}").text
    location = said(alice.post(f"/inquiries/{number}/escalate", {"note": "Silo?"}))
    assert "Escalated to the Backup" in location
    notice_of(alice.post(f"/inquiries/{number}/escalate", {"to": "dave", "note": ""}))
    asked = shown(web_desk, number)["escalations"]
    assert [(e["to_member"], e["status"], e["note"]) for e in asked] == [
        ("bob", "requested", "Silo?"),
        ("dave", "requested", ""),
    ]
    assert "asks for your help" not in alice.get(f"/inquiries/{number}").text
    page = bob.get(f"/inquiries/{number}").text
    assert "<h3>alice asks for your help</h3>" in page
    escalation = asked[0]["id"]
    notice_of(
        bob.post(
            f"/inquiries/{number}/escalations/{escalation}",
            {"answer": "accepted", "note": "On it"},
        )
    )
    answered = shown(web_desk, number)["escalations"][0]
    assert (answered["status"], answered["answer_note"]) == ("accepted", "On it")
    assert "asks for your help" not in bob.get(f"/inquiries/{number}").text


def test_only_the_addressee_may_answer_an_escalation(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    notice_of(alice.post(f"/inquiries/{number}/escalate", {}))
    escalation = shown(web_desk, number)["escalations"][0]["id"]
    response = alice.post(f"/inquiries/{number}/escalations/{escalation}", {"answer": "accepted"})
    assert "only bob can answer" in said(response)
    assert shown(web_desk, number)["escalations"][0]["status"] == "requested"


def _delegations(desk: Desk) -> list[dict[str, Any]]:
    return shifts.list_shifts(desk, start=THIS_WEEK, end=THIS_WEEK)[0]["delegations"]


def test_the_primary_delegates_until_the_end_of_today_or_a_time(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    assert "the end of today, Wed 18 Nov (midnight)" in alice.get(f"/inquiries/{number}").text
    location = said(alice.post(f"/inquiries/{number}/delegate", {"until": "today"}))
    assert "until the end of today" in location
    [today] = _delegations(web_desk)
    assert (today["to_member"], today["status"]) == ("bob", "proposed")
    assert today["end"] == datetime(2026, 11, 19, 8, 0, tzinfo=UTC).isoformat()  # PST midnight
    shifts.answer_delegation(web_desk, today["id"], by="bob", accept=False)
    notice_of(
        alice.post(f"/inquiries/{number}/delegate", {"until": "date", "end": "2026-11-20T17:00"})
    )
    assert _delegations(web_desk)[1]["end"] == datetime(2026, 11, 21, 1, 0, tzinfo=UTC).isoformat()
    # The page gives the start in UTC (now) and the end in the desk's zone; bob reads both there.
    asked = [n["body"] for n in records.notifications(web_desk) if n["kind"] == "delegation"]
    assert asked[-1] == (
        "alice asks you to hold the Primary role from 2026-11-18 10:00 to 2026-11-20 17:00"
        " (America/Los_Angeles). Accept or decline it."
    )


def test_on_a_sunday_the_next_weeks_primary_delegates_and_it_takes_effect(
    web_desk: Desk, clock: FixedClock, number: int, browser: Callable[[str], Browser]
) -> None:
    """Weekend hours belong to the next business day's shift: the page and the desk agree."""
    clock.advance(timedelta(days=4, hours=2))  # Sunday 22 Nov, noon on the desk
    next_week = THIS_WEEK + timedelta(weeks=1)  # carol is its Primary, alice its Backup
    alice, carol = browser("alice"), browser("carol")
    assert (
        "Only this week's Primary, carol, can hand the role"
        in alice.get(f"/inquiries/{number}").text
    )
    assert "Ask your Backup, alice, to hold the desk" in carol.get(f"/inquiries/{number}").text
    assert "only the Primary" in said(alice.post(f"/inquiries/{number}/delegate", {}))
    notice_of(carol.post(f"/inquiries/{number}/delegate", {"until": "today"}))
    assert _delegations(web_desk) == []
    [asked] = shifts.list_shifts(web_desk, start=next_week, end=next_week)[0]["delegations"]
    assert (asked["from_member"], asked["to_member"]) == ("carol", "alice")
    shifts.answer_delegation(web_desk, asked["id"], by="alice", accept=True)
    with TestClient(create_app(web_desk)) as client:
        token = accounts.issue_token(web_desk, "dave", "t")
        duty = client.get("/api/v1/duty", headers={"Authorization": f"Bearer {token}"}).json()
    assert duty == {
        "week_start": next_week.isoformat(),
        "primary": "carol",
        "backup": "alice",
        "delegate": "alice",
        "holder": "alice",
    }


def test_delegation_refusals(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    bob = browser("bob")
    assert (
        "Only this week's Primary, alice, can hand the role" in bob.get(f"/inquiries/{number}").text
    )
    assert "only the Primary" in said(bob.post(f"/inquiries/{number}/delegate", {}))
    alice = browser("alice")
    bad = alice.post(f"/inquiries/{number}/delegate", {"until": "date", "end": "friday"})
    assert "give the delegation" in said(bad)
    for end in ("9999-12-31T23:59", "9999-12-31T23:59-08:00", "0001-01-01T00:00+00:00"):
        far = said(alice.post(f"/inquiries/{number}/delegate", {"until": "x", "end": end}))
        assert "is outside the supported years 2-9998" in far, end
    # Summer time starts on 14 March 2027 at 02:00: 02:30 that day names no instant.
    gap = said(
        alice.post(f"/inquiries/{number}/delegate", {"until": "x", "end": "2027-03-14T02:30"})
    )
    assert "2027-03-14T02:30 does not exist in America/Los_Angeles: the clocks skip" in gap
    assert _delegations(web_desk) == []


def test_keep_and_serious_toggle(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    notice_of(alice.post(f"/inquiries/{number}/keep", {"value": "yes"}))
    notice_of(alice.post(f"/inquiries/{number}/serious", {"value": "yes"}))
    after = shown(web_desk, number)
    assert (after["keep_at_handoff"], after["serious"]) == (True, True)
    page = alice.get(f"/inquiries/{number}").text
    assert '<span class="tag">kept at handoff</span>' in page
    assert f'<a href="/inquiries/{number}/postmortem">Write the postmortem</a>' in page
    notice_of(alice.post(f"/inquiries/{number}/keep", {"value": "no"}))
    notice_of(alice.post(f"/inquiries/{number}/serious", {"value": "no"}))
    after = shown(web_desk, number)
    assert (after["keep_at_handoff"], after["serious"]) == (False, False)


def test_resolve_with_kinds_and_a_link_then_reopen(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    page = alice.get(f"/inquiries/{number}").text
    boxes = re.findall(r'name="kinds" value="([a-z-]+)"', page)
    assert boxes == [
        "answered",
        "diagnosed",
        "workaround",
        "reproducer",
        "low-hanging-fruit",
        "known-issue-updated",
        "promoted",
        "no-reply",
    ]
    form = [
        ("csrf_token", alice.csrf),
        ("form_key", secrets.token_urlsafe(16)),
        ("kinds", "diagnosed"),
        ("kinds", "workaround"),
        ("link_url", "https://github.com/visit-dav/visit/issues/7"),
        ("link_kind", "comprehensive-solution"),
        ("note", "Silo 4.11 fixes it"),
    ]
    response = alice.client.post(
        f"/inquiries/{number}/resolve",
        content="&".join(f"{k}={v}" for k, v in form),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    notice_of(response)
    after = shown(web_desk, number)
    assert after["state"] == "resolved"
    assert after["resolutions"][0]["kinds"] == ["diagnosed", "workaround"]
    assert after["resolutions"][0]["note"] == "Silo 4.11 fixes it"
    assert [(li["url"], li["kind"]) for li in after["links"]] == [
        ("https://github.com/visit-dav/visit/issues/7", "comprehensive-solution")
    ]
    page = alice.get(f"/inquiries/{number}").text
    assert "diagnosed, workaround by alice: Silo 4.11 fixes it" in page
    notice_of(alice.post(f"/inquiries/{number}/reopen"))
    assert shown(web_desk, number)["state"] == "new"


def test_resolving_without_a_kind_or_promoted_without_a_link_is_refused(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    before = shown(web_desk, number)
    response = alice.post(f"/inquiries/{number}/resolve", {"note": "done"})
    assert response.status_code == 422
    assert "needs at least one resolution kind" in response.text
    response = alice.post(f"/inquiries/{number}/resolve", {"kinds": "promoted"})
    assert response.status_code == 422
    assert "resolving as promoted needs the link" in response.text
    assert shown(web_desk, number) == before


def test_a_refused_resolution_keeps_the_form_as_it_was_filled(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    """Kinds, link and a long note come back with the refusal; the Primary types nothing twice."""
    alice = browser("alice")
    inquiries.mark_serious(web_desk, number, True, by="alice")
    before = shown(web_desk, number)
    note = "Silo 4.11 fixes <it>;\nsee the release notes."
    response = alice.client.post(
        f"/inquiries/{number}/resolve",
        data={
            "csrf_token": alice.csrf,
            "form_key": secrets.token_urlsafe(16),
            "kinds": ["diagnosed", "workaround"],
            "link_url": "https://github.com/visit-dav/visit/issues/7",
            "link_kind": "comprehensive-solution",
            "note": note,
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "write its postmortem before resolving" in response.text
    page = response.text
    assert 'value="diagnosed" checked>' in page
    assert 'value="workaround" checked>' in page
    assert 'value="answered">' in page
    assert 'value="https://github.com/visit-dav/visit/issues/7"' in page
    assert '<option value="comprehensive-solution" selected>' in page
    assert f'name="note" rows="3">\n{html.escape(note, quote=False)}</textarea>' in page
    assert shown(web_desk, number) == before


def test_a_refused_escalation_keeps_its_member_and_note(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    notice_of(alice.post(f"/inquiries/{number}/escalate", {"to": "bob"}))
    before = shown(web_desk, number)
    response = alice.post(
        f"/inquiries/{number}/escalate", {"to": "bob", "note": "The Silo reader again?"}
    )
    assert response.status_code == 422
    assert "bob has been asked already and has not answered" in response.text
    assert '<option value="bob" selected>@bob</option>' in response.text
    assert 'rows="3">\nThe Silo reader again?</textarea>' in response.text
    assert shown(web_desk, number) == before


def test_promote_is_disabled_with_its_reason_when_github_is_not_configured(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    page = alice.get(f"/inquiries/{number}").text
    assert "Not available: GitHub is not configured on this desk" in page
    assert '<fieldset disabled aria-describedby="promote-reason">' in page
    response = alice.post(f"/inquiries/{number}/promote", {"repo": "visit-dav/visit"})
    assert "GitHub is not configured" in said(response)
    assert outbox.list_outbox(web_desk) == []


def test_promote_is_disabled_without_product_repositories(web_desk: Desk, number: int) -> None:
    config = GitHubSettings(token="t")
    with TestClient(create_app(web_desk, github=config), headers={"accept": "text/html"}) as c:
        alice = Browser(c, sign_in(c, "alice"))
        page = alice.get(f"/inquiries/{number}").text
        assert "Not available: No product repositories are configured" in page
        assert '<fieldset disabled aria-describedby="promote-reason">' in page
        response = alice.post(f"/inquiries/{number}/promote", {"repo": "visit-dav/visit"})
    assert "SREDESK_GITHUB_PRODUCT_REPOS" in said(response)
    assert outbox.list_outbox(web_desk) == []


def test_promote_queues_the_issue_when_github_is_configured(web_desk: Desk, number: int) -> None:
    config = GitHubSettings(token="t", product_repos=("visit-dav/visit",))
    with TestClient(create_app(web_desk, github=config), headers={"accept": "text/html"}) as c:
        alice = Browser(c, sign_in(c, "alice"))
        page = alice.get(f"/inquiries/{number}").text
        assert '<option value="visit-dav/visit">visit-dav/visit</option>' in page
        assert "Not available" not in page
        # An unknown kind is refused before anything is queued: the sender files first.
        bogus = alice.post(
            f"/inquiries/{number}/promote", {"repo": "visit-dav/visit", "link_kind": "bogus"}
        )
        assert "unknown link kind" in said(bogus)
        elsewhere = alice.post(f"/inquiries/{number}/promote", {"repo": "visit-dav/visit-help"})
        assert "is not a configured product repository" in said(elsewhere)
        assert outbox.list_outbox(web_desk) == []
        response = alice.post(
            f"/inquiries/{number}/promote", {"repo": "visit-dav/visit", "title": "Silo crash"}
        )
    assert "Promotion queued" in said(response)
    [queued] = outbox.list_outbox(web_desk, inquiry_number=number)
    assert queued["kind"] == "github.promote"


def test_quick_effort_entry(web_desk: Desk, number: int, browser: Callable[[str], Browser]) -> None:
    alice = browser("alice")
    assert "Logged 30 min" in said(
        alice.post(f"/inquiries/{number}/effort", {"minutes": "30", "note": "reproduced"})
    )
    entries = effort.list_effort(web_desk, inquiry_number=number)
    assert [(e["member"], e["minutes"], e["note"]) for e in entries] == [
        ("alice", 30, "reproduced")
    ]
    assert "whole number" in said(alice.post(f"/inquiries/{number}/effort", {"minutes": "x"}))
    assert "between 1 and 1440" in said(alice.post(f"/inquiries/{number}/effort", {"minutes": "0"}))
    assert len(effort.list_effort(web_desk, inquiry_number=number)) == 1
    page = alice.get(f"/inquiries/{number}").text
    assert "<caption>30 min logged in all</caption>" in page
    assert "<td>alice</td><td>30</td><td>reproduced</td>" in page


def test_attachments_are_listed_and_approved_for_world_read(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    attachment = inquiries.attach(
        web_desk,
        number,
        filename="crash.log",
        content_type="text/plain",
        content=b"x" * 3000,
        by="alice",
    )
    alice, val = browser("alice"), browser("val")
    link = f"/inquiries/{number}/attachments/{attachment}"
    # A member opens a private file, to check it before approving it; a viewer cannot.
    page = alice.get(f"/inquiries/{number}").text
    assert f'<a href="{link}">crash.log</a>' in page
    assert "<td>text/plain</td>" in page
    assert "<td>2.9 KiB</td>" in page
    assert "Only the desk's members may open a private file" in page
    download = alice.get(link)
    assert download.content == b"x" * 3000
    assert download.headers["content-disposition"] == 'attachment; filename="crash.log"'
    assert "<td>crash.log</td>" in val.get(f"/inquiries/{number}").text  # listed, no link
    assert val.get(link).status_code == 404
    approve = f"/inquiries/{number}/attachments/{attachment}/approve"
    assert "viewers cannot" in val.post(approve).text
    assert shown(web_desk, number)["attachments"][0]["world_readable"] is False
    notice_of(alice.post(approve))
    assert shown(web_desk, number)["attachments"][0]["approved_by"] == "alice"
    page = alice.get(f"/inquiries/{number}").text
    assert f'<a href="{link}">crash.log</a>' in page
    assert "approved by alice" in page
    # Once approved, anyone signed in may download it, as the page says; nobody else.
    assert f'<a href="{link}">crash.log</a>' in val.get(f"/inquiries/{number}").text
    assert val.get(link).content == b"x" * 3000
    public = f"/api/v1/inquiries/{number}/attachments/{attachment}/public"
    assert val.get(public).content == b"x" * 3000
    with TestClient(create_app(web_desk)) as stranger:
        assert stranger.get(link, follow_redirects=False).status_code == 303
        assert stranger.get(public).status_code == 401


@pytest.mark.parametrize("huge", [2**31, 2**63, 10**20])
def test_a_number_past_what_the_database_holds_is_refused_not_a_crash(
    sql_desk: Desk, huge: int
) -> None:
    """The pages bound an inquiry's number (and a record's id) as the API does."""
    fast_hashing(sql_desk)
    accounts.add_user(sql_desk, "alice", "member", PASSWORD)
    number = inquiries.open_inquiry(sql_desk, title="Crash", channel="email", source="s")
    before = inquiries.get_inquiry(sql_desk, number)
    with TestClient(create_app(sql_desk), headers={"accept": "text/html"}) as client:
        csrf = sign_in(client, "alice")
        for url in (f"/inquiries/{huge}", f"/inquiries/{huge}/postmortem"):
            answer = client.get(url)
            assert answer.status_code == 422, (url, answer.text)
            # A browser gets the desk's error page, with the same one line.
            assert "path.number: Input should be less than or equal to 2147483647" in answer.text
        for url, field in [
            (f"/inquiries/{huge}/reply", "number"),
            (f"/inquiries/{huge}/acknowledge", "number"),
            (f"/inquiries/{huge}/postmortem", "number"),
            (f"/inquiries/{huge}/effort", "number"),
            (f"/inquiries/{number}/escalations/{huge}", "escalation_id"),
            (f"/inquiries/{number}/attachments/{huge}/approve", "attachment_id"),
        ]:
            data = {"csrf_token": csrf, "body": "x", "answer": "accepted", "minutes": "5"}
            data["form_key"] = secrets.token_urlsafe(16)
            answer = client.post(url, data=data, follow_redirects=False)
            assert answer.status_code == 422, (url, answer.text)
            assert f"path.{field}: Input should be less than or equal to 2147483647" in answer.text
    assert inquiries.get_inquiry(sql_desk, number) == before
