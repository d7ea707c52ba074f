"""The handoff page: the outgoing Primary's checklist, the customers' notice, and applying it."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from sredesk.adapters.memory import FixedClock
from sredesk.core.errors import InvalidInput
from sredesk.services import inquiries, outbox, records, shifts, team
from sredesk.services.desk import Desk
from tests.outbox_support import email_publisher
from tests.web.conftest import Browser

# alice is Primary this week (from 2026-11-16); carol is Primary next week, alice her Backup.
NOTICE = (
    "The SRE desk rotates weekly. From the week of 2026-11-23, carol (Primary, with alice as "
    "Backup) takes over this inquiry. Reply to this conversation as before; nothing you sent "
    "is lost."
)


@pytest.fixture
def desk(web_desk: Desk) -> Desk:
    web_desk.publishers.append(email_publisher)
    return web_desk


def open_one(desk: Desk, title: str, assignee: str | None = None) -> int:
    number = inquiries.open_inquiry(
        desk, title=title, channel="email", source="visit-users", customers=["u@example.edu"]
    )
    if assignee:
        inquiries.assign(desk, number, assignee, by="alice")
    return number


def state(desk: Desk, *numbers: int) -> list[tuple[str | None, bool, int]]:
    """What a refused handoff must leave alone: assignee, keep flag, comment count."""
    found = [inquiries.get_inquiry(desk, n) for n in numbers]
    return [(i["assignee"], i["keep_at_handoff"], len(i["comments"])) for i in found]


def choice(page: str, number: int) -> str:
    """Which radio button is checked for an inquiry: 'keep' or 'hand'."""
    for value in ("keep", "hand"):
        if f'name="keep_{number}" value="{value}" checked' in page:
            return value
    raise AssertionError(f"no choice checked for #{number}")


def test_the_checklist_lists_what_the_handoff_would_take_and_the_notice(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    plot = open_one(desk, "Plot bug")
    nearly = open_one(desk, "Nearly there", "alice")
    inquiries.keep_at_handoff(desk, nearly, True, by="alice")
    open_one(desk, "Bob's own", "bob")
    done = open_one(desk, "Done already", "alice")
    inquiries.resolve(desk, done, ["answered"], by="alice")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    page = browser("alice").get("/handoff")
    assert page.status_code == 200
    text = html.unescape(page.text)
    route = (
        "Week of 2026-11-16: <strong>alice</strong> (Primary) hands over to "
        "<strong>carol</strong>, Primary from 2026-11-23 with alice as Backup."
    )
    assert route in " ".join(text.split())
    assert f"#{plot} Plot bug" in text
    assert f"#{nearly} Nearly there" in text
    assert "Bob's own" not in text
    assert "Done already" not in text
    assert "Unresolved inquiries (2)" in text
    assert (choice(page.text, plot), choice(page.text, nearly)) == ("hand", "keep")
    assert f"<pre>{NOTICE}</pre>" in text
    assert "Apply the handoff to carol" in text


def test_applying_hands_over_keeps_and_queues_the_notice(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    flagged = open_one(desk, "Flagged to keep, handed after all", "alice")
    inquiries.keep_at_handoff(desk, flagged, True, by="alice")
    kept = open_one(desk, "Waiting for the customer", "alice")
    plain = open_one(desk, "Plain")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    alice = browser("alice")
    response = alice.post(
        "/handoff",
        {
            "week": "2026-11-16",
            f"keep_{flagged}": "hand",
            f"keep_{kept}": "keep",
            "note": "Logs are on the ticket.",
        },
    )
    assert response.status_code == 303
    after = alice.get(response.headers["location"])
    assert "Handoff applied: 2 inquiries handed to carol, 1 kept by alice." in after.text
    assert [inquiries.get_inquiry(desk, n)["assignee"] for n in (flagged, plain, kept)] == [
        "carol",
        "carol",
        "alice",
    ]
    kept_data = inquiries.get_inquiry(desk, kept)
    assert kept_data["handoffs"][-1]["kept_by_previous"]
    assert not [c for c in kept_data["comments"] if c["public"]]
    queued = outbox.list_outbox(desk)
    assert sorted(q["inquiry"] for q in queued) == sorted([flagged, plain])
    notice = inquiries.get_inquiry(desk, plain)["comments"][-1]
    assert notice["public"]
    assert notice["body"] == f"{NOTICE}\n\nLogs are on the ticket."
    text = html.unescape(after.text)
    assert "Already applied this week" in text
    assert f"#{plain} Plain</a>: to carol, Fri 20 Nov 16:00" in text
    assert f"#{kept} Waiting for the customer</a>: kept by alice, Fri 20 Nov 16:00" in text
    # The kept one is still alice's to hand over, and the page remembers she kept it.
    assert "Unresolved inquiries (1)" in text
    assert choice(after.text, kept) == "keep"


def test_applying_again_in_the_week_keeps_the_kept_unless_handed_now(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    kept = open_one(desk, "Waiting for the customer", "alice")
    plain = open_one(desk, "Plain")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    alice = browser("alice")
    alice.post("/handoff", {"week": "2026-11-16", f"keep_{kept}": "keep"})
    clock.advance(timedelta(minutes=30))
    late = open_one(desk, "Arrived after the handoff")
    page = alice.get("/handoff")
    text = html.unescape(page.text)
    assert "Unresolved inquiries (2)" in text
    assert f"#{plain} Plain" not in text.split("Unresolved inquiries")[1]
    assert (choice(page.text, kept), choice(page.text, late)) == ("keep", "hand")
    assert text.count("kept at this week's handoff") == 1
    inquiry_page = html.unescape(alice.get(f"/inquiries/{kept}").text)
    assert "Kept at this week's handoff (Fri 20 Nov 2026 16:00)" in inquiry_page
    assert "Not kept: it goes to the next Primary" not in inquiry_page

    again = alice.post(
        "/handoff", {"week": "2026-11-16", f"keep_{kept}": "keep", f"keep_{late}": "hand"}
    )
    after = alice.get(again.headers["location"])
    assert "Handoff applied: 1 inquiry handed to carol, 1 kept by alice." in after.text
    kept_data = inquiries.get_inquiry(desk, kept)
    assert (kept_data["assignee"], len(kept_data["handoffs"])) == ("alice", 1)
    assert sorted(q["inquiry"] for q in outbox.list_outbox(desk)) == sorted([plain, late])

    # Choosing to hand it now releases what the first apply kept, with its one notice.
    released = alice.post("/handoff", {"week": "2026-11-16", f"keep_{kept}": "hand"})
    after = alice.get(released.headers["location"])
    assert "Handoff applied: 1 inquiry handed to carol, 0 kept by alice." in after.text
    assert inquiries.get_inquiry(desk, kept)["assignee"] == "carol"
    assert sorted(q["inquiry"] for q in outbox.list_outbox(desk)) == sorted([plain, late, kept])
    assert "Unresolved inquiries (0)" in after.text


def test_what_the_same_primary_holds_stays_without_a_notice(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    shifts.set_shift(desk, date(2026, 11, 23), "alice", "carol")  # alice again next week
    hers = open_one(desk, "Hers")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    alice = browser("alice")
    text = html.unescape(alice.get("/handoff").text)
    assert f"#{hers} Hers" in text
    assert "Stays with alice, who holds it and is Primary next week: no notice" in text
    assert f'name="keep_{hers}"' not in text
    response = alice.post("/handoff", {"week": "2026-11-16"})
    after = html.unescape(alice.get(response.headers["location"]).text)
    assert (
        "Handoff applied: 0 inquiries handed to alice, 1 already with them, 0 kept by alice."
        in after
    )
    assert "Handed over (0)" in after
    assert f"#{hers} Hers</a>: stays with alice, Fri 20 Nov 16:00" in after
    assert outbox.list_outbox(desk) == []
    assert not [c for c in inquiries.get_inquiry(desk, hers)["comments"] if c["public"]]


def test_a_handoff_that_fails_midway_writes_nothing_not_even_the_keep_choices(
    desk: Desk,
    clock: FixedClock,
    browser: Callable[[str], Browser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The keep choices are written in the handoff's own transaction, so they roll back too."""
    flagged = open_one(desk, "Flagged to keep", "alice")
    inquiries.keep_at_handoff(desk, flagged, True, by="alice")
    loose = open_one(desk, "Loose")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    alice = browser("alice")
    before = state(desk, flagged, loose)
    events = len(records.audit_log(desk))

    def fail(*args: object, **kwargs: object) -> None:
        raise InvalidInput("simulated failure after the handoff moved the inquiries")

    monkeypatch.setattr(shifts, "_notify_handed", fail)
    choices = {"week": "2026-11-16", f"keep_{flagged}": "hand", f"keep_{loose}": "keep"}
    page = alice.post("/handoff", {**choices, "note": "Logs are on the ticket."})
    assert page.status_code == 422
    assert "simulated failure after the handoff moved the inquiries" in page.text
    assert ">\nLogs are on the ticket.</textarea>" in page.text
    assert (choice(page.text, flagged), choice(page.text, loose)) == ("hand", "keep")
    assert state(desk, flagged, loose) == before
    assert len(records.audit_log(desk)) == events
    assert outbox.list_outbox(desk) == []


