"""The rotation page: the month calendar, fairness, swap requests and subscribe links."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sredesk.services import feeds, rotation_page, shifts, swap_requests, team
from sredesk.services.desk import Desk
from tests.web.conftest import Browser, said

TAG = re.compile(r"<[^>]+>")


def text(html: str) -> str:
    """What a reader sees: tags dropped, white space collapsed."""
    return " ".join(TAG.sub(" ", html).split())


def week_row(html: str, monday: str) -> str:
    found = re.search(rf'<tr id="week-{monday}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row for the week of {monday}"
    return text(found.group(1))


def pair(desk: Desk, monday: date) -> tuple[str, str]:
    (shift,) = shifts.list_shifts(desk, start=monday, end=monday)
    return shift["primary"], shift["backup"]


def test_the_month_shows_each_weeks_pair_holidays_and_today(
    browser: Callable[[str], Browser],
) -> None:
    page = browser("alice").get("/rotation").text
    assert "<caption>Primary and Backup by week, November 2026." in page
    assert week_row(page, "2026-11-02").startswith("Week of 2 Nov Primary: bob Backup: carol")
    assert week_row(page, "2026-11-09").startswith(
        "Week of 9 Nov Primary: dave Backup: alice (you)"
    )
    assert week_row(page, "2026-11-16").startswith(
        "Week of 16 Nov (this week) Primary: alice (you) Backup: bob"
    )
    assert "Thursday 26 November 26 Thanksgiving Day: desk closed" in week_row(page, "2026-11-23")
    assert "Friday 27 November 27 Day after Thanksgiving: desk closed" in week_row(
        page, "2026-11-23"
    )
    assert "Wednesday 18 November 18 Today" in week_row(page, "2026-11-16")
    assert week_row(page, "2026-10-26").startswith("Week of 26 Oct No shift set")
    assert 'href="/rotation?month=2026-12" rel="next">Next month: December 2026' in page


def test_other_months_and_a_bad_month(browser: Callable[[str], Browser]) -> None:
    alice = browser("alice")
    december = alice.get("/rotation?month=2026-12").text
    assert "Rotation: December 2026" in december
    assert week_row(december, "2026-12-07").startswith("Week of 7 Dec Primary: dave")
    assert "Today" not in week_row(december, "2026-11-30")
    bad = alice.get("/rotation?month=2026-13")
    assert bad.status_code == 422
    assert "month &#39;2026-13&#39; is not a month; write YYYY-MM, e.g. 2026-11" in bad.text
    assert "Rotation: November 2026" in bad.text
    far = alice.get("/rotation?month=9999-12")
    assert far.status_code == 422
    assert "month &#39;9999-12&#39; is outside the calendar&#39;s years; show one from" in far.text


def test_time_off_is_on_the_calendar(web_desk: Desk, browser: Callable[[str], Browser]) -> None:
    team.add_time_off(web_desk, "dave", date(2026, 11, 30), date(2026, 12, 1), "conference")
    row = week_row(browser("bob").get("/rotation").text, "2026-11-30")
    assert "Monday 30 November 30 dave away (conference)" in row
    assert "Tuesday 1 December 1 dave away (conference)" in row
    assert "Wednesday 2 December 2 Friday" not in row
    assert row.count("dave away") == 2


def test_the_fairness_summary(browser: Callable[[str], Browser]) -> None:
    page = text(browser("val").get("/rotation").text)
    assert "alice 100% 1 of 2.0, owes 1.0 3 of 2.0, 1.0 ahead" in page
    assert "dave 50% 2 of 1.0, 1.0 ahead 0 of 1.0, owes 1.0" in page


def test_ask_see_who_may_take_it_accept_and_the_calendar_changes(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    this_week = date(2026, 11, 16)
    alice, dave, bob = browser("alice"), browser("dave"), browser("bob")
    mine = text(alice.get("/rotation").text)
    assert "2026-11-16 Primary carol, dave Note (optional)" in mine
    asked = alice.post(
        "/rotation/swap-requests", {"week": "2026-11-16", "role": "primary", "note": "dentist"}
    )
    assert asked.status_code == 303
    assert said(asked) == "Asked the team to take your primary week of 2026-11-16."
    assert "2026-11-16 Primary alice (you) dentist carol, dave Withdraw request" in text(
        alice.get("/rotation").text
    )
    assert "Take primary for the week of 2026-11-16" not in bob.get("/rotation").text
    offered = dave.get("/rotation").text
    request_id = re.search(r'action="/rotation/swap-requests/(\d+)/accept"', offered)
    assert request_id, "dave, who may take the week, has no accept button"
    accepted = dave.post(f"/rotation/swap-requests/{request_id.group(1)}/accept")
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/rotation?month=2026-11"
    # dave was Primary the week before: the swap is made, and says so.
    assert said(accepted) == (
        "You are now primary in the week of 2026-11-16, in place of alice. Note: week of "
        "2026-11-16: dave is Primary in the week before too; the planner avoids back-to-back "
        "Primary weeks."
    )
    assert pair(web_desk, this_week) == ("dave", "bob")
    after = alice.get("/rotation").text
    assert week_row(after, "2026-11-16").startswith(
        "Week of 16 Nov (this week) Primary: dave Backup: bob"
    )
    assert "No open swap requests." in after


def test_only_an_eligible_member_may_accept(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice, bob = browser("alice"), browser("bob")
    alice.post("/rotation/swap-requests", {"week": "2026-11-16", "role": "primary"})
    request_id = re.search(r"/rotation/swap-requests/(\d+)/withdraw", alice.get("/rotation").text)
    assert request_id
    refused = bob.post(f"/rotation/swap-requests/{request_id.group(1)}/accept")
    assert said(refused) == (
        "bob cannot take that week (away, or already on it); eligible: carol, dave"
    )
    assert pair(web_desk, date(2026, 11, 16)) == ("alice", "bob")
    own = alice.post(f"/rotation/swap-requests/{request_id.group(1)}/accept")
    assert said(own) == "you asked for this swap; withdraw it instead of accepting it"


def test_a_withdrawn_request_cannot_be_accepted(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice, carol = browser("alice"), browser("carol")
    alice.post("/rotation/swap-requests", {"week": "2026-11-23", "role": "backup"})
    request_id = re.search(r"/rotation/swap-requests/(\d+)/withdraw", alice.get("/rotation").text)
    assert request_id
    withdrawn = alice.post(f"/rotation/swap-requests/{request_id.group(1)}/withdraw")
    assert said(withdrawn) == f"Withdrew swap request {request_id.group(1)}."
    late = carol.post(f"/rotation/swap-requests/{request_id.group(1)}/accept")
    assert said(late).startswith(f"swap request {request_id.group(1)} is no longer open")
    assert pair(web_desk, date(2026, 11, 23)) == ("carol", "alice")


def test_asking_for_a_week_you_do_not_hold_is_refused(browser: Callable[[str], Browser]) -> None:
    bob = browser("bob")
    refused = bob.post("/rotation/swap-requests", {"week": "2026-11-23", "role": "primary"})
    assert said(refused) == (
        "you are not Primary in the week of 2026-11-23 (carol is); ask for a week you hold"
    )
    past = bob.post("/rotation/swap-requests", {"week": "2026-11-02", "role": "primary"})
    assert said(past) == "the week of 2026-11-02 is over; ask for this week or a later one"
    assert "No open swap requests." in bob.get("/rotation").text


def test_a_viewer_reads_the_rotation_but_cannot_ask_or_accept(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice, val = browser("alice"), browser("val")
    alice.post("/rotation/swap-requests", {"week": "2026-11-16", "role": "primary"})
    page = val.get("/rotation")
    assert page.status_code == 200
    assert '<form method="post" action="/rotation' not in page.text
    request_id = re.search(r'<tr id="request-(\d+)">', page.text)
    assert request_id
    assert val.post(f"/rotation/swap-requests/{request_id.group(1)}/accept").status_code == 403
    assert val.post("/rotation/subscribe", {"feed": "team"}).status_code == 403
    assert pair(web_desk, date(2026, 11, 16)) == ("alice", "bob")


def test_a_form_without_the_sessions_csrf_token_is_refused(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    forged = alice.client.post(
        "/rotation/swap-requests",
        data={"week": "2026-11-16", "role": "primary"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "No open swap requests." in alice.get("/rotation").text


def test_a_subscribe_link_is_shown_once_and_opens_the_feed(
    browser: Callable[[str], Browser],
) -> None:
    alice = browser("alice")
    assert "Create my subscribe link" in alice.get("/rotation").text
    made = alice.post("/rotation/subscribe", {"feed": "mine"})
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    link = re.search(r'value="http://testserver/calendar/alice\.ics\?token=([\w-]+)"', made.text)
    assert link, "the new link is not on the page"
    token = link.group(1)
    assert f'value="webcal://testserver/calendar/alice.ics?token={token}"' in made.text
    feed = alice.get(f"/calendar/alice.ics?token={token}")
    assert feed.status_code == 200
    assert feed.text.startswith("BEGIN:VCALENDAR")
    later = alice.get("/rotation").text
    assert token not in later
    assert "You made a link on 2026-11-18; it keeps working." in later


def test_the_pages_read_models_and_a_swap_request_on_a_database(sql_desk: Desk) -> None:
    """The read models return plain values, not rows that die with their session."""
    feeds.issue_token(sql_desk, "alice", by="alice")
    team.add_time_off(sql_desk, "dave", date(2026, 11, 30), date(2026, 11, 30), "conference")
    month = rotation_page.month_calendar(sql_desk, "2026-11")
    assert [(w["primary"], w["backup"]) for w in month["weeks"][1:4]] == [
        ("bob", "carol"),
        ("dave", "alice"),
        ("alice", "bob"),
    ]
    assert month["weeks"][5]["days"][0]["away"] == [{"member": "dave", "reason": "conference"}]
    assert rotation_page.feed_links(sql_desk, "alice") == {"team": None, "me": "2026-11-18"}
    assert team.team_overview(sql_desk)["members"][3]["time_off"][0]["reason"] == "conference"
    asked = swap_requests.request_swap(sql_desk, date(2026, 11, 18), "primary", by="alice")
    (shown,) = swap_requests.open_requests(sql_desk, me="carol")
    assert (shown["id"], shown["eligible"], shown["may_accept"]) == (asked, ["carol", "dave"], True)
    swap_requests.accept(sql_desk, asked, by="carol")
    assert pair(sql_desk, date(2026, 11, 16)) == ("carol", "bob")
    assert swap_requests.open_requests(sql_desk, me="carol") == []


def test_a_swap_request_id_past_the_databases_integers_is_refused_not_a_crash(
    browser: Callable[[str], Browser],
) -> None:
    dave = browser("dave")
    for action in ("accept", "withdraw"):
        refused = dave.post(f"/rotation/swap-requests/{2**40}/{action}")
        assert refused.status_code == 422
        assert "less than or equal to 2147483647" in refused.text
