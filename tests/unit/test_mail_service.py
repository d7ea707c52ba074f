"""The mail gateway's services on the in-memory desk: intake, threading, merges, outbound."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings

from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.core.errors import InvalidTransition, NotSetUp
from sredesk.services import inquiries, mail, outbox, team
from sredesk.services.desk import Desk
from sredesk.services.mail import Arrival
from sredesk.services.mail_outbound import mail_publisher, queue_notifications
from tests.conftest import NOW, populate
from tests.mailfactory import DESK, LIST, SETTINGS, ancestry, list_message, message, mid, threads

VIA_LIST = Arrival(list_name=LIST.name)


@pytest.fixture
def desk(memory_desk: Desk) -> Desk:
    memory_desk.publishers.append(mail_publisher(SETTINGS))
    return memory_desk


def take(desk: Desk, raw: bytes, arrival: Arrival = VIA_LIST) -> mail.Outcome:
    return mail.ingest(desk, raw, settings=SETTINGS, arrival=arrival)


def test_a_new_list_thread_opens_an_inquiry_without_acknowledging(desk: Desk) -> None:
    outcome = take(desk, list_message(mid(1), subject="[visit-users] Crash on launch"))
    assert outcome.status == "created"
    shown = inquiries.get_inquiry(desk, outcome.inquiry or 0)
    assert (shown["channel"], shown["source"], shown["title"]) == (
        "email",
        "visit-users",
        "Crash on launch",
    )
    assert shown["customers"] == ["user@uni.example.edu"]
    assert shown["message_ids"] == [mid(1)]
    assert shown["assignee"] == "alice"
    assert shown["comments"][0]["author"] == "user@uni.example.edu"
    assert outbox.list_outbox(desk) == []  # list mail: no acknowledgement


def test_direct_mail_is_acknowledged_through_the_outbox(desk: Desk) -> None:
    outcome = take(desk, message(mid(1)), Arrival())
    queued = outbox.list_outbox(desk, inquiry_number=outcome.inquiry)
    assert [q["kind"] for q in queued] == ["acknowledgement"]
    shown = inquiries.get_inquiry(desk, outcome.inquiry or 0)
    assert shown["first_response_at"] is None  # an automatic answer is not a response
    with desk.unit_of_work() as uow:
        payload = uow.outbox.list()[0].payload
    assert payload["to"] == ["user@uni.example.edu"]
    assert payload["in_reply_to"] == mid(1)
    assert payload["auto_submitted"] == "auto-replied"
    assert SETTINGS.signer.verify_address(payload["reply_to"]) == outcome.inquiry
    assert payload["message_id"] in shown["message_ids"]


def test_replies_join_by_in_reply_to_references_and_referenced_only_ids(desk: Desk) -> None:
    first = take(desk, list_message(mid(1), references=[mid(0)])).inquiry
    assert take(desk, list_message(mid(2), in_reply_to=mid(1))).inquiry == first
    # It answers a message the desk never received, only saw referenced.
    joined = take(desk, list_message(mid(3), sender="other@lab.gov", in_reply_to=mid(0)))
    assert (joined.status, joined.inquiry) == ("threaded", first)
    shown = inquiries.get_inquiry(desk, first or 0)
    assert shown["customers"] == ["user@uni.example.edu", "other@lab.gov"]
    assert set(shown["message_ids"]) == {mid(0), mid(1), mid(2), mid(3)}


def test_a_message_linking_two_inquiries_merges_them_with_an_audit_event(desk: Desk) -> None:
    a = take(desk, list_message(mid(1))).inquiry
    b = take(desk, list_message(mid(2), sender="b@lab.gov", in_reply_to=mid(9))).inquiry
    assert a != b
    outcome = take(desk, list_message(mid(9), sender="c@lab.gov", references=[mid(1)]))
    assert (outcome.inquiry, outcome.merged) == (a, (b,))
    merged = inquiries.get_inquiry(desk, a or 0)
    assert {mid(1), mid(2), mid(9)} <= set(merged["message_ids"])
    assert len([c for c in merged["comments"] if c["public"]]) == 3
    shell = inquiries.get_inquiry(desk, b or 0)
    assert shell["state"] == "closed"
    assert shell["message_ids"] == []
    with desk.unit_of_work() as uow:
        actions = [e.action for e in uow.audit.list(inquiry_number=a)]
        assert "inquiry.merged" in actions
        assert uow.mail.aliases() == {b: a}
    # The merged inquiry's tag now leads to the one it was merged into.
    tagged = take(desk, message(mid(10), sender="b@lab.gov", subject=f"Re: x [sredesk #{b}]"))
    assert tagged.inquiry == a


def classified(desk: Desk, message_id: str, *, title: str) -> int:
    """A classified inquiry opened from a customer's mail, as a call taker records it."""
    return inquiries.open_inquiry(
        desk,
        title=title,
        channel="email",
        source="hotline",
        sensitive=True,
        message_id=message_id,
    )


