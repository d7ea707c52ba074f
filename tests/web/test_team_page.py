"""The team page: everyone reads it; only admins add members, edit them and add time-off."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from sredesk.services import team
from sredesk.services.desk import Desk
from tests.web.conftest import Browser, said

TAG = re.compile(r"<[^>]+>")


def member_row(html: str, handle: str) -> str:
    found = re.search(rf'<tr id="member-{handle}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row for {handle}"
    return " ".join(TAG.sub(" ", found.group(1)).split())


def members(desk: Desk) -> dict[str, dict[str, Any]]:
    return {m["handle"]: m for m in team.list_members(desk)}


def refusal(response: Any) -> str:
    """The one-line reason a form was refused, on the page shown again with it."""
    assert response.status_code == 422, response.text
    found = re.search(
        r'<p class="error" role="alert"><strong>Not done:</strong> (.*?)</p>', response.text
    )
    assert found, "no refusal on the page"
    return html.unescape(found.group(1))


EDIT_DAVE = {"percent_time": "80", "experience": "3", "active": "yes", "joined": "2026-11-02"}


def test_members_and_viewers_read_the_team_without_forms(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    team.add_time_off(web_desk, "bob", date(2026, 12, 21), date(2027, 1, 4), "holidays")
    team.add_time_off(web_desk, "bob", date(2026, 10, 1), date(2026, 10, 2), "past")
    for handle in ("alice", "val"):
        page = browser(handle).get("/team").text
        assert (
            member_row(page, "bob")
            == "bob Bob 50% 8 2026-11-02 No Active 2026-12-21 to 2027-01-04 (holidays)"
        )
        assert member_row(page, "alice") == "alice Alice 100% 12 2026-11-02 No Active None"
        assert "<form" not in page.split("<main", 1)[1]
        assert "Only admins change the team" in page


def test_an_admin_edits_a_member(web_desk: Desk, browser: Callable[[str], Browser]) -> None:
    carol = browser("carol")
    page = carol.get("/team").text
    assert 'action="/team/members/dave"' in page
    assert (
        '<label class="visually-hidden" for="edit-dave-percent">Percent time of dave</label>'
        in page
    )
    saved = carol.post("/team/members/dave", EDIT_DAVE)
    assert said(saved) == "Saved dave."
    dave = members(web_desk)["dave"]
    assert (dave["percent_time"], dave["experience"], dave["active"]) == (80, 3, True)
    carol.post(
        "/team/members/dave", {"percent_time": "80", "experience": "3", "joined": "2026-11-02"}
    )
    assert members(web_desk)["dave"]["active"] is False
    assert "Inactive" not in member_row(carol.get("/team").text, "dave")  # admins see a box
    assert "dave Dave 80% 3 2026-11-02 No Inactive" in member_row(
        browser("bob").get("/team").text, "dave"
    )


def test_an_admin_changes_or_clears_the_join_monday(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    carol = browser("carol")
    row = member_row(carol.get("/team").text, "dave")
    assert carol.get("/team").text.count('name="joined" type="date" value="2026-11-02"') == 4
    assert "Monday dave joined the rotation (empty: from the start)" in row
    assert said(carol.post("/team/members/dave", {**EDIT_DAVE, "joined": "2026-11-09"})) == (
        "Saved dave."
    )
    assert members(web_desk)["dave"]["joined"] == "2026-11-09"
    # An empty date says the member was there from the start of the history.
    carol.post("/team/members/dave", {**EDIT_DAVE, "joined": ""})
    assert members(web_desk)["dave"]["joined"] is None
    assert "3 From the start No Active" in member_row(browser("bob").get("/team").text, "dave")


def test_members_and_viewers_are_refused_and_nothing_changes(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    before = members(web_desk)
    for handle in ("alice", "val"):
        user = browser(handle)
        assert user.post("/team/members/dave", EDIT_DAVE).status_code == 403
        added = user.post(
            "/team/time-off", {"member": "dave", "start": "2026-12-01", "end": "2026-12-02"}
        )
        assert added.status_code == 403
        new = {"handle": "erin", "name": "Erin", "email": "erin@example.org", "percent_time": "50"}
        assert user.post("/team/members", new).status_code == 403
    assert members(web_desk) == before
    assert "None" in member_row(browser("carol").get("/team").text, "dave")


def test_bad_input_says_what_to_fix_and_changes_nothing(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    carol = browser("carol")
    before = members(web_desk)
    zero = carol.post("/team/members/dave", {**EDIT_DAVE, "percent_time": "0"})
    assert said(zero) == "percent_time 0 is outside 1..100"
    shown = carol.get(zero.headers["location"]).text
    assert "<strong>Not done:</strong> percent_time 0 is outside 1..100</p>" in shown
    assert "None" in member_row(shown, "dave")
    words = carol.post("/team/members/dave", {**EDIT_DAVE, "experience": "lots"})
    assert said(words) == "experience 'lots' is not a whole number"
    bad_day = carol.post("/team/time-off", {"member": "dave", "start": "2026-12-01", "end": "soon"})
    assert refusal(bad_day) == "end 'soon' is not a date; write YYYY-MM-DD"
    backwards = carol.post(
        "/team/time-off", {"member": "dave", "start": "2026-12-04", "end": "2026-12-01"}
    )
    assert refusal(backwards) == (
        "time-off ends (2026-12-01) before it starts (2026-12-04); swap them"
    )
    # Dates past the calendar's years would break every calendar feed that shows them.
    far = carol.post(
        "/team/time-off", {"member": "dave", "start": "9999-12-30", "end": "9999-12-31"}
    )
    assert refusal(far) == "year 9999 is outside the supported years 2-9998"
    far_join = carol.post("/team/members/dave", {**EDIT_DAVE, "joined": "9999-12-27"})
    assert said(far_join) == "year 9999 is outside the supported years 2-9998"
    huge = carol.post("/team/time-off/remove", {"member": "dave", "time_off_id": str(2**40)})
    assert said(huge) == f"time-off id {2**40} is too large"
    wednesday = carol.post("/team/members/dave", {**EDIT_DAVE, "joined": "2026-11-18"})
    assert said(wednesday) == (
        "joined 2026-11-18 is a Wednesday; give the Monday of that week, 2026-11-16"
    )
    garbled = carol.post("/team/members/dave", {**EDIT_DAVE, "joined": "last week"})
    assert said(garbled) == "joined 'last week' is not a date; write YYYY-MM-DD"
    new = {"handle": "erin", "name": "Erin", "email": "erin@example.org", "percent_time": "50"}
    not_monday = carol.post("/team/members", {**new, "joined": "2026-12-06"})
    assert refusal(not_monday) == (
        "joined 2026-12-06 is a Sunday; give the Monday of that week, 2026-11-30"
    )
    assert members(web_desk) == before


def test_an_admin_adds_time_off_and_a_member(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    carol = browser("carol")
    added = carol.post(
        "/team/time-off",
        {"member": "dave", "start": "2026-11-30", "end": "2026-12-01", "reason": "conference"},
    )
    assert said(added) == "Added time-off for dave from 2026-11-30 to 2026-12-01."
    assert "2026-11-30 to 2026-12-01 (conference)" in member_row(carol.get("/team").text, "dave")
    assert "dave away (conference)" in carol.get("/rotation").text
    new = {
        "handle": "erin",
        "name": "Erin Example",
        "email": "erin@example.org",
        "percent_time": "25",
        "experience": "0",
        "timezone": "Europe/Berlin",
        "classified_access": "yes",
    }
    assert said(carol.post("/team/members", new)) == "Added erin to the team."
    erin = members(web_desk)["erin"]
    assert (erin["percent_time"], erin["classified_access"], erin["timezone"]) == (
        25,
        True,
        "Europe/Berlin",
    )
    again = carol.post("/team/members", new)
    assert refusal(again) == "member 'erin' exists already; pick another handle"
    # Without a date a newcomer joins this week; one given is kept.
    assert erin["joined"] == "2026-11-16"
    assert "25% 0 2026-11-16 Yes Active" in member_row(browser("bob").get("/team").text, "erin")
    later = {**new, "handle": "finn", "joined": "2026-12-07", "classified_access": ""}
    assert said(carol.post("/team/members", later)) == "Added finn to the team."
    assert members(web_desk)["finn"]["joined"] == "2026-12-07"


def test_an_admin_removes_time_off_entered_by_mistake(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    wrong = team.add_time_off(web_desk, "dave", date(2026, 11, 30), date(2026, 12, 4), "typo")
    carol = browser("carol")
    page = carol.get("/team").text
    row = re.search(r'<tr id="member-dave".*?</tr>', page, re.S)
    assert row
    assert f'name="time_off_id" value="{wrong}"' in row.group(0)
    assert f'name="csrf_token" value="{carol.csrf}"' in row.group(0)
    assert 'aria-label="Remove dave\'s time-off from 2026-11-30 to 2026-12-04"' in row.group(0)
    assert "dave away (typo)" in carol.get("/rotation").text

    removed = carol.post("/team/time-off/remove", {"member": "dave", "time_off_id": str(wrong)})
    assert said(removed) == "Removed time-off for dave from 2026-11-30 to 2026-12-04."
    shown = carol.get(removed.headers["location"]).text
    assert member_row(shown, "dave").endswith("Active None Save dave")
    assert team.list_time_off(web_desk) == []
    assert "dave away" not in carol.get("/rotation").text


def test_removing_time_off_refuses_bad_ids_and_non_admins(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    bobs = team.add_time_off(web_desk, "bob", date(2026, 12, 21), date(2027, 1, 4), "holidays")
    before = team.list_time_off(web_desk)
    carol = browser("carol")
    refusals = {
        str(bobs): f"time-off #{bobs} is bob's, not dave's; give the member it belongs to, "
        "or another id",
        "999": "dave has no time-off #999; list the ids with 'sredesk member time-off-list dave'",
        "soon": "time-off id 'soon' is not a whole number",
    }
    for given, expected in refusals.items():
        refused = carol.post("/team/time-off/remove", {"member": "dave", "time_off_id": given})
        assert said(refused) == expected
    for handle in ("alice", "val"):
        forbidden = browser(handle).post(
            "/team/time-off/remove", {"member": "bob", "time_off_id": str(bobs)}
        )
        assert forbidden.status_code == 403
    forged = carol.client.post(
        "/team/time-off/remove",
        data={"member": "bob", "time_off_id": str(bobs)},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert team.list_time_off(web_desk) == before


SHOWN = re.compile(r'<input type="hidden" name="shown" value="([^"]*)">')


def test_a_stale_row_saves_only_what_was_changed_on_it(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    """Two admins edit dave from pages loaded at once: neither undoes the other's change."""
    carol = browser("carol")
    page = carol.get("/team").text
    row = member_row(page, "dave")
    assert row.startswith("dave Dave")
    shown = html.unescape(SHOWN.findall(page.split('id="member-dave"')[1])[0])
    assert json.loads(shown) == {
        "percent_time": 50,
        "experience": 0,
        "active": True,
        "classified_access": False,
        "joined": "2026-11-02",
    }
    # Another admin gives dave classified access after carol's page was loaded.
    team.update_member(web_desk, "dave", actor="erin", classified_access=True)
    # carol changes only dave's percent-time, on the row as it was shown to her.
    row_form = {"percent_time": "80", "experience": "0", "active": "yes", "joined": "2026-11-02"}
    assert said(carol.post("/team/members/dave", {**row_form, "shown": shown})) == "Saved dave."
    dave = members(web_desk)["dave"]
    assert (dave["percent_time"], dave["classified_access"]) == (80, True)
    # A field both changed is refused, and nothing of the row is saved.
    team.update_member(web_desk, "dave", actor="erin", experience=2)
    both = {**row_form, "percent_time": "60", "experience": "4", "shown": shown}
    refused = said(carol.post("/team/members/dave", both))
    assert refused == (
        "percent time of dave was changed to 80 after you loaded it; nothing was saved: "
        "reload and make your change again"
    )
    dave = members(web_desk)["dave"]
    assert (dave["percent_time"], dave["experience"]) == (80, 2)


