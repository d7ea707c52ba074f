"""Run the Friday handoff: the outgoing Primary keeps one inquiry and hands the rest on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sredesk.services import inquiries
from tests.browser.conftest import Site
from tests.browser.support import Page, expect

# The demo's answered GitHub question: carol keeps it, as she waits for the customer's thanks.
KEPT = 2
NOTE = "I am away from Monday; alice has the whole history of your question."


def carols_unresolved(site: Site) -> list[int]:
    """What the handoff moves: open inquiries the outgoing Primary holds, or nobody does."""
    held = inquiries.list_inquiries(site.desk, open_only=True)
    return sorted(i["number"] for i in held if i["assignee"] in ("carol", None))


def test_the_outgoing_primary_runs_the_handoff(
    site: Site,
    page: Page,
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    site.clock.advance(timedelta(days=2, hours=6))  # Friday 16:00: the week's handoff is due
    listed = carols_unresolved(site)
    assert KEPT in listed
    assert len(listed) > 1
    sign_in(page, "carol")
    page.get_by_role("link", name="Handoff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End-of-shift handoff")
    expect(
        page.get_by_text("Week of 2026-11-16: carol (Primary) hands over to alice")
    ).to_be_visible()
    checklist = page.get_by_role("table", name="Unresolved inquiries: keep or hand off each")
    links = checklist.get_by_role("link")
    expect(links).to_have_count(len(listed))
    shown = sorted(int(str(a.get_attribute("href")).rsplit("/", 1)[1]) for a in links.all())
    assert shown == listed
    preview = page.locator("blockquote.notice-preview").inner_text().strip()
    assert "alice" in preview

    page.get_by_role("group", name=f"#{KEPT}: keep or hand off").get_by_label(
        "Keep with carol"
    ).check()
    page.get_by_label("Add a note (optional)").fill(NOTE)
    snap(page, "checklist")
    page.get_by_role("button", name="Apply the handoff to alice").click()

    handed = [n for n in listed if n != KEPT]
    expect(page.get_by_role("status")).to_have_text(
        f"Handoff applied: {len(handed)} inquiries handed to alice, 1 kept by carol."
    )
    applied = page.get_by_role("region", name="Already applied this week")
    expect(applied.get_by_role("heading", name=f"Handed over ({len(handed)})")).to_be_visible()
    expect(applied.get_by_role("heading", name="Kept (1)")).to_be_visible()
    snap(page, "applied")

    for number in handed:
        held = inquiries.get_inquiry(site.desk, number)
        assert held["assignee"] == "alice", number
        notice = held["comments"][-1]
        assert (notice["author"], notice["public"]) == ("carol", True)
        assert notice["body"].startswith(preview)
        assert notice["body"].endswith(NOTE)
    kept = inquiries.get_inquiry(site.desk, KEPT)
    assert kept["assignee"] == "carol"
    assert all(NOTE not in c["body"] for c in kept["comments"])
