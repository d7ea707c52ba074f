"""The postmortem page: pre-filled from the records, saved, refused, and printable."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest

from sredesk.services import effort, inquiries
from sredesk.services.desk import Desk
from tests.web.conftest import Browser

TEXT = {
    "what_happened": "Silo files crashed VisIt 3.4 on launch for two labs.",
    "why": "A reader change shipped without a test file.",
    "resources": "- alice: 2 h",
    "milestones": "- opened\n- resolved",
    "recommendations": "Add Silo files to the release tests.",
}


@pytest.fixture
def number(web_desk: Desk) -> int:
    found = inquiries.open_inquiry(
        web_desk, title="Silo crash", channel="email", source="visit-users", serious=True
    )
    inquiries.acknowledge(web_desk, found, by="alice")
    effort.log_effort(web_desk, by="alice", minutes=90, inquiry_number=found)
    effort.log_effort(web_desk, by="bob", minutes=30, inquiry_number=found)
    return found


def field(page: str, name: str) -> str:
    found = re.search(rf'<textarea id="pm-{name}" name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no {name} field"
    return html.unescape(found.group(1))


def test_the_form_is_prefilled_from_the_effort_log_and_timeline(
    number: int, browser: Callable[[str], Browser]
) -> None:
    page = browser("alice").get(f"/inquiries/{number}/postmortem").text
    assert "No postmortem is saved yet" in page
    assert field(page, "what_happened") == f"#{number}: Silo crash"
    assert field(page, "resources") == "- alice: 1.5 h\n- bob: 0.5 h\nTotal: 2.0 h by 2 member(s)"
    assert field(page, "milestones") == (
        "- 2026-11-18T18:00+00:00 opened (system)\n- 2026-11-18T18:00+00:00 acknowledged (alice)"
    )
    assert field(page, "why") == ""


def test_saving_shows_the_postmortem_as_a_document_above_the_form(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    response = alice.post(f"/inquiries/{number}/postmortem", TEXT)
    assert response.status_code == 303
    assert response.headers["location"] == f"/inquiries/{number}/postmortem"
    saved = inquiries.get_inquiry(web_desk, number)["postmortem"]
    assert {k: saved[k] for k in TEXT} == TEXT
    assert saved["author"] == "alice"
    page = alice.get(response.headers["location"]).text
    article = page.split('<article class="postmortem"')[1].split("</article>")[0]
    assert "Written by alice" in article
    assert "<h3>Why it happened</h3>" in article
    assert "A reader change shipped without a test file." in article
    assert article in page.split('<form class="postmortem-form"')[0]  # above the form
    assert field(page, "why") == TEXT["why"]  # editing starts from what was saved
    link = browser("bob").get(f"/inquiries/{number}").text
    assert f'<a href="/inquiries/{number}/postmortem">Read or edit the postmortem</a>' in link


def test_a_postmortem_without_its_why_is_refused_and_keeps_what_was_typed(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    page = browser("alice").post(f"/inquiries/{number}/postmortem", {**TEXT, "why": " "})
    assert page.status_code == 422
    assert "<strong>Not saved:</strong> the postmortem&#39;s why is empty" in page.text
    assert field(page.text, "recommendations") == TEXT["recommendations"]
    assert inquiries.get_inquiry(web_desk, number)["postmortem"] is None


def test_what_a_postmortem_says_is_escaped(number: int, browser: Callable[[str], Browser]) -> None:
    alice = browser("alice")
    alice.post(f"/inquiries/{number}/postmortem", {**TEXT, "why": "<script>x()</script>"})
    page = alice.get(f"/inquiries/{number}/postmortem").text
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page


def test_a_viewer_reads_but_cannot_save(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    val = browser("val")
    page = val.get(f"/inquiries/{number}/postmortem").text
    assert "postmortem-form" not in page
    assert val.post(f"/inquiries/{number}/postmortem", TEXT).status_code == 403
    forged = browser("alice").client.post(
        f"/inquiries/{number}/postmortem", data=TEXT, follow_redirects=False
    )
    assert forged.status_code == 403
    assert inquiries.get_inquiry(web_desk, number)["postmortem"] is None


def test_the_page_prints_without_navigation_or_forms(
    number: int, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    css = alice.get("/static/desk.css").text
    print_rules = " ".join(re.findall(r"@media print \{(.*?)\}\s*\}", css, re.S))
    for hidden in ("header.top", ".no-print", ".postmortem-form"):
        assert hidden in print_rules
    page = alice.get(f"/inquiries/{number}/postmortem").text
    assert '<p class="no-print"><a href="/inquiries/' in page


def test_an_unknown_inquiry_has_no_postmortem(browser: Callable[[str], Browser]) -> None:
    page = browser("alice").get("/inquiries/404/postmortem")
    assert page.status_code == 404
    assert "There is no inquiry #404" in page.text


REVISION = re.compile(r'name="revision" value="(\d+)"')


def test_a_stale_form_does_not_overwrite_a_later_save(
    web_desk: Desk, number: int, browser: Callable[[str], Browser]
) -> None:
    """Two members edit at once: the second save is refused beside the first, its text kept."""
    alice, bob = browser("alice"), browser("bob")
    opened_by_alice = REVISION.findall(alice.get(f"/inquiries/{number}/postmortem").text)
    opened_by_bob = REVISION.findall(bob.get(f"/inquiries/{number}/postmortem").text)
    assert opened_by_alice == opened_by_bob == ["0"]
    saved = alice.post(f"/inquiries/{number}/postmortem", {**TEXT, "revision": "0"})
    assert saved.status_code == 303
    theirs = {**TEXT, "why": "Bob's own analysis of the reader.", "revision": "0"}
    response = bob.post(f"/inquiries/{number}/postmortem", theirs)
    assert response.status_code == 409
    assert (
        f"alice saved the postmortem of #{number} at Wed 18 Nov 10:00 after you opened it; "
        "yours is not saved"
    ) in response.text
    assert field(response.text, "why") == "Bob's own analysis of the reader."
    assert '<pre class="body">A reader change shipped without a test file.</pre>' in (response.text)
    assert inquiries.get_inquiry(web_desk, number)["postmortem"]["why"] == TEXT["why"]
    # The form shown again edits the latest save, so saving it now is taken.
    assert REVISION.findall(response.text) == ["1"]
    again = bob.post(f"/inquiries/{number}/postmortem", {**theirs, "revision": "1"})
    assert again.status_code == 303
    assert inquiries.get_inquiry(web_desk, number)["postmortem"]["why"] == theirs["why"]