def test_a_thread_merged_into_a_classified_inquiry_is_hidden_with_it(desk: Desk) -> None:
    """A classified inquiry opened from a customer's mail, then a list thread that turns out
    to be the same conversation: a reader without clearance sees neither, nor the number."""
    secret = classified(desk, mid(1), title="Secure mesh")
    public = take(desk, list_message(mid(2))).inquiry or 0
    assert not inquiries.get_inquiry(desk, public)["sensitive"]
    outcome = take(desk, list_message(mid(3), references=[mid(1), mid(2)]))
    assert (outcome.inquiry, outcome.merged) == (secret, (public,))
    shell = inquiries.get_inquiry(desk, public)
    assert (shell["state"], shell["sensitive"]) == ("closed", True)
    assert inquiries.get_inquiry(desk, secret)["sensitive"]
    # Merged the other way round (the public thread older), the whole is classified too.
    older = take(desk, list_message(mid(4))).inquiry or 0
    newer = classified(desk, mid(5), title="Secure")
    assert take(desk, list_message(mid(6), references=[mid(4), mid(5)])).merged == (newer,)
    merged = inquiries.get_inquiry(desk, older)
    assert merged["sensitive"]
    assert inquiries.get_inquiry(desk, newer)["sensitive"]
    # alice held the list thread, but nobody on duty is cleared: it waits for one who is.
    assert merged["assignee"] is None
    # One note from the classified inquiry's intake, one from the merge.
    notes = [c for c in merged["comments"] if "Nobody on duty" in c["body"]]
    assert len(notes) == 2
    assert all(n["body"].startswith("Nobody on duty (alice, bob) is cleared") for n in notes)
    assert not any(n["public"] for n in notes)


def test_a_merge_that_makes_an_inquiry_classified_gives_it_to_a_cleared_member(
    desk: Desk,
) -> None:
    """alice is Primary, bob Backup; only bob is cleared."""
    team.update_member(desk, "bob", classified_access=True)
    older = take(desk, list_message(mid(1))).inquiry or 0
    assert inquiries.get_inquiry(desk, older)["assignee"] == "alice"
    newer = classified(desk, mid(2), title="Secure")
    assert inquiries.get_inquiry(desk, newer)["assignee"] == "bob"
    assert take(desk, list_message(mid(3), references=[mid(1), mid(2)])).merged == (newer,)
    merged = inquiries.get_inquiry(desk, older)
    assert (merged["sensitive"], merged["assignee"]) == (True, "bob")


def test_a_cross_posted_message_is_stored_once(desk: Desk) -> None:
    first = take(desk, list_message(mid(1)))
    again = take(desk, list_message(mid(1)), Arrival(list_name="visit-help-asc"))
    assert (again.status, again.inquiry) == ("duplicate", first.inquiry)
    with desk.unit_of_work() as uow:
        (stored,) = uow.mail.list()
        assert stored.lists == ["visit-users", "visit-help-asc"]


def test_the_reply_token_places_a_reply_without_references(desk: Desk) -> None:
    n = take(desk, list_message(mid(1))).inquiry or 0
    token = SETTINGS.signer.reply_address(n)
    assert take(desk, message(mid(2), sender="new@x.org", to=[token]), Arrival()).inquiry == n
    forged = token.replace(f"+{n}.", f"+{n}.0")
    assert take(desk, message(mid(3), sender="new@x.org", to=[forged]), Arrival()).inquiry != n


