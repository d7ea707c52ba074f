"""Refusals a person meets in the browser: a viewer cannot act, nor can a forged form."""

from __future__ import annotations

from collections.abc import Callable

from sredesk.services import inquiries
from tests.browser.conftest import Site
from tests.browser.support import Page, expect

# The demo's first inquiry: unanswered, its response clock running, held by carol.
CRASH = 1
HTML = {"accept": "text/html"}


def session_csrf(page: Page) -> str:
    """The signed-in session's CSRF token, as every form on the page carries it."""
    return page.locator("input[name=csrf_token]").first.input_value()


def test_a_viewer_reads_an_inquiry_but_cannot_act_on_it(
    site: Site,
    page: Page,
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    before = inquiries.get_inquiry(site.desk, CRASH)
    sign_in(page, "guest")
    expect(page.get_by_text("Signed in as guest (viewer)")).to_be_visible()
    page.get_by_role("link", name="#1 Pseudocolor plot crashes on a 2D Silo mesh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "#1 Pseudocolor plot crashes on a 2D Silo mesh"
    )
    expect(
        page.get_by_text("You may read this inquiry; a viewer cannot change it.")
    ).to_be_visible()
    snap(page, "inquiry")
    # Nothing to press but signing out: no reply, escalation, resolution or effort forms.
    assert page.get_by_role("button").all_inner_texts() == ["Sign out"]
    expect(page.get_by_label("Reply to the customer (public)")).to_have_count(0)

    # Posting anyway, with the viewer's own valid session and token, is refused.
    token = session_csrf(page)
    for action, form in [
        ("reply", {"body": "We are looking into it."}),
        ("escalate", {"to": "", "note": "help"}),
        ("resolve", {"kinds": "answered"}),
    ]:
        response = page.request.post(
            f"/inquiries/{CRASH}/{action}",
            form={"csrf_token": token, **form},
            headers=HTML,
            max_redirects=0,
        )
        assert response.status == 403, (action, response.status)
        assert "viewers cannot change anything" in response.text()
    assert inquiries.get_inquiry(site.desk, CRASH) == before


def test_a_forged_form_without_the_csrf_token_is_refused(
    site: Site,
    page: Page,
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    before = inquiries.get_inquiry(site.desk, CRASH)
    sign_in(page, "carol")
    page.goto(f"/inquiries/{CRASH}")
    page.get_by_label("Reply to the customer (public)").fill("Forged: close this, please.")
    # What a page on another site would post: the same fields, without this session's token.
    page.evaluate("document.querySelector('form.reply input[name=csrf_token]').remove()")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_role("alert")).to_have_text(
        "the form lacks this session's CSRF token; reload the page"
    )
    snap(page, "refused")

    # A script with the session cookie but a wrong token fares no better.
    response = page.request.post(
        f"/inquiries/{CRASH}/resolve",
        form={"csrf_token": "not-the-token", "kinds": "answered"},
        headers=HTML,
        max_redirects=0,
    )
    assert response.status == 403
    assert inquiries.get_inquiry(site.desk, CRASH) == before


def test_a_viewer_finds_no_trace_of_the_classified_inquiry(
    site: Site,
    page: Page,
    sign_in: Callable[[Page, str], None],
    snap: Callable[[Page, str], None],
) -> None:
    [classified] = [i for i in inquiries.list_inquiries(site.desk) if i["sensitive"]]
    title = classified["title"]
    sign_in(page, "guest")
    expect(page.get_by_text("5 open inquiries, soonest deadline first.")).to_be_visible()
    expect(
        page.get_by_text("Classified inquiries are not shown: only members of the desk see them.")
    ).to_be_visible()
    expect(page.get_by_text(title)).to_have_count(0)
    snap(page, "queue-as-viewer")
    # Its number answers as a number no inquiry has.
    page.goto(f"/inquiries/{classified['number']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("No such inquiry")
    expect(page.get_by_text(title)).to_have_count(0)
