"""Sign in and read the demo queue: every open inquiry, soonest response deadline first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sredesk.services import inquiries, shifts
from tests.browser.conftest import Site
from tests.browser.support import Page, expect
from tests.conftest import THIS_WEEK


def deadline_order(site: Site) -> list[int]:
    """The desk's open inquiries as the Primary works them: waiting ones by deadline first."""
    held = inquiries.list_inquiries(site.desk, open_only=True)
    held.sort(
        key=lambda i: (
            i["first_response_at"] is not None,
            datetime.fromisoformat(i["response_due"]),
            i["number"],
        )
    )
    return [i["number"] for i in held]


def test_sign_in_and_see_the_queue_by_deadline(
    site: Site,
    page: Page,
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    page.goto("/")
    expect(page).to_have_url(f"{site.url}/login?next=%2F")
    sign_in(page, "carol")
    expect(page).to_have_url(f"{site.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    snap(page, "queue")
    # This week's shift, in words the header may rephrase: its week, Primary and Backup.
    expect(page.get_by_role("main")).to_contain_text("2026-11-16: Primary carol, Backup alice.")

    expected = deadline_order(site)
    assert len(expected) == 6, "the demo seeds six open inquiries and one resolved"
    expect(page.get_by_text("6 open inquiries, soonest deadline first.")).to_be_visible()
    table = page.get_by_role("table", name="Open inquiries by response deadline")
    links = table.get_by_role("link")
    expect(links).to_have_count(len(expected))
    shown = [int(str(link.get_attribute("href")).rsplit("/", 1)[1]) for link in links.all()]
    assert shown == expected
    # The oldest unanswered inquiry (opened 50 h ago) leads, breached, said in words.
    first = table.get_by_role("row").nth(1)
    expect(first).to_contain_text("Parallel engine fails to launch on the cluster")
    expect(first).to_contain_text("Breached")
    expect(first).to_contain_text("serious")


def refresh_queue(page: Page) -> None:
    """Let the page's clock run past the half minute after which htmx refreshes the table."""
    with page.expect_response(lambda response: "/queue/rows" in response.url):
        page.clock.run_for(31_000)


def test_the_refreshed_queue_keeps_the_keyboard_focus(
    page: Page, sign_in: Callable[[Page, str], None]
) -> None:
    """A reader tabbing through the queue stays where they were when the table refreshes."""
    page.clock.install()
    sign_in(page, "carol")
    link = page.get_by_role("link", name="#1 Pseudocolor plot crashes on a 2D Silo mesh")
    link.focus()
    refresh_queue(page)
    expect(link).to_be_focused()
    # The next Tab goes on down the table, not back to the start of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#queue') !== null")


def test_the_refreshed_queue_says_who_holds_the_desk_now(
    site: Site, page: Page, sign_in: Callable[[Page, str], None]
) -> None:
    """The header changes with the table, as a reload would show it."""
    page.clock.install()
    sign_in(page, "carol")
    main = page.get_by_role("main")
    expect(main).to_contain_text("2026-11-16: Primary carol, Backup alice.")
    shifts.set_shift(site.desk, THIS_WEEK, "bob", "alice")
    refresh_queue(page)
    expect(main).to_contain_text("2026-11-16: Primary bob, Backup alice.")
    expect(page.locator("#duty")).to_have_count(1)