def test_a_subject_tag_counts_only_from_someone_on_the_inquiry_or_its_list(desk: Desk) -> None:
    n = take(desk, list_message(mid(1))).inquiry or 0
    subject = f"[visit-users] Re: Fwd: [sredesk #{n}] Crash"
    stranger = take(desk, message(mid(2), sender="x@evil.example", subject=subject), Arrival())
    assert stranger.status == "created"
    assert stranger.inquiry != n
    customer = take(desk, message(mid(3), subject=subject), Arrival())
    assert customer.inquiry == n
    on_list = take(desk, list_message(mid(4), sender="y@lab.gov", subject=subject))
    assert on_list.inquiry == n
    member = take(desk, message(mid(5), sender="bob@example.org", subject=subject), Arrival())
    assert member.inquiry == n


def test_the_same_subject_alone_never_joins(desk: Desk) -> None:
    numbers = {take(desk, list_message(mid(i), subject="Re: Crash")).inquiry for i in range(3)}
    assert len(numbers) == 3


def test_a_members_mail_is_a_member_reply_relayed_only_when_sent_directly(desk: Desk) -> None:
    n = take(desk, list_message(mid(1))).inquiry or 0
    take(desk, list_message(mid(2), sender="Bob <BOB@example.org>", in_reply_to=mid(1)))
    shown = inquiries.get_inquiry(desk, n)
    assert shown["comments"][-1]["author"] == "bob"
    assert shown["state"] == "responded"
    assert shown["first_response_at"] is not None
    assert outbox.list_outbox(desk) == []  # the list carried it to everyone
    token = SETTINGS.signer.reply_address(n)
    take(desk, message(mid(3), sender="bob@example.org", to=[token]), Arrival())
    assert [q["kind"] for q in outbox.list_outbox(desk)] == ["reply"]


def test_a_list_that_rewrites_from_still_credits_the_author(desk: Desk) -> None:
    munged = {"Reply-To": "Alice <alice@example.org>", "X-Original-From": "carol@lab.gov"}
    raw = list_message(mid(1), sender=f"Carol via visit-users <{LIST.address}>", headers=munged)
    n = take(desk, raw).inquiry or 0
    assert inquiries.get_inquiry(desk, n)["customers"] == ["carol@lab.gov"]
    reply = list_message(
        mid(2),
        sender=f"Alice via visit-users <{LIST.address}>",
        in_reply_to=mid(1),
        headers={"Reply-To": "alice@example.org"},
    )
    take(desk, reply)
    assert inquiries.get_inquiry(desk, n)["comments"][-1]["author"] == "alice"


def test_a_list_that_rewrites_from_and_replies_to_itself_credits_the_author_in_cc(
    desk: Desk,
) -> None:
    """Mailman's DMARC mitigation with replies to the list: the author is only in Cc."""
    outcomes = []
    for i in range(8):
        munged = {"Reply-To": LIST.address, "Cc": f"Person {i} <person{i}@uni.example.edu>"}
        raw = list_message(
            mid(i), sender=f"Person {i} via visit-users <{LIST.address}>", headers=munged
        )
        outcomes.append(take(desk, raw, Arrival()))
    assert [o.status for o in outcomes] == ["created"] * 8, "none is held as one sender's burst"
    customers = [inquiries.get_inquiry(desk, o.inquiry or 0)["customers"] for o in outcomes]
    assert customers == [[f"person{i}@uni.example.edu"] for i in range(8)]
    # Two others in Cc: the author cannot be told, so the list stays the sender.
    crowd = {"Reply-To": LIST.address, "Cc": "a@uni.example.edu, b@uni.example.edu"}
    raw = list_message(mid(9), sender=f"Someone via visit-users <{LIST.address}>", headers=crowd)
    unknown = take(desk, raw, Arrival())
    assert inquiries.get_inquiry(desk, unknown.inquiry or 0)["customers"] == [LIST.address]


