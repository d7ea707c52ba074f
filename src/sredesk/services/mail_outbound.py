"""Queue the desk's e-mail: public comments to the list and customers, notifications to members.

Everything goes through the outbox, in the transaction of its cause. Each message carries a
signed Message-ID, In-Reply-To and References, so mail clients thread it under the original
and the desk knows any reply to it. A sensitive inquiry is never mailed to a list, and a
member's notification about one is mailed without its text unless `sensitive_mail` is on.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import formataddr
from typing import Any

from sredesk.core.mailthread import reply_subject
from sredesk.core.model import Comment, Inquiry, MessageRef, Notification, OutboundMessage
from sredesk.services import outbox
from sredesk.services.desk import Desk, Publisher
from sredesk.services.mail_intake import DESK_AUTHOR
from sredesk.services.ports import AbstractUnitOfWork
from sredesk.settings import MailSettings

# Enough of the thread for clients to place a reply, without an unbounded header.
MAX_REFERENCES = 10
FOOTER = "\n\n-- \nSRE desk, inquiry #{number}. Reply to this message to add to the inquiry."
# What a notification about a classified inquiry says by mail: its number, nothing of it.
CLASSIFIED_SUBJECT = "[sredesk #{number}] news on a classified inquiry"
CLASSIFIED_BODY = (
    "There is news ({kind}) on classified inquiry #{number}. Open the desk to read it: "
    "classified inquiries are not sent by e-mail."
)


def mail_publisher(settings: MailSettings) -> Publisher:
    """The publisher that e-mails every public comment the desk writes."""

    def publish(uow: AbstractUnitOfWork, inquiry: Inquiry, comment: Comment, now: datetime) -> None:
        queue_comment(uow, settings, inquiry, comment, now)

    return publish


def recipients(
    uow: AbstractUnitOfWork, settings: MailSettings, inquiry: Inquiry
) -> tuple[list[str], list[str]]:
    """To and Cc for the inquiry's mail: its list and customers, or for a sensitive one, only
    its customers and assignee, and only when configured."""
    own = {settings.address.lower()}
    customers = [c for c in inquiry.customers if "@" in c and c.lower() not in own]
    if inquiry.sensitive:
        if not settings.sensitive_mail:
            return [], []
        # Never a list, whoever put its address among the customers: a list that hid its
        # author, or a member typing it.
        lists = {entry.address.lower() for entry in settings.lists}
        customers = [c for c in customers if c.lower() not in lists]
        assignee = uow.members.find(inquiry.assignee) if inquiry.assignee else None
        cc = [assignee.email] if assignee and assignee.email.lower() not in own | lists else []
        return customers, [a for a in cc if a not in customers]
    mail_list = settings.list_named(inquiry.source)
    if mail_list is None:
        return customers, []
    others = [c for c in customers if c.lower() != mail_list.address.lower()]
    return [mail_list.address], others


def queue_comment(
    uow: AbstractUnitOfWork,
    settings: MailSettings,
    inquiry: Inquiry,
    comment: Comment,
    now: datetime,
) -> bool:
    """Queue the comment as e-mail in the caller's transaction; False when nobody gets it."""
    if not comment.public or inquiry.number is None or comment.id is None:
        return False
    to, cc = recipients(uow, settings, inquiry)
    if not to and not cc:
        return False
    signer = settings.signer
    number = inquiry.number
    message_id = signer.message_id(number, f"c{comment.id}")
    thread = _thread_ids(inquiry)
    payload: dict[str, Any] = {
        "message_id": message_id,
        "from": formataddr((settings.from_name, settings.address)),
        "to": to,
        "cc": cc,
        "reply_to": signer.reply_address(number),
        "subject": reply_subject(inquiry.title, number),
        "in_reply_to": thread[-1] if thread else None,
        "references": [signer.pseudo_reference(number), *thread[-MAX_REFERENCES:]],
        "body": comment.body + FOOTER.format(number=number),
        "auto_submitted": "auto-replied" if comment.author == DESK_AUTHOR else None,
    }
    kind = "acknowledgement" if comment.author == DESK_AUTHOR else "reply"
    queued = outbox.queue(
        uow,
        OutboundMessage(
            channel="email",
            kind=kind,
            payload=payload,
            created_at=now,
            inquiry_number=number,
            dedupe_key=f"email:comment:{comment.id}",
        ),
    )
    if queued:
        # Recorded now, in the same transaction: a reply may come back before it is sent.
        inquiry.message_refs.append(MessageRef(message_id=message_id))
    return queued