def test_a_refused_member_or_time_off_keeps_the_form_as_it_was_filled(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    carol = browser("carol")
    before = members(web_desk)
    new = {
        "handle": "dave",
        "name": "Dave Again",
        "email": "dave2@example.org",
        "percent_time": "30",
        "experience": "2",
        "joined": "2026-11-30",
        "timezone": "Europe/Berlin",
        "classified_access": "yes",
    }
    response = carol.post("/team/members", new)
    assert refusal(response) == "member 'dave' exists already; pick another handle"
    page = response.text
    for field, value in [
        ("new-handle", "dave"),
        ("new-name", "Dave Again"),
        ("new-email", "dave2@example.org"),
        ("new-percent", "30"),
        ("new-experience", "2"),
        ("new-joined", "2026-11-30"),
        ("new-timezone", "Europe/Berlin"),
    ]:
        assert re.search(rf'id="{field}" name="\w+"[^>]* value="{re.escape(value)}"', page), field
    assert 'id="new-classified" name="classified_access" type="checkbox" value="yes" checked>' in (
        page
    )
    away = {"member": "bob", "start": "2026-12-04", "end": "2026-12-01", "reason": "conference"}
    page = carol.post("/team/time-off", away).text
    assert '<option value="bob" selected>bob</option>' in page
    assert 'id="off-start" name="start" type="date" value="2026-12-04"' in page
    assert 'id="off-end" name="end" type="date" value="2026-12-01"' in page
    assert 'id="off-reason" name="reason" value="conference"' in page
    assert members(web_desk) == before
    # Unfilled, the forms start from their defaults and the team's zone.
    page = carol.get("/team").text
    assert 'id="new-percent" name="percent_time" type="number" min="1" max="100" value="50"' in page
    assert 'id="new-timezone" name="timezone" value="America/Los_Angeles"' in page
    assert 'id="off-reason" name="reason" value="vacation"' in page
