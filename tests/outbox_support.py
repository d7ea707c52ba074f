"""Queue public comments in the outbox as the mail channel does, for tests of what goes out."""

from __future__ import annotations

from datetime import datetime

from sredesk.core.model import Comment, Inquiry, OutboundMessage
from sredesk.services import outbox
from sredesk.services.ports import AbstractUnitOfWork


def email_publisher(
    uow: AbstractUnitOfWork, inquiry: Inquiry, comment: Comment, now: datetime
) -> None:
    outbox.queue(
        uow,
        OutboundMessage(
            channel="email",
            kind="reply",
            payload={"body": comment.body},
            created_at=now,
            inquiry_number=inquiry.number,
            dedupe_key=f"email:comment:{comment.id}",
        ),
    )