def test_list_mail_delivered_to_the_desk_belongs_to_its_list(desk: Desk) -> None:
    """The desk subscribed to the list gets its copy at its own address; a customer may copy
    the desk directly. Either way the thread is the list's, and replies go to the list."""
    subscribed = take(desk, list_message(mid(1)), mail.arrival_for(SETTINGS, [DESK]))
    direct = message(mid(2), to=[LIST.address, DESK], subject="Another question")
    copied = take(desk, direct, mail.arrival_for(SETTINGS, [DESK]))
    assert [subscribed.status, copied.status] == ["created", "created"]
    for outcome in (subscribed, copied):
        assert inquiries.get_inquiry(desk, outcome.inquiry or 0)["source"] == LIST.name
    assert outbox.list_outbox(desk) == [], "list mail is not acknowledged"
    inquiries.reply(desk, copied.inquiry or 0, "Try 3.4.1.", by="alice")
    with desk.unit_of_work() as uow:
        (sent,) = uow.outbox.list()
    assert LIST.address in sent.payload["to"]
    # A tagged reply on the list from someone new joins: the tag came through its list.
    tag = f"Re: [sredesk #{subscribed.inquiry}] VisIt crashes on launch"
    newcomer = list_message(mid(3), sender="new@uni.example.edu", subject=tag)
    joined = take(desk, newcomer, mail.arrival_for(SETTINGS, [DESK]))
    assert (joined.status, joined.inquiry) == ("threaded", subscribed.inquiry)


def test_machine_mail_and_the_desks_own_mail_are_ignored(desk: Desk) -> None:
    auto = take(desk, message(mid(1), headers={"Auto-Submitted": "auto-replied"}), Arrival())
    bounce = take(desk, message(mid(2), sender="mailer-daemon@mx.example.org"), Arrival())
    own_id = SETTINGS.signer.message_id(1, "c1")
    own = take(desk, list_message(own_id, sender=DESK))
    assert [auto.status, bounce.status, own.status] == ["ignored"] * 3
    assert "own message" in own.reason
    assert inquiries.list_inquiries(desk) == []


def test_a_burst_from_one_sender_is_held_not_answered_and_can_be_released(
    desk: Desk, clock: FixedClock
) -> None:
    outcomes = [take(desk, message(mid(i), subject=f"Loop {i}"), Arrival()) for i in range(7)]
    assert [o.status for o in outcomes] == ["created"] * 5 + ["held"] * 2
    assert len(outbox.list_outbox(desk)) == 5  # the held ones are not answered
    held = [q for q in mail.quarantine(desk) if q["outcome"] == "held"]
    assert len(held) == 2
    assert "held" in held[0]["reason"]
    released = mail.release(desk, held[0]["id"], settings=SETTINGS, by="alice")
    assert released.status == "created"
    with pytest.raises(InvalidTransition):
        mail.release(desk, held[0]["id"], settings=SETTINGS, by="alice")
    clock.advance(timedelta(minutes=11))
    assert take(desk, message(mid(99)), Arrival()).status == "created"
    # On its list, the same person's eight posts (a discussion, or a folder the poller
    # catches up on) are all taken in: the desk answers no list mail, so nothing can loop.
    posts = [take(desk, list_message(mid(200 + i), subject=f"Topic {i}")) for i in range(8)]
    assert [o.status for o in posts] == ["created"] * 8


def test_unusable_messages_are_quarantined_with_the_reason(desk: Desk) -> None:
    no_sender = take(desk, b"Message-ID: <q1@x>\r\nSubject: hi\r\n\r\nbody\r\n")
    empty = take(desk, message(mid(2), body="   "))
    assert [no_sender.status, empty.status] == ["quarantined", "quarantined"]
    listed = mail.quarantine(desk)
    assert [q["reason"] for q in listed] == [
        "no sender address: the message cannot be attributed",
        "no text and no attachment",
    ]


