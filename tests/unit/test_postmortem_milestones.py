"""The postmortem draft's milestones include what happened on GitHub, promotions and merges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sredesk.core.model import AuditEvent
from sredesk.core.postmortem import milestones_from
from sredesk.services import effort, escalations, inquiries, mail, postmortems
from sredesk.services.desk import Desk
from sredesk.services.mail import Arrival
from tests.mailfactory import LIST, SETTINGS, list_message, mid

T0 = datetime(2026, 11, 18, 16, tzinfo=UTC)


def event(minutes: int, action: str, actor: str, **changed: tuple[Any, Any]) -> AuditEvent:
    return AuditEvent(
        at=T0 + timedelta(minutes=minutes),
        actor=actor,
        action=action,
        inquiry_number=1,
        before={k: v[0] for k, v in changed.items()},
        after={k: v[1] for k, v in changed.items()},
    )


def test_state_changes_from_github_and_promotions_are_milestones() -> None:
    events = [
        event(0, "inquiry.created", "github:Codertocat"),
        event(10, "inquiry.resolved", "alice", state=("new", "resolved")),
        event(20, "github.issues.reopened", "github:Codertocat", state=("resolved", "new")),
        event(30, "github.issue_comment.created", "github:Codertocat", comments=(1, 2)),
        event(40, "github.issues.closed", "github:Codertocat", state=("new", "resolved")),
        event(50, "github.issue_comment.created", "github:x", state=("resolved", "responded")),
        event(
            60,
            "inquiry.promoted",
            "alice",
            state=("responded", "resolved"),
            issue=(None, "https://github.com/visit-dav/visit/issues/9"),
        ),
        event(70, "github.issues.labeled", "github:x", labels=([], ["bug"])),
    ]
    assert milestones_from(events).splitlines() == [
        "- 2026-11-18T16:00+00:00 opened (github:Codertocat)",
        "- 2026-11-18T16:10+00:00 resolved (alice)",
        "- 2026-11-18T16:20+00:00 reopened from GitHub (github:Codertocat)",
        "- 2026-11-18T16:40+00:00 resolved on GitHub (github:Codertocat)",
        "- 2026-11-18T16:50+00:00 reopened from GitHub (github:x)",
        "- 2026-11-18T17:00+00:00 promoted to https://github.com/visit-dav/visit/issues/9 (alice)",
    ]


def test_a_merged_inquirys_draft_holds_the_records_of_what_was_merged_into_it(
    memory_desk: Desk,
) -> None:
    desk = memory_desk
    a = ingest(desk, list_message(mid(1))).inquiry or 0
    b = ingest(desk, list_message(mid(2), sender="b@lab.gov", in_reply_to=mid(9))).inquiry or 0
    escalations.escalate(desk, b, by="alice", note="Seen this one?")
    ingest(desk, list_message(mid(9), sender="c@lab.gov", references=[mid(1)]))
    assert inquiries.get_inquiry(desk, b)["state"] == "closed"
    effort.log_effort(desk, by="bob", minutes=30, inquiry_number=b)  # logged on the old number
    draft = postmortems.draft(desk, a)
    assert "escalated to bob (alice)" in draft["milestones"]
    assert draft["milestones"].count(" opened (") == 2
    assert "- bob: 0.5 h" in draft["resources"]


def ingest(desk: Desk, raw: bytes) -> mail.Outcome:
    return mail.ingest(desk, raw, settings=SETTINGS, arrival=Arrival(list_name=LIST.name))
