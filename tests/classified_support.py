"""Give tests a desk with one classified inquiry whose every record holds the word "zircon"."""

from __future__ import annotations

from dataclasses import dataclass

from sredesk.core.postmortem import PostmortemDraft
from sredesk.services import effort, escalations, inquiries, postmortems, team
from sredesk.services.desk import Desk

# In the classified inquiry's title, text, customer, list, attachment, notes and postmortem,
# and nowhere else: a response that holds it shows something of that inquiry.
SECRET = "zircon"


@dataclass(frozen=True)
class Seeded:
    public: int
    classified: int
    attachment: int
    # A number past both, so that it names no inquiry at all.
    missing: int


def seed_classified(desk: Desk) -> Seeded:
    """An ordinary inquiry, then a classified one held by alice with a record of every kind.

    alice, this week's Primary, bob, her Backup, and carol, the next Primary, are cleared for
    classified inquiries: it goes to them as any inquiry would.
    """
    for handle in ("alice", "bob", "carol"):
        team.update_member(desk, handle, classified_access=True)
    public = inquiries.open_inquiry(
        desk,
        title="Slow render",
        channel="email",
        source="visit-users",
        customers=["u@example.edu"],
        body="Rendering takes minutes.",
    )
    classified = inquiries.open_inquiry(
        desk,
        title="Zircon solver hangs",
        channel="email",
        source="zircon-users",
        customers=["zircon-lead@lab.example"],
        body="The zircon run hangs at step 3.",
        sensitive=True,
    )
    inquiries.note(desk, classified, "Zircon note: ask about the mesh.", by="alice")
    attachment = inquiries.attach(
        desk,
        classified,
        filename="zircon-trace.txt",
        content_type="text/plain",
        content=b"zircon stack trace",
        by="alice",
    )
    inquiries.approve_attachment(desk, classified, attachment, by="alice")
    effort.log_effort(
        desk, by="alice", minutes=45, note="Zircon debugging", inquiry_number=classified
    )
    effort.log_effort(desk, by="bob", minutes=30, note="Desk triage")
    # The escalation notifies bob with the inquiry's title.
    escalations.escalate(desk, classified, by="alice", note="Zircon help, please")
    inquiries.mark_serious(desk, classified, True, by="alice")
    text = PostmortemDraft(
        what_happened="The zircon solver hung.",
        why="A deadlock.",
        resources="45 min",
        milestones="Reported, fixed.",
        recommendations="Test zircon meshes.",
    )
    postmortems.write(desk, classified, text, by="alice")
    return Seeded(public, classified, attachment, missing=classified + 100)


def shows_secret(text: str) -> bool:
    return SECRET in text.lower()