def test_mail_that_is_only_an_attachment_over_the_limit_says_so_and_can_be_released(
    desk: Desk,
) -> None:
    core = EmailMessage()
    core["From"], core["Message-ID"], core["Subject"] = "u@x.edu", mid(1), "core dump"
    core.add_attachment(
        bytes(5000), maintype="application", subtype="octet-stream", filename="core"
    )
    small = dataclasses.replace(SETTINGS, attachment_limit=1000)
    held = mail.ingest(desk, core.as_bytes(), settings=small, arrival=Arrival())
    assert (held.status, held.reason) == (
        "quarantined",
        "no text, and attachment 'core' (5000 bytes) is over the 1000-byte limit; "
        "raise mail.attachment_limit_mb to take it",
    )
    (row,) = mail.quarantine(desk)
    taken = mail.release(desk, row["id"], settings=SETTINGS, by="alice")
    assert taken.status == "created"
    (stored,) = inquiries.get_inquiry(desk, taken.inquiry or 0)["attachments"]
    assert (stored["filename"], stored["size"]) == ("core", 5000)


def test_a_desk_without_a_team_refuses_mail_and_keeps_none_of_it(clock: FixedClock) -> None:
    """The message stays with whoever delivered it; it is not quarantined for the desk's state."""
    store = MemoryStore()
    bare = Desk(unit_of_work=store.unit_of_work, clock=clock)
    with pytest.raises(NotSetUp, match=r"^the desk has no team yet; run 'sredesk init'$"):
        take(bare, list_message(mid(1)))
    with pytest.raises(NotSetUp):
        mail.ingest_many(bare, [list_message(mid(2))], settings=SETTINGS, arrival=VIA_LIST)
    assert mail.quarantine(bare) == []
    populate(bare)
    assert take(bare, list_message(mid(1))).status == "created"


