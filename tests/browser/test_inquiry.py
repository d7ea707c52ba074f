"""Work one inquiry in the browser: reply and watch the clock stop, escalate, resolve."""

from __future__ import annotations

from collections.abc import Callable

from sredesk.services import inquiries
from tests.browser.conftest import Site
from tests.browser.support import Page, expect
from tests.conftest import NOW

# The demo's first inquiry: opened two hours ago, unanswered, held by carol (the Primary).
CRASH = 1
CRASH_TITLE = "#1 Pseudocolor plot crashes on a 2D Silo mesh"


def open_crash(page: Page) -> None:
    """From the queue, follow the inquiry's link, as the Primary would."""
    page.goto("/")
    page.get_by_role("link", name=CRASH_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CRASH_TITLE)


def response_clock(page: Page) -> str:
    return page.locator("dt:text-is('Response clock') + dd").inner_text()


def test_reply_and_see_the_response_clock_stop(
    site: Site,
    page: Page,
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    sign_in(page, "carol")
    open_crash(page)
    clock = page.locator("dt:text-is('Response clock') + dd")
    expect(clock).to_contain_text("At risk: 2 h 00 min left")
    snap(page, "before")

    reply = "Thanks: which Silo driver version wrote mesh.silo? A stack trace would help."
    page.get_by_label("Reply to the customer (public)").fill(reply)
    page.get_by_role("button", name="Send reply").click()

    expect(page.get_by_role("status")).to_have_text("Reply sent to the customer.")
    expect(clock).to_contain_text("Responded in time")
    expect(clock).not_to_contain_text("left")
    latest = page.locator("ol.conversation article").last
    expect(latest).to_contain_text("Public reply — sent to the customer")
    expect(latest).to_contain_text(reply)
    snap(page, "replied")
    # Acknowledging is offered only while the clock runs.
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)

    held = inquiries.get_inquiry(site.desk, CRASH)
    assert held["first_response_at"] == NOW.isoformat()
    assert held["clock"]["state"] == "met"
    assert [(c["author"], c["public"], c["body"]) for c in held["comments"][-1:]] == [
        ("carol", True, reply)
    ]

    page.get_by_role("link", name="Back to the queue").click()
    row = page.get_by_role("row").filter(has_text=CRASH_TITLE)
    expect(row).to_contain_text("Responded in time")
    snap(page, "queue")


def test_escalate_to_the_backup_who_accepts(
    site: Site,
    open_page: Callable[[], Page],
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    carol = open_page()
    sign_in(carol, "carol")
    open_crash(carol)
    form = carol.locator("form").filter(has=carol.get_by_role("heading", name="Escalate"))
    expect(form.get_by_label("To").locator("option:checked")).to_have_text("The Backup (alice)")
    form.get_by_label("Note").fill("Silo reader crash: your area?")
    form.get_by_role("button", name="Escalate").click()

    expect(carol.get_by_role("status")).to_have_text(
        "Escalated to the Backup; they have been notified."
    )
    escalations = carol.get_by_role("region", name="Escalations")
    expect(escalations).to_contain_text("carol asked alice")
    expect(escalations).to_contain_text("requested")
    snap(carol, "escalated")
    [asked] = inquiries.get_inquiry(site.desk, CRASH)["escalations"]
    assert (asked["requested_by"], asked["to_member"], asked["status"]) == (
        "carol",
        "alice",
        "requested",
    )

    alice = open_page()
    sign_in(alice, "alice")
    open_crash(alice)
    ask = alice.get_by_role("heading", name="carol asks for your help")
    expect(ask).to_be_visible()
    snap(alice, "asked")
    alice.get_by_label("Accept").check()
    alice.get_by_role("button", name="Answer").click()
    expect(alice.get_by_role("status")).to_contain_text("Escalation accepted")
    expect(ask).to_have_count(0)
    snap(alice, "accepted")
    [answered] = inquiries.get_inquiry(site.desk, CRASH)["escalations"]
    assert answered["status"] == "accepted"


def test_resolve_with_a_kind(
    site: Site,
    page: Page,
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    sign_in(page, "carol")
    open_crash(page)
    page.get_by_label("workaround").check()
    page.get_by_label("Note (optional)").fill("Open the mesh with the legacy Silo reader.")
    snap(page, "resolving")
    page.get_by_role("button", name="Resolve", exact=True).click()

    expect(page.get_by_role("status")).to_have_text("Resolved.")
    expect(page.get_by_text("State: resolved")).to_be_visible()
    resolutions = page.locator("dt:text-is('Resolutions') + dd")
    expect(resolutions).to_have_text(
        "workaround by carol: Open the mesh with the legacy Silo reader."
    )
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    expect(page.get_by_role("button", name="Resolve", exact=True)).to_have_count(0)
    snap(page, "resolved")

    held = inquiries.get_inquiry(site.desk, CRASH)
    assert held["state"] == "resolved"
    assert [(r["kinds"], r["by"]) for r in held["resolutions"]] == [(["workaround"], "carol")]
    page.get_by_role("link", name="Back to the queue").click()
    expect(page.get_by_text("5 open inquiries, soonest deadline first.")).to_be_visible()
    expect(page.get_by_role("link", name=CRASH_TITLE)).to_have_count(0)
