"""The queue page: signed-in only, ordered by deadline, filtered, searched and paged."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from sredesk.adapters.memory import FixedClock
from sredesk.services import inquiries
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.web.conftest import Browser

ROW = re.compile(r'<a id="queue-inquiry-\d+" href="/inquiries/(\d+)">')


def numbers(html: str) -> list[int]:
    return [int(n) for n in ROW.findall(html)]


def test_the_queue_needs_a_signed_in_user(web_desk: Desk) -> None:
    with TestClient(create_app(web_desk)) as client:
        response = client.get("/?view=mine", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Fview%3Dmine"


def test_the_queue_is_ordered_by_response_deadline(
    web_desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    later = inquiries.open_inquiry(web_desk, title="Later", channel="email", source="visit-users")
    clock.advance(timedelta(minutes=-90))
    sooner = inquiries.open_inquiry(web_desk, title="Sooner", channel="github", source="x/y")
    clock.advance(timedelta(minutes=90))
    answered = inquiries.open_inquiry(web_desk, title="Answered", channel="hotline", source="desk")
    inquiries.acknowledge(web_desk, answered, by="alice")
    page = browser("alice").get("/")
    assert numbers(page.text) == [sooner, later, answered]
    assert "Primary</strong> alice" in page.text
    assert "4 h 00 min left" in page.text
    assert "Responded in time" in page.text
    # The due time in the desk's zone, named: the reader may be in another.
    assert ">Wed 18 Nov 15:00 PST</time>" in page.text


def test_filters_search_and_pages(web_desk: Desk, browser: Callable[[str], Browser]) -> None:
    made = [
        inquiries.open_inquiry(web_desk, title=f"Plot {n}", channel="email", source="visit-users")
        for n in range(55)
    ]
    other = inquiries.open_inquiry(web_desk, title="Build fails", channel="github", source="a/b")
    inquiries.assign(web_desk, other, "bob", by="alice")
    alice = browser("alice")
    first = alice.get("/")
    assert len(numbers(first.text)) == 50
    assert "Page 1 of 2" in first.text
    second = alice.get("/?page=2")
    assert len(numbers(second.text)) == 6
    assert numbers(alice.get("/?source=a%2Fb").text) == [other]
    assert numbers(alice.get("/?q=build").text) == [other]
    assert numbers(alice.get(f"/?q=%23{made[3]}").text) == [made[3]]
    assert numbers(browser("bob").get("/?view=mine").text) == [other]
    unassigned = numbers(alice.get("/?view=unassigned").text)
    assert other not in unassigned


def test_a_search_with_digits_other_than_ascii_is_text(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    """'²' and '٣' are digits to str.isdigit(); a search for them is a title search, not #N."""
    squared = inquiries.open_inquiry(web_desk, title="Fit x² data", channel="email", source="v")
    plain = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="v")
    alice = browser("alice")
    for query, found in [
        ("%23%C2%B2", []),
        ("%C2%B2", [squared]),
        ("%D9%A3", []),
        (f"%23{plain}", [plain]),
    ]:
        page = alice.get(f"/?q={query}")
        assert page.status_code == 200, (query, page.text)
        assert numbers(page.text) == found, query


def test_a_bad_filter_says_what_to_fix(browser: Callable[[str], Browser]) -> None:
    page = browser("alice").get("/?view=everything")
    assert page.status_code == 422
    assert "unknown view &#39;everything&#39;; use one of mine, unassigned, all" in page.text


def test_what_a_customer_writes_is_never_markup(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    inquiries.open_inquiry(
        web_desk, title="<script>alert(1)</script>", channel="email", source="<b>list</b>"
    )
    page = browser("alice").get("/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>list</b>" not in page


def test_the_countdown_refreshes_as_the_clock_runs(
    web_desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="visit-users")
    alice = browser("alice")
    page = alice.get("/").text
    assert 'hx-get="/queue/rows?view=all&amp;source=&amp;q=&amp;page=1"' in page
    assert 'hx-trigger="every 30s"' in page
    clock.advance(timedelta(hours=2, minutes=50))  # 10:00 -> 12:50: the lunch hour is not counted
    rows = alice.get("/queue/rows?view=all&page=1").text
    assert rows.startswith('<section id="queue"')
    assert "<h1>" not in rows
    assert "2 h 00 min left" in rows
    assert "At risk" in rows  # the words, not only the colour


def test_a_badly_typed_page_query_is_answered_with_a_page(
    browser: Callable[[str], Browser],
) -> None:
    """A person who edits the URL gets the desk's error page, with what to fix, not JSON."""
    alice = browser("alice")
    refused = alice.get("/inquiries/abc")
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert "path.number: Input should be a valid integer" in refused.text
    api = alice.get("/api/v1/inquiries/abc")
    assert api.status_code == 422
    assert api.headers["content-type"].startswith("application/json")