@pytest.mark.parametrize("handle", ["bob", "dave"])
def test_only_the_outgoing_primary_may_apply_it(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser], handle: str
) -> None:
    mine = open_one(desk, "Alice's", "alice")
    loose = open_one(desk, "Loose")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    before = state(desk, mine, loose)
    other = browser(handle)
    page = other.get("/handoff")
    assert "Read only:" in page.text
    assert "Apply the handoff" not in page.text
    assert '<fieldset class="choice" disabled>' in page.text
    refused = other.post("/handoff", {"week": "2026-11-16", f"keep_{mine}": "keep"})
    assert refused.status_code == 403
    assert "only alice, this week&#39;s Primary, or an admin may apply the handoff" in refused.text
    assert state(desk, mine, loose) == before
    assert outbox.list_outbox(desk) == []


def test_an_admin_may_apply_it_for_the_primary(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    loose = open_one(desk, "Loose")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    response = browser("carol").post("/handoff", {"week": "2026-11-16"})
    assert response.status_code == 303
    assert inquiries.get_inquiry(desk, loose)["assignee"] == "carol"


def test_a_viewer_and_a_forged_post_are_refused(
    desk: Desk, browser: Callable[[str], Browser]
) -> None:
    loose = open_one(desk, "Loose")
    before = state(desk, loose)
    assert browser("val").post("/handoff", {"week": "2026-11-16"}).status_code == 403
    alice = browser("alice")
    forged = alice.client.post("/handoff", data={"week": "2026-11-16"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "the form lacks this session&#39;s CSRF token" in forged.text
    assert state(desk, loose) == before


def test_a_refused_handoff_comes_back_with_the_note_and_choices_as_typed(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    flagged = open_one(desk, "Flagged to keep", "alice")
    inquiries.keep_at_handoff(desk, flagged, True, by="alice")
    loose = open_one(desk, "Loose")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    before = state(desk, flagged, loose)
    note = "Logs are on the ticket & the <mesh> too. " * 50
    typed = {"week": "2026-11-16", f"keep_{flagged}": "hand", f"keep_{loose}": "keep"}
    page = browser("alice").post("/handoff", {**typed, "note": note})
    assert page.status_code == 422
    assert "the note must be at most 2000 characters long" in page.text
    assert f">\n{html.escape(note, quote=False)}</textarea>" in page.text
    assert (choice(page.text, flagged), choice(page.text, loose)) == ("hand", "keep")
    assert state(desk, flagged, loose) == before
    assert outbox.list_outbox(desk) == []


def test_a_page_from_another_week_is_not_applied(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    loose = open_one(desk, "Loose")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    before = state(desk, loose)
    alice = browser("alice")
    page = alice.post("/handoff", {"week": "2026-11-09", "note": "Logs are on the ticket."})
    assert page.status_code == 422
    assert "the week has changed since this page was loaded; review it" in page.text
    assert ">\nLogs are on the ticket.</textarea>" in page.text
    assert state(desk, loose) == before


def test_a_week_with_no_next_shift_says_what_to_do(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    clock.advance(timedelta(weeks=3, days=2, hours=6))  # the last planned week's Friday
    alice = browser("alice")
    page = alice.get("/handoff")
    assert "no shift for the week of 2026-12-14; plan the next week before handing off" in (
        page.text
    )
    assert "Apply the handoff" not in page.text


def open_classified(desk: Desk, title: str) -> int:
    number = inquiries.open_inquiry(
        desk,
        title=title,
        channel="email",
        source="visit-users",
        customers=["u@example.edu"],
        sensitive=True,
    )
    inquiries.assign(desk, number, "alice", by="alice")
    return number


def test_a_classified_inquiry_shows_the_cleared_backup_who_takes_it_and_their_notice(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    """Next week carol is Primary with bob; only bob (and alice, holding it) is cleared."""
    shifts.set_shift(desk, date(2026, 11, 23), "carol", "bob")
    for handle in ("alice", "bob"):
        team.update_member(desk, handle, classified_access=True)
    secret = open_classified(desk, "Secure mesh")
    plain = open_one(desk, "Plain", "alice")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    alice = browser("alice")
    text = " ".join(html.unescape(alice.get("/handoff").text).split())
    assert 'value="hand" checked> Hand to bob (Backup: carol is not cleared for it)' in text
    assert f"#{secret} Secure mesh" in text
    told = "From the week of 2026-11-23, bob (Backup to carol, the Primary) takes over"
    assert text.index("A classified inquiry handed to bob gets this one instead:") < text.index(
        told
    )
    response = alice.post("/handoff", {"week": "2026-11-16"})
    assert response.status_code == 303
    shown = inquiries.get_inquiry(desk, secret)
    assert shown["assignee"] == "bob"
    assert told in shown["comments"][-1]["body"]
    assert inquiries.get_inquiry(desk, plain)["assignee"] == "carol"


def test_a_classified_inquiry_nobody_next_may_take_is_listed_and_can_be_kept(
    desk: Desk, clock: FixedClock, browser: Callable[[str], Browser]
) -> None:
    """Next week is carol's with dave; neither is cleared, so the handoff would unassign it."""
    shifts.set_shift(desk, date(2026, 11, 23), "carol", "dave")
    team.update_member(desk, "alice", classified_access=True)
    secret = open_classified(desk, "Secure mesh")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00
    alice = browser("alice")
    page = alice.get("/handoff")
    text = " ".join(html.unescape(page.text).split())
    assert "Unresolved inquiries (1)" in text
    assert "Leave unassigned: nobody on duty next is cleared for it" in text
    assert choice(page.text, secret) == "hand"
    response = alice.post("/handoff", {"week": "2026-11-16", f"keep_{secret}": "keep"})
    assert response.status_code == 303
    shown = inquiries.get_inquiry(desk, secret)
    assert shown["assignee"] == "alice"
    assert shown["handoffs"][-1]["kept_by_previous"]
    assert not [c for c in shown["comments"] if c["public"]]
