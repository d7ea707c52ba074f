"""Swap a week on the rotation page: one member asks, another takes it, the calendar changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sredesk.services import rotation, shifts
from tests.browser.conftest import Site
from tests.browser.support import Page, expect

# In the demo rotation dave is Primary, with erin as Backup, two weeks from now.
WEEK = date(2026, 11, 30)


def test_ask_for_a_swap_and_another_member_takes_it(
    site: Site,
    open_page: Callable[[], Page],
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    eligible = [c["handle"] for c in rotation.swap_options(site.desk, WEEK, "primary", "dave")]
    assert eligible, "the demo leaves someone free to take dave's week"
    taker = eligible[0]

    dave = open_page()
    sign_in(dave, "dave")
    dave.get_by_role("link", name="Rotation").click()
    expect(dave.get_by_role("heading", level=1)).to_have_text("Rotation: November 2026")
    week = dave.get_by_role("rowheader", name=re.compile(r"^Week of 30 Nov\b"))
    expect(week).to_contain_text("Primary: dave (you)")
    mine = dave.get_by_role("table", name="Weeks you hold from this week on")
    row = mine.get_by_role("row").filter(has_text="2026-11-30")
    expect(row).to_contain_text(", ".join(eligible))
    row.get_by_label("Note (optional)").fill("Family visit that week.")
    snap(dave, "asking")
    row.get_by_role("button", name="Ask for a swap of primary, week of 2026-11-30").click()
    expect(dave.get_by_role("status")).to_have_text(
        "Asked the team to take your primary week of 2026-11-30."
    )
    asked = dave.get_by_role("table", name="Open swap requests")
    expect(asked).to_contain_text("Family visit that week.")
    expect(asked.get_by_role("button", name="Withdraw request")).to_be_visible()
    snap(dave, "asked")

    other = open_page()
    sign_in(other, taker)
    other.goto("/rotation")
    take = other.get_by_role("button", name="Take primary for the week of 2026-11-30")
    take.click()
    expect(other.get_by_role("status")).to_have_text(
        "You are now primary in the week of 2026-11-30, in place of dave."
    )
    taken = other.get_by_role("rowheader", name=re.compile(r"^Week of 30 Nov\b"))
    expect(taken).to_contain_text(f"Primary: {taker} (you)")
    expect(other.get_by_text("No open swap requests.")).to_be_visible()
    snap(other, "taken")

    [held] = shifts.list_shifts(site.desk, start=WEEK, end=WEEK)
    assert (held["primary"], held["backup"]) == (taker, "erin")

    dave.reload()
    expect(week).to_contain_text(f"Primary: {taker}")
    expect(week).not_to_contain_text("dave")
    snap(dave, "calendar")