def _thread_ids(inquiry: Inquiry) -> list[str]:
    """The thread's messages as the desk saw them, oldest first: the last is the parent.

    Comments from GitHub carry its ids (`github:comment:N`), which are no Message-IDs.
    """
    seen = [
        c.source_message_id
        for c in inquiry.comments
        if c.source_message_id and not c.source_message_id.startswith("github:")
    ]
    return list(dict.fromkeys(seen or inquiry.message_ids[:1]))


def queue_notifications(desk: Desk, settings: MailSettings) -> int:
    """Queue every pending member notification as e-mail, once each; return how many.

    A notification tied to a classified inquiry keeps its text on the desk, where only
    members read it; unless `sensitive_mail` allows such mail, the e-mail names the number
    alone. This is checked here, for every kind, so no producer can leak a title or a note.
    """
    now = desk.now()
    queued = 0
    with desk.unit_of_work() as uow:
        classified = set() if settings.sensitive_mail else uow.inquiries.sensitive_numbers()
        for notification in uow.notifications.list(pending_only=True):
            key = f"email:notification:{notification.id}"
            if uow.outbox.has_key(key):
                continue
            address = _address(uow, notification)
            if address is None:
                notification.last_error = f"no e-mail address for {notification.recipient!r}"
                continue
            redact = notification.inquiry_number in classified
            outbox.queue(
                uow, _notification_message(settings, notification, address, key, now, redact)
            )
            queued += 1
        uow.commit()
    return queued


def _address(uow: AbstractUnitOfWork, notification: Notification) -> str | None:
    if "@" in notification.recipient:
        return notification.recipient
    found = uow.members.find(notification.recipient.lstrip("@"))
    return found.email if found and found.email else None


def _notification_message(
    settings: MailSettings,
    notification: Notification,
    address: str,
    key: str,
    now: datetime,
    redact: bool,
) -> OutboundMessage:
    assert notification.id is not None
    number = notification.inquiry_number or 0
    subject, body = notification.subject, notification.body
    if redact:
        subject = CLASSIFIED_SUBJECT.format(number=number)
        body = CLASSIFIED_BODY.format(number=number, kind=notification.kind)
    payload: dict[str, Any] = {
        "message_id": settings.signer.notification_id(number, notification.id),
        "from": formataddr((settings.from_name, settings.address)),
        "to": [address],
        "cc": [],
        "reply_to": None,
        "subject": subject,
        "in_reply_to": None,
        "references": [],
        "body": body,
        "auto_submitted": "auto-generated",
    }
    return OutboundMessage(
        channel="email",
        kind="notification",
        payload=payload,
        created_at=now,
        inquiry_number=notification.inquiry_number,
        dedupe_key=key,
    )


def send_mail(desk: Desk, settings: MailSettings, sender: outbox.Sender) -> outbox.DeliveryReport:
    """One pass of the mail worker: queue notifications, send what is due, settle them."""
    queue_notifications(desk, settings)
    report = outbox.deliver_due(desk, {"email": sender})
    settle_notifications(desk)
    return report


def settle_notifications(desk: Desk) -> int:
    """Mark notifications sent once their e-mail is; copy failures so the API shows them."""
    settled = 0
    with desk.unit_of_work() as uow:
        for notification in uow.notifications.list(pending_only=True):
            message = uow.mail.outbound(f"email:notification:{notification.id}")
            if message is None:
                continue
            notification.attempts = message.attempts
            notification.last_error = message.last_error
            if message.sent_at is not None:
                notification.sent_at = message.sent_at
                settled += 1
        uow.commit()
    return settled