def test_a_quarantined_message_can_be_taken_in_again(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One the intake failed on goes through once the cause is gone; an unusable one stays."""
    from sredesk.services.mail_intake import Intake

    def failing(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug in the intake\nwith a second line")

    with monkeypatch.context() as patched:
        patched.setattr(Intake, "_thread", failing)
        failed = take(desk, list_message(mid(1)))
    empty = take(desk, message(mid(2), body="   "))
    assert [failed.status, empty.status] == ["quarantined", "quarantined"]
    rows = {q["message_id"]: q for q in mail.quarantine(desk)}
    assert rows[mid(1)]["reason"] == "the intake failed: RuntimeError: a bug in the intake"
    again = mail.release(desk, rows[mid(1)]["id"], settings=SETTINGS, by="alice")
    assert (again.status, again.inquiry) == ("created", 1)
    still = mail.release(desk, rows[mid(2)]["id"], settings=SETTINGS, by="alice")
    assert (still.status, still.reason) == ("quarantined", "no text and no attachment")
    with pytest.raises(InvalidTransition, match="only held or quarantined messages"):
        mail.release(desk, rows[mid(1)]["id"], settings=SETTINGS, by="alice")


def test_a_whole_copy_after_a_stripped_one_is_taken_in(desk: Desk) -> None:
    """A cross-post: one list stripped the text (HTML filtered out), the other did not."""
    stripped = take(desk, list_message(mid(1), body=" "))
    assert stripped.status == "quarantined"
    whole = take(desk, message(mid(1), to=["visit-help@lists.example.org"]), Arrival("visit-help"))
    assert whole.status == "created"
    assert mail.quarantine(desk) == []
    shown = inquiries.get_inquiry(desk, whole.inquiry or 0)
    assert shown["comments"][0]["body"] == "It crashes when I open a Silo file."
    with desk.unit_of_work() as uow:
        stored = uow.mail.get(mid(1))
        assert stored is not None
        assert (stored.outcome, stored.lists) == ("imported", [LIST.name, "visit-help"])
    # A third copy is a duplicate, as before.
    assert take(desk, list_message(mid(1))).status == "duplicate"


def test_a_reply_to_a_quarantined_message_joins_the_thread_it_answered(desk: Desk) -> None:
    """B (empty) is quarantined; C answers B alone, as In-Reply-To-only clients do."""
    a = take(desk, list_message(mid(1)))
    b = take(desk, list_message(mid(2), body=" ", in_reply_to=mid(1)))
    c = take(desk, list_message(mid(3), body="Any news?", in_reply_to=mid(2)))
    assert [a.status, b.status, c.status] == ["created", "quarantined", "threaded"]
    assert c.inquiry == a.inquiry
    assert inquiries.get_inquiry(desk, a.inquiry or 0)["message_ids"] == [mid(1), mid(3), mid(2)]
    # F answers E, quarantined too, which answered B: the thread goes on through E's links.
    take(desk, list_message(mid(5), body=" ", in_reply_to=mid(2)))
    assert take(desk, list_message(mid(6), in_reply_to=mid(5))).inquiry == a.inquiry


def test_a_parent_arriving_after_its_quarantined_reply_still_gathers_the_thread(
    desk: Desk,
) -> None:
    ignored = {"Auto-Submitted": "auto-replied"}
    b = take(desk, list_message(mid(2), in_reply_to=mid(1), headers=ignored))
    a = take(desk, list_message(mid(1)))
    c = take(desk, list_message(mid(3), in_reply_to=mid(2)))
    assert [b.status, a.status, c.status] == ["ignored", "created", "threaded"]
    assert c.inquiry == a.inquiry


def test_a_quarantined_message_arriving_last_joins_its_reply_and_parent_threads(
    desk: Desk,
) -> None:
    """C answers B, which answers A; B (empty) comes last and proves A and C one thread."""
    c = take(desk, list_message(mid(3), sender="c@lab.gov", in_reply_to=mid(2)))
    a = take(desk, list_message(mid(1)))
    assert c.inquiry != a.inquiry
    b = take(desk, list_message(mid(2), body=" ", in_reply_to=mid(1)))
    assert b.status == "quarantined"
    # The older inquiry takes the other in.
    shown = inquiries.get_inquiry(desk, c.inquiry or 0)
    assert set(shown["message_ids"]) == {mid(1), mid(2), mid(3)}
    assert [i["number"] for i in inquiries.list_inquiries(desk) if i["state"] != "closed"] == [
        c.inquiry
    ]


def test_an_ignored_message_passes_on_the_ids_it_names_to_its_thread(desk: Desk) -> None:
    """C answers B; B (an auto-reply) answers A, unseen; D answers A alone: one thread."""
    ignored = {"Auto-Submitted": "auto-replied"}
    c = take(desk, list_message(mid(3), in_reply_to=mid(2)))
    take(desk, list_message(mid(2), in_reply_to=mid(1), headers=ignored))
    d = take(desk, list_message(mid(4), sender="d@lab.gov", in_reply_to=mid(1)))
    assert (d.status, d.inquiry) == ("threaded", c.inquiry)


def test_attachments_are_stored_private_with_the_comment(desk: Desk) -> None:
    mail_message = EmailMessage()
    mail_message["From"], mail_message["Message-ID"] = "u@x.edu", mid(1)
    mail_message["Subject"] = "logs"
    mail_message.set_content("See the log.")
    mail_message.add_attachment(b"trace", maintype="text", subtype="plain", filename="../a b.log")
    n = take(desk, mail_message.as_bytes()).inquiry or 0
    shown = inquiries.get_inquiry(desk, n)
    (attachment,) = shown["attachments"]
    assert attachment["filename"] == "_a b.log"
    assert attachment["world_readable"] is False


def test_sensitive_inquiries_never_go_to_a_list(desk: Desk) -> None:
    n = take(desk, list_message(mid(1))).inquiry or 0
    with desk.unit_of_work() as uow:
        uow.inquiries.get(n).sensitive = True
        uow.commit()
    inquiries.reply(desk, n, "Classified answer", by="alice")
    assert outbox.list_outbox(desk) == []  # not configured: nobody gets mail
    store = MemoryStore()
    sensitive_desk = Desk(unit_of_work=store.unit_of_work, clock=FixedClock(NOW))
    populate(sensitive_desk)
    allowed = SETTINGS.__class__(**{**SETTINGS.__dict__, "sensitive_mail": True})
    sensitive_desk.publishers.append(mail_publisher(allowed))
    m = mail.ingest(sensitive_desk, list_message(mid(1)), settings=allowed, arrival=VIA_LIST)
    with sensitive_desk.unit_of_work() as uow:
        uow.inquiries.get(m.inquiry or 0).sensitive = True
        uow.commit()
    inquiries.reply(sensitive_desk, m.inquiry or 0, "Classified answer", by="alice")
    with sensitive_desk.unit_of_work() as uow:
        (queued,) = uow.outbox.list()
    assert queued.payload["to"] == ["user@uni.example.edu"]
    assert queued.payload["cc"] == ["alice@example.org"]
    assert LIST.address not in queued.payload["to"] + queued.payload["cc"]
    # A list that hid its author (two people in Cc) leaves its own address as the writer:
    # it is among the customers now, and still gets nothing of a sensitive inquiry.
    hidden = {"Reply-To": LIST.address, "Cc": "a@uni.example.edu, b@uni.example.edu"}
    munged = list_message(
        mid(2), sender=f"Bob via visit-users <{LIST.address}>", in_reply_to=mid(1), headers=hidden
    )
    mail.ingest(sensitive_desk, munged, settings=allowed, arrival=VIA_LIST)
    assert LIST.address in inquiries.get_inquiry(sensitive_desk, m.inquiry or 0)["customers"]
    inquiries.reply(sensitive_desk, m.inquiry or 0, "Still classified", by="alice")
    with sensitive_desk.unit_of_work() as uow:
        sent = uow.outbox.list()[-1]
    assert LIST.address not in sent.payload["to"] + sent.payload["cc"]
    assert sent.payload["to"] == ["user@uni.example.edu"]


def test_replies_thread_under_the_conversation_and_notes_stay_inside(desk: Desk) -> None:
    n = take(desk, list_message(mid(1))).inquiry or 0
    take(desk, list_message(mid(2), in_reply_to=mid(1)))
    inquiries.note(desk, n, "internal only", by="alice")
    inquiries.reply(desk, n, "Try 3.4.1", by="alice")
    with desk.unit_of_work() as uow:
        (queued,) = uow.outbox.list()
    payload = queued.payload
    assert payload["to"] == [LIST.address]
    assert payload["cc"] == ["user@uni.example.edu"]
    assert payload["in_reply_to"] == mid(2)
    assert payload["references"] == [SETTINGS.signer.pseudo_reference(n), mid(1), mid(2)]
    assert payload["subject"] == f"Re: VisIt crashes on launch [sredesk #{n}]"
    assert "internal only" not in payload["body"]
    # A reply to the desk's message, with no other link, finds the inquiry.
    answer = take(desk, message(mid(3), sender="z@x.org", in_reply_to=payload["message_id"]))
    assert answer.inquiry == n


def test_member_notifications_are_queued_once_each(desk: Desk) -> None:
    n = take(desk, list_message(mid(1))).inquiry or 0
    from sredesk.services import escalations

    escalations.escalate(desk, n, by="alice", note="help?")
    assert queue_notifications(desk, SETTINGS) == 1
    assert queue_notifications(desk, SETTINGS) == 0
    with desk.unit_of_work() as uow:
        (queued,) = uow.outbox.list()
    assert queued.kind == "notification"
    assert queued.payload["to"] == ["bob@example.org"]


@pytest.mark.parametrize("producer", ["escalation", "answer", "clock"])
def test_a_notification_on_a_classified_inquiry_is_mailed_without_its_text(
    desk: Desk, producer: str
) -> None:
    from sredesk.services import escalations
    from sredesk.services.desk import notify

    team.update_member(desk, "bob", classified_access=True)  # bob is asked for help
    n = inquiries.open_inquiry(
        desk, title="Mesh file from site X fails", channel="hotline", source="line", sensitive=True
    )
    secret = "the secure mesh file from site X fails"
    escalation = escalations.escalate(desk, n, by="alice", note=secret)
    if producer == "answer":
        escalations.answer(desk, n, escalation, "declined", by="bob", note=secret)
    elif producer == "clock":
        with desk.unit_of_work() as uow:
            subject = f"[sredesk #{n}] {secret}"
            notify(uow, "alice", subject, secret, kind="clock", now=NOW, inquiry_number=n)
            uow.commit()
    queue_notifications(desk, SETTINGS)
    with desk.unit_of_work() as uow:
        mailed = [m.payload for m in uow.outbox.list() if m.kind == "notification"]
    assert mailed
    for payload in mailed:
        text = payload["subject"] + payload["body"]
        assert "site X" not in text
        assert "Mesh" not in text
        assert f"#{n}" in payload["subject"]
        assert "Open the desk" in payload["body"]
    # The desk's own list keeps the detail for the members who may read it.
    with desk.unit_of_work() as uow:
        assert any(secret in x.body for x in uow.notifications.list())


def test_sensitive_mail_lets_a_classified_notification_out_whole(desk: Desk) -> None:
    from dataclasses import replace

    from sredesk.services import escalations

    team.update_member(desk, "bob", classified_access=True)  # bob is asked for help
    n = inquiries.open_inquiry(
        desk, title="Mesh file from site X fails", channel="hotline", source="line", sensitive=True
    )
    escalations.escalate(desk, n, by="alice", note="the mesh file")
    queue_notifications(desk, replace(SETTINGS, sensitive_mail=True))
    with desk.unit_of_work() as uow:
        (queued,) = uow.outbox.list()
    with desk.unit_of_work() as uow:
        (notification,) = uow.notifications.list()
    assert queued.payload["subject"] == notification.subject
    assert queued.payload["body"] == notification.body == "the mesh file"


def test_a_members_answer_to_a_notification_stays_an_internal_note(desk: Desk) -> None:
    """bob answers the escalation mail: his words are for the desk, not the list."""
    from sredesk.services import escalations

    n = take(desk, list_message(mid(1))).inquiry or 0
    escalations.escalate(desk, n, by="alice", note="Their licence expired?")
    queue_notifications(desk, SETTINGS)
    with desk.unit_of_work() as uow:
        (notification,) = uow.outbox.list()
    sent_id = notification.payload["message_id"]
    assert SETTINGS.signer.is_notification(sent_id)
    assert not SETTINGS.signer.is_notification(SETTINGS.signer.pseudo_reference(n))
    answer = message(
        mid(2),
        sender="bob@example.org",
        body="Yes, it expired in May; do not tell them yet.",
        in_reply_to=sent_id,
    )
    outcome = take(desk, answer, Arrival())
    assert (outcome.status, outcome.inquiry) == ("threaded", n)
    shown = inquiries.get_inquiry(desk, n)
    last = shown["comments"][-1]
    assert (last["author"], last["public"]) == ("bob", False)
    assert shown["first_response_at"] is None, "a note to the desk is no response"
    assert [q["kind"] for q in outbox.list_outbox(desk)] == ["notification"]
    # The same answer sent to the list reached everyone: there it is a reply like any other.
    on_list = list_message(mid(3), sender="bob@example.org", in_reply_to=sent_id)
    take(desk, on_list)
    assert inquiries.get_inquiry(desk, n)["comments"][-1]["public"] is True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(threads(max_size=6))
def test_any_arrival_order_ends_in_one_inquiry(
    arrivals: list[tuple[int, int | None, bool]],
) -> None:
    store = MemoryStore()
    desk = Desk(unit_of_work=store.unit_of_work, clock=FixedClock(NOW))
    populate(desk)
    parents = {i: p for i, p, _ in arrivals}
    for i, parent, full in arrivals:
        raw = list_message(
            mid(i),
            subject=f"Re: part {i}",
            sender=f"user{i}@uni.example.edu",
            in_reply_to=mid(parent) if parent is not None else None,
            references=[mid(a) for a in ancestry(i, parents)] if full else [],
        )
        assert take(desk, raw).status in ("created", "threaded")
    holding = {i["number"] for i in inquiries.list_inquiries(desk) if i["state"] != "closed"}
    assert len(holding) == 1
    (number,) = holding
    ids = set(inquiries.get_inquiry(desk, number)["message_ids"])
    assert {mid(i) for i, _, _ in arrivals} <= ids
