"""Bridge the desk and GitHub: deliveries in, comments and state out, through the outbox."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sredesk.adapters.github.settings import GitHubSettings
from sredesk.core import lifecycle
from sredesk.core.errors import DeskError, InvalidInput, InvalidTransition
from sredesk.core.github import (
    HANDLED,
    GitHubDelivery,
    GitHubEvent,
    GitHubLink,
    Thread,
    desk_reference,
    filed_from,
    mark,
    parse_event,
    signature_valid,
)
from sredesk.core.model import Channel, Comment, Inquiry, OutboundMessage, State
from sredesk.services import inquiries
from sredesk.services.desk import Desk, member, notify, recorded
from sredesk.services.github_sync import queue_sync, shown_on_github, sync_back
from sredesk.services.outbox import queue
from sredesk.services.ports import AbstractUnitOfWork

# As long as `github_deliveries.delivery_id` keeps.
DELIVERY_ID_MAX = 100


class Unauthorized(DeskError):
    """The delivery's signature is missing or wrong; nothing was stored."""


def receive(
    desk: Desk,
    config: GitHubSettings,
    *,
    event: str,
    delivery_id: str,
    body: bytes,
    signature: str | None,
) -> str:
    """Handle one webhook delivery once; return what was done, for the log and the sender."""
    if not signature_valid(config.webhook_secret.encode(), body, signature):
        raise Unauthorized("the X-Hub-Signature-256 header is missing or wrong")
    if not delivery_id.strip():
        raise InvalidInput("the X-GitHub-Delivery header is missing")
    if len(delivery_id) > DELIVERY_ID_MAX:
        # GitHub's are GUIDs; a longer one could not be kept, and so not be recognised again.
        raise InvalidInput(
            f"the X-GitHub-Delivery header is longer than {DELIVERY_ID_MAX} characters"
        )
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidInput("the delivery's body is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidInput("the delivery's body is not a JSON object")
    now = desk.now()
    with desk.unit_of_work() as uow:
        if uow.github.delivery(delivery_id) is not None:
            return "duplicate delivery"
        parsed = parse_event(event, payload)
        if parsed is None:
            action = str(payload.get("action", ""))
            handled = action in HANDLED.get(event, set())
            what = "malformed " if handled else ""
            outcome = f"ignored: {what}{event} {action}".strip()
        elif _configured(config, parsed.thread.repo) is None:
            outcome = f"ignored: {parsed.thread.repo} is not an SRE repository"
        else:
            outcome = _stale(uow, config, parsed) or _apply_and_sync(desk, uow, config, parsed, now)
        uow.github.add_delivery(
            GitHubDelivery(
                delivery_id=delivery_id, event=event[:50], received_at=now, outcome=outcome[:200]
            )
        )
        uow.commit()
    return outcome


def _apply_and_sync(
    desk: Desk, uow: AbstractUnitOfWork, config: GitHubSettings, e: GitHubEvent, now: datetime
) -> str:
    before = shown_on_github(uow, config, e)
    outcome = _apply(desk, uow, config, e, now)
    sync_back(uow, config, e, before, now)
    return outcome


def _ordered(e: GitHubEvent) -> bool:
    """Whether the event sets the thread's state (title, labels, open or closed...), so that
    an older one must not undo a newer one. Comments are kept whenever they come, once; a
    thread deleted or moved away is gone whatever its payload's last update says."""
    if e.updated_at is None or e.event.endswith("_comment"):
        return False
    return e.action not in ("deleted", "transferred")


def _stale(uow: AbstractUnitOfWork, config: GitHubSettings, e: GitHubEvent) -> str | None:
    """Why the event is not applied, when the desk applied a newer change to its thread.

    GitHub's timestamps are whole seconds: an event of the same second as the newest one
    applied may well be newer (a close and a reopen within a second), so it is applied.
    """
    link = _link_for(uow, config, e.thread.repo, e.thread.kind, e.thread.number)
    if link is None or link.updated_at is None or not _ordered(e):
        return None
    assert e.updated_at is not None
    if e.updated_at >= link.updated_at:
        return None
    return (
        f"stale: {e.event} {e.action} of {_utc(e.updated_at)} is older than "
        f"the change of {_utc(link.updated_at)} already applied"
    )


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _applied(link: GitHubLink, e: GitHubEvent) -> None:
    """Remember the event as the newest change applied to its thread."""
    when = e.updated_at if _ordered(e) else None
    if when is not None and (link.updated_at is None or when > link.updated_at):
        link.updated_at = when


def _configured(config: GitHubSettings, repo: str) -> str | None:
    """The SRE repository `repo` names, as configured."""
    return _named_in(repo, config.sre_repos)


def _named_in(repo: str, repos: Collection[str]) -> str | None:
    """The one of `repos` that `repo` names, as configured; GitHub names are case-insensitive."""
    wanted = repo.casefold()
    return next((r for r in repos if r.casefold() == wanted), None)


def _link_for(
    uow: AbstractUnitOfWork, config: GitHubSettings, repo: str, kind: str, number: int
) -> GitHubLink | None:
    """The thread's link, whether it was recorded as GitHub spells the name or as configured."""
    link = uow.github.link_for_thread(repo, kind, number)
    spelled = _configured(config, repo)
    if link is None and spelled is not None and spelled != repo:
        link = uow.github.link_for_thread(spelled, kind, number)
    return link


def _member_for(uow: AbstractUnitOfWork, login: str) -> str | None:
    return next((m.handle for m in uow.members.list() if m.github and m.github == login), None)


def _apply(
    desk: Desk, uow: AbstractUnitOfWork, config: GitHubSettings, e: GitHubEvent, now: datetime
) -> str:
    link = _link_for(uow, config, e.thread.repo, e.thread.kind, e.thread.number)
    if e.action == "transferred":
        return _transferred(uow, config, link, e.moved_to, e, now)
    opening = e.action in ("opened", "created") and not e.event.endswith("_comment")
    if opening:
        if link is not None:
            return "echo: thread already linked"
        if e.moved_from is not None:
            old = e.moved_from
            moved = _link_for(uow, config, old.repo, old.kind, old.number)
            if moved is not None:
                return _transferred(uow, config, moved, e.thread, e, now)
        filed = filed_from(e.body)
        if filed is not None and uow.inquiries.get_many({filed[1]}):
            # An issue the desk filed itself must not become a second inquiry: its mirror,
            # seen before the sender has recorded the link (the sender links it to the
            # inquiry it came from), or a promotion to a repository that is also an SRE one.
            return f"echo of the desk's {filed[0]}:{filed[1]}"
        inquiry = inquiries.create_in(
            desk,
            uow,
            title=e.title or f"{e.thread.repo}#{e.thread.number}",
            channel=Channel.GITHUB,
            source=e.thread.repo,
            customers=[e.author],
            body=e.body,
            # What people labelled the issue with is theirs, and stays on it.
            labels=_their_labels(config, e.labels),
            author=e.author,
            actor=f"github:{e.author}",
            source_id=f"github:{e.thread.kind}:{e.thread.repo}#{e.thread.number}",
        )
        assert inquiry.number is not None
        uow.github.add_link(
            GitHubLink(
                inquiry.number,
                e.thread.repo,
                e.thread.kind,
                e.thread.number,
                e.thread.url,
                e.thread.node_id,
                e.updated_at,
            )
        )
        return f"opened inquiry #{inquiry.number}"
    if link is None:
        return "ignored: thread not linked to an inquiry"
    if e.action == "deleted" and not e.event.endswith("_comment"):
        # Later replies would go to a thread that is not there.
        return _unlink(
            uow,
            link,
            e,
            now,
            happened="was deleted on GitHub",
            then="Reach the customer another way.",
        )
    inquiry = uow.inquiries.get(link.inquiry_number)
    answered = e.event == "discussion" and e.action == "answered"
    if e.echo_of is not None and not answered:
        return f"echo of the desk's {e.echo_of}"
    actor = f"github:{e.actor}"
    try:
        with recorded(uow, inquiry, f"github.{e.event}.{e.action}", actor=actor, now=now):
            result = _change(desk, uow, config, inquiry, e, now)
    except DeskError as error:
        # What happened on GitHub happened; refusing it only makes GitHub redeliver it.
        # Drop the half-made change, and acknowledge the delivery with the reason.
        uow.rollback()
        return f"ignored: {error}"
    _applied(link, e)
    return result


def _transferred(
    uow: AbstractUnitOfWork,
    config: GitHubSettings,
    link: GitHubLink | None,
    to: Thread | None,
    e: GitHubEvent,
    now: datetime,
) -> str:
    """Move a linked issue's link to where GitHub transferred it; it is the same inquiry.

    GitHub sends `transferred` from the old repository and `opened` (with the old issue
    in `changes`) from the new one, in either order; whichever comes first moves the link.
    """
    if to is None:
        return "ignored: the transfer does not say where the issue went"
    if _link_for(uow, config, to.repo, to.kind, to.number) is not None:
        return "echo: thread already linked"
    if link is None:
        return "ignored: thread not linked to an inquiry"
    if _configured(config, to.repo) is None:
        # The desk hears nothing from there, and would go on writing to an issue it ignores.
        where = f"{to.repo}#{to.number}"
        return _unlink(
            uow,
            link,
            e,
            now,
            happened=f"was transferred to {where}, which is not an SRE repository",
            then=f"Follow up there: {to.url or where}.",
            extra={"to": where},
        )
    inquiry = uow.inquiries.get(link.inquiry_number)
    before = f"{link.repo}#{link.number}"
    with recorded(
        uow,
        inquiry,
        "github.issues.transferred",
        actor=f"github:{e.actor}",
        now=now,
        extra={"from": before, "to": f"{to.repo}#{to.number}"},
    ):
        link.repo, link.kind, link.number = to.repo, to.kind, to.number
        link.url, link.node_id = to.url or link.url, to.node_id
        if inquiry.channel is Channel.GITHUB and inquiry.source == before.split("#")[0]:
            inquiry.source = to.repo
    return f"moved inquiry #{inquiry.number}'s link from {before} to {to.repo}#{to.number}"


def _unlink(
    uow: AbstractUnitOfWork,
    link: GitHubLink,
    e: GitHubEvent,
    now: datetime,
    *,
    happened: str,
    then: str,
    extra: dict[str, Any] | None = None,
) -> str:
    """Drop the link to a thread the desk can no longer follow, and say so on the inquiry.

    An internal note says what happened and what to do; the assignee of an open inquiry is
    told too, unless they did it themselves. The notification names no title or thread, so it
    says nothing of a classified inquiry.
    """
    inquiry = uow.inquiries.get(link.inquiry_number)
    where = f"{link.repo}#{link.number}"
    with recorded(
        uow,
        inquiry,
        f"github.{e.event}.{e.action}",
        actor=f"github:{e.actor}",
        now=now,
        extra={"unlinked": where, **(extra or {})},
    ):
        _member_comment(
            inquiry,
            "system",
            f"The GitHub {link.kind} {where} {happened}, so the desk no longer follows it "
            f"or writes to it. {then}",
            False,
            now,
        )
    uow.github.remove_link(link)
    assignee = uow.members.find(inquiry.assignee) if inquiry.assignee else None
    if inquiry.is_open and assignee is not None and assignee.github != e.actor:
        notify(
            uow,
            assignee.handle,
            f"[sredesk #{inquiry.number}] the desk no longer follows its GitHub {link.kind}",
            f"The GitHub {link.kind} of inquiry #{inquiry.number} is out of the desk's reach; "
            "the inquiry's notes say why and what to do.",
            kind="github",
            now=now,
            inquiry_number=inquiry.number,
        )
    return f"unlinked inquiry #{inquiry.number} from {where}: it {happened}"


def _change(
    desk: Desk,
    uow: AbstractUnitOfWork,
    config: GitHubSettings,
    inquiry: Inquiry,
    e: GitHubEvent,
    now: datetime,
) -> str:
    source = f"github:comment:{e.comment_id}" if e.comment_id else None
    if e.event in ("issue_comment", "discussion_comment") and e.action == "created":
        return _comment(desk, uow, inquiry, e, now, source)
    if e.event == "issue_comment" and e.action in ("edited", "deleted"):
        stored = next((c for c in inquiry.comments if c.source_message_id == source), None)
        if stored is None and e.action == "edited":
            # Delivered before its `created`: the edit carries the whole comment, and the
            # `created` coming later is then a duplicate.
            return _comment(desk, uow, inquiry, e, now, source)
        if stored is None:
            return "ignored: comment not on record"
        if e.action == "edited":
            return _comment_edited(stored, e)
        # The desk keeps what was said; the deletion is noted beside it.
        _member_comment(
            inquiry, "system", f"A comment by {e.author} was deleted on GitHub.", False, now
        )
        return "comment deletion noted"
    if e.event == "discussion" and e.action == "answered":
        # The desk's own reply chosen as the answer is on record already; it still resolves.
        if e.echo_of is None:
            _comment(desk, uow, inquiry, e, now, source)
        return _resolve(inquiry, e, now, "answered on GitHub")
    if e.action == "closed":
        return _resolve(inquiry, e, now, "closed on GitHub")
    if e.action == "reopened":
        if inquiry.state in (State.RESOLVED, State.CLOSED):
            lifecycle.reopen(inquiry)
            return "reopened"
        return "already open"
    if e.action in ("labeled", "unlabeled"):
        theirs = _their_labels(config, e.labels)
        kept = [label for label in inquiry.labels if label in config.desk_labels]
        inquiry.labels = kept + [label for label in theirs if label not in kept]
        return "labels updated"
    if e.action == "assigned":
        # The one just assigned, not the first of all assignees: the desk's own login stays
        # on the issue beside the others, and, listed first, would undo every handover.
        logins = [e.assignee] if e.assignee else list(e.assignees)
        handles = [h for h in (_member_for(uow, login) for login in logins) if h]
        if handles and inquiry.is_open:
            inquiry.assignee = handles[0]
            return f"assigned to {handles[0]}"
        return "ignored: no member has that GitHub login"
    if e.event == "issues" and e.action == "edited":
        return _edited(inquiry, e)
    return f"ignored: {e.event} {e.action}"


def _their_labels(config: GitHubSettings, labels: Collection[str]) -> list[str]:
    """The labels people put on a thread on GitHub: all but those the desk keeps itself."""
    return [label for label in dict.fromkeys(labels) if label and label not in config.desk_labels]


def _comment(
    desk: Desk,
    uow: AbstractUnitOfWork,
    inquiry: Inquiry,
    e: GitHubEvent,
    now: datetime,
    source: str | None,
) -> str:
    if source and any(c.source_message_id == source for c in inquiry.comments):
        return "duplicate comment"
    handle = _member_for(uow, e.author)
    if handle is not None:
        # A member answering on GitHub: a public reply, there already. The desk's other
        # channels still need it: on a mirror, the customer who wrote by e-mail reads there.
        comment = _member_comment(inquiry, handle, e.body or "(empty)", True, now)
        comment.source_message_id = source  # so that GitHub's publisher leaves it be
        comment.source_updated_at = e.comment_updated_at
        desk.publish(uow, inquiry, comment, now)
        return f"reply by {handle}"
    if e.by_bot:
        # A stale bot or CI writing would otherwise end a wait, reopen a resolved inquiry
        # and restart its clock as if the customer had written; it is kept as a note.
        note = _member_comment(inquiry, e.author, e.body or "(empty)", False, now)
        note.source_message_id, note.source_updated_at = source, e.comment_updated_at
        return f"note by {e.author}, a bot"
    if _seen_by_closer(inquiry, e):
        kept = Comment(e.author, e.body.strip() or "(empty)", now, by_member=False)
        kept.source_message_id, kept.source_updated_at = source, e.comment_updated_at
        inquiry.comments.append(kept)
        return f"comment by {e.author}, written before the issue was closed"
    comment = lifecycle.add_customer_comment(
        inquiry, e.author, e.body, now=now, source_message_id=source
    )
    comment.source_updated_at = e.comment_updated_at
    return f"comment by {e.author}"


def _seen_by_closer(inquiry: Inquiry, e: GitHubEvent) -> bool:
    """Whether a customer's comment was written before the close on GitHub that resolved
    the inquiry, and only delivered after it ("Thanks, that fixed it", then the close).

    The closer had it before them, so it does not reopen. One written on the closed issue
    does, and so does any when a member resolved on the desk, who may not have seen it.
    """
    # A discussion stays open when answered: its state says nothing of the order.
    if e.event != "issue_comment" or e.thread_state != "open":
        return False
    if inquiry.state not in (State.RESOLVED, State.CLOSED):
        return False
    last = inquiry.resolutions[-1] if inquiry.resolutions else None
    return last is not None and last.by.startswith("github:")


def _comment_edited(stored: Comment, e: GitHubEvent) -> str:
    """Take the edited text, unless the desk has a newer version of the comment already.

    As for the thread (`_stale`), a version of the same second is taken.
    """
    when, kept = e.comment_updated_at, stored.source_updated_at
    if when is not None and kept is not None and when < kept:
        return f"stale: the edit of {_utc(when)} is older than the version of {_utc(kept)} kept"
    stored.body = e.body.strip() or stored.body
    stored.source_updated_at = when or kept
    return "comment edited"


def _edited(inquiry: Inquiry, e: GitHubEvent) -> str:
    """Bring an edited issue's title, and its body (the inquiry's opening comment), in step."""
    changed = []
    title = " ".join(e.title.split())[:300]  # as the desk keeps titles
    if title and title != inquiry.title:
        inquiry.title = title
        changed.append("title")
    # The issue's body is the opening comment of an inquiry that started on GitHub. A
    # mirrored inquiry's opening is the e-mail; the issue's body is only the desk's copy.
    prefix = f"github:{e.thread.kind}:"
    opening = next(
        (c for c in inquiry.comments if (c.source_message_id or "").startswith(prefix)), None
    )
    if opening is not None and e.body.strip() and e.body.strip() != opening.body:
        opening.body = e.body.strip()
        changed.append("body")
    if not changed:
        return "ignored: title and body unchanged"
    return " and ".join(changed) + " updated"


def _member_comment(
    inquiry: Inquiry, author: str, body: str, public: bool, now: datetime
) -> Comment:
    """Record what a member wrote on GitHub, or a note about it, whatever the state.

    The desk refuses a member writing on a closed inquiry because the writing would go out;
    on GitHub it was said already, so it is kept on record, and, unlike a customer's
    comment, it does not reopen the inquiry.
    """
    if inquiry.state is not State.CLOSED:
        return lifecycle.add_member_comment(inquiry, author, body, public=public, now=now)
    comment = Comment(author=author, body=body.strip() or "(empty)", created_at=now)
    comment.public = public
    inquiry.comments.append(comment)
    return comment


def _resolve(inquiry: Inquiry, e: GitHubEvent, now: datetime, why: str) -> str:
    if inquiry.state in (State.RESOLVED, State.CLOSED):
        return "already resolved"
    try:
        lifecycle.resolve(
            inquiry, ["answered"], f"github:{e.actor}", now=now, note=f"{why} by {e.actor}"
        )
    except DeskError as error:
        # A serious inquiry stays open until its postmortem is written; say so on record.
        lifecycle.add_member_comment(
            inquiry,
            "system",
            f"{why} by {e.actor}, but not resolved here: {error}",
            public=False,
            now=now,
        )
        return f"not resolved: {error}"
    return "resolved"


# -- outbound ----------------------------------------------------------------------------


def publisher(uow: AbstractUnitOfWork, inquiry: Inquiry, comment: Comment, now: datetime) -> None:
    """Queue a public comment for the GitHub thread(s) the inquiry lives on."""
    if inquiry.sensitive or inquiry.number is None:
        return  # classified inquiries never leave the desk, in any form
    if (comment.source_message_id or "").startswith("github:"):
        return  # it came from GitHub; it is there already
    for link in uow.github.links_for(inquiry.number):
        _queue_comment(uow, inquiry.number, comment, comment.body, link, now)


def _queue_comment(
    uow: AbstractUnitOfWork,
    number: int,
    comment: Comment,
    body: str,
    link: GitHubLink,
    now: datetime,
) -> None:
    """Queue `body`, the text of `comment` for GitHub, on the thread `link` names, once."""
    queue(
        uow,
        OutboundMessage(
            channel="github",
            kind="github.comment",
            created_at=now,
            inquiry_number=number,
            dedupe_key=f"github:comment:{comment.id}:{link.id}",
            payload={
                "repo": link.repo,
                "kind": link.kind,
                "number": link.number,
                "node_id": link.node_id,
                "body": mark(body, f"comment:{comment.id}"),
            },
        ),
    )


def observer(uow: AbstractUnitOfWork, inquiry: Inquiry, action: str, now: datetime) -> None:
    """After any change to a linked inquiry, queue bringing GitHub's state in step.

    A customer who wrote by other means (mail to a mirrored inquiry) is copied to the
    thread too, as the mirror shows them: without their address.
    """
    if inquiry.sensitive or inquiry.number is None or action.startswith("github."):
        return  # a delivery's own changes are synced back by `sync_back`
    links = uow.github.links_for(inquiry.number)
    if action == "inquiry.customer_wrote" and links:
        _queue_customer_copy(uow, inquiry, links, now)
    for link in links:
        if link.kind == "issue":
            queue_sync(uow, inquiry.number, link, now)


def _queue_customer_copy(
    uow: AbstractUnitOfWork, inquiry: Inquiry, links: Sequence[GitHubLink], now: datetime
) -> None:
    """Queue the customer's newest comment for the inquiry's GitHub threads, unless it came
    from GitHub: what a customer writes there is there already."""
    comment = inquiry.comments[-1] if inquiry.comments else None
    if comment is None or _by_member(comment) or not comment.public:
        return
    if (comment.source_message_id or "").startswith("github:"):
        return
    assert inquiry.number is not None
    uow.flush()  # the comment's id names the copy
    who = _speakers([c for c in inquiry.comments if c.public])
    body = f"**{who(comment)}** wrote:\n\n{comment.body}"
    for link in links:
        _queue_comment(uow, inquiry.number, comment, body, link, now)


def _leaving_desk(uow: AbstractUnitOfWork, number: int) -> Inquiry:
    """The inquiry about to be sent to GitHub; a classified one never leaves the desk."""
    inquiry = uow.inquiries.get(number)
    if inquiry.sensitive:
        raise InvalidInput(f"inquiry #{number} is classified; it never leaves the desk")
    return inquiry


def _one_of(repo: str, repos: Collection[str], what: str, variable: str) -> str:
    """`repo` as configured among `repos` (`_named_in`), else a refusal."""
    found = _named_in(repo, repos)
    if found is None:
        known = ", ".join(repos) or f"none (set {variable})"
        raise InvalidInput(f"{repo} is not a configured {what} repository; they are: {known}")
    return found


def promote(
    desk: Desk,
    number: int,
    repo: str,
    *,
    by: str,
    product_repos: Collection[str],
    title: str | None = None,
    kind: str = "constructive-correction",
    link_back: str | None = None,
) -> None:
    """Queue filing a product-development issue; the sender links it and resolves.

    `repo` must be one of `product_repos`. Anywhere else the issue would land where nobody
    develops the product, or, in an SRE repository, come back as a new inquiry.
    `link_back` is the inquiry's address on the desk, linked from the new issue's body.
    """
    repo = _one_of(repo, product_repos, "product", "SREDESK_GITHUB_PRODUCT_REPOS")
    now = desk.now()
    with desk.unit_of_work() as uow:
        by = member(uow, by).handle
        inquiry = _leaving_desk(uow, number)
        if not inquiry.is_open:
            raise InvalidTransition(f"inquiry #{number} is {inquiry.state.value}; reopen it first")
        summary = "\n\n".join(c.body for c in inquiry.comments if c.public)[:4000]
        queue(
            uow,
            OutboundMessage(
                channel="github",
                kind="github.promote",
                created_at=now,
                inquiry_number=number,
                dedupe_key=f"github:promote:{number}:{repo}",
                payload={
                    "repo": repo,
                    "title": title or inquiry.title,
                    "by": by,
                    "link_kind": kind,
                    "body": mark(
                        f"Promoted from {desk_reference(number, link_back)} "
                        f"({inquiry.channel.value}: {inquiry.source}).\n\n{summary}",
                        f"promote:{number}",
                    ),
                },
            ),
        )
        uow.commit()


def update_known(
    desk: Desk,
    number: int,
    repo: str,
    issue: int,
    *,
    by: str,
    product_repos: Collection[str],
    note: str = "",
) -> None:
    """Resolve the inquiry as a known issue's, and queue adding its news to that issue.

    The issue is a product issue: `repo` must be one of `product_repos`, as for `promote`.
    """
    repo = _one_of(repo, product_repos, "product", "SREDESK_GITHUB_PRODUCT_REPOS")
    now = desk.now()
    url = f"https://github.com/{repo}/issues/{issue}"
    with desk.unit_of_work() as uow:
        by = member(uow, by).handle
        inquiry = _leaving_desk(uow, number)
        with recorded(uow, inquiry, "inquiry.resolved", actor=by, now=now):
            lifecycle.add_link(inquiry, url, "constructive-correction", by, now=now)
            lifecycle.resolve(inquiry, ["known-issue-updated"], by, now=now, note=note)
        queue(
            uow,
            OutboundMessage(
                channel="github",
                kind="github.known",
                created_at=now,
                inquiry_number=number,
                dedupe_key=f"github:known:{number}:{repo}#{issue}",
                payload={
                    "repo": repo,
                    "number": issue,
                    "body": f"{desk_reference(number)} hit this too.\n\n{note}".strip(),
                },
            ),
        )
        uow.commit()


def mirror(desk: Desk, number: int, repo: str, *, by: str, sre_repos: Collection[str]) -> None:
    """Queue copying an e-mail inquiry and its public conversation to the SRE repository.

    `repo` must be one of `sre_repos`: the desk ignores every delivery from any other, so a
    mirror there would never hear back.
    """
    # As configured: deliveries are matched on that spelling.
    repo = _one_of(repo, sre_repos, "SRE", "SREDESK_GITHUB_SRE_REPOS")
    now = desk.now()
    with desk.unit_of_work() as uow:
        by = member(uow, by).handle
        inquiry = _leaving_desk(uow, number)
        if uow.github.links_for(number):
            raise InvalidTransition(f"inquiry #{number} is on GitHub already")
        conversation = _conversation([c for c in inquiry.comments if c.public])
        queue(
            uow,
            OutboundMessage(
                channel="github",
                kind="github.mirror",
                created_at=now,
                inquiry_number=number,
                dedupe_key=f"github:mirror:{number}",
                payload={
                    "repo": repo,
                    "title": inquiry.title,
                    "by": by,
                    "body": mark(
                        f"Mirrored from {desk_reference(number)} "
                        f"({inquiry.source}).\n\n{conversation}",
                        f"mirror:{number}",
                    ),
                },
            ),
        )
        uow.commit()


def _conversation(comments: list[Comment]) -> str:
    """The public conversation for the mirror, which is public (see `_speakers`)."""
    who = _speakers(comments)
    return "\n\n---\n\n".join(f"**{who(c)}** wrote:\n\n{c.body}" for c in comments)


def _speakers(comments: list[Comment]) -> Callable[[Comment], str]:
    """How the mirror names the author of each of `comments`: members by handle, and
    customers, whose name is their e-mail address, only as the customer or customer N,
    numbered in the order they first wrote."""
    customers = list(dict.fromkeys(c.author for c in comments if not _by_member(c)))

    def who(comment: Comment) -> str:
        if _by_member(comment):
            return comment.author
        if len(customers) == 1:
            return "The customer"
        return f"Customer {customers.index(comment.author) + 1}"

    return who


def _by_member(comment: Comment) -> bool:
    return comment.by_member and "@" not in comment.author
