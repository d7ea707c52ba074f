"""Define the desk's entities: team, members, shifts, inquiries and everything recorded on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    EMAIL = "email"
    GITHUB = "github"
    HOTLINE = "hotline"
    WALK_IN = "walk-in"
    # A user who reached a member outside the supported channels, sent on to the Primary.
    REDIRECT = "redirect"


class State(StrEnum):
    NEW = "new"
    RESPONDED = "responded"
    WAITING = "waiting-on-customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATES = frozenset({State.NEW, State.RESPONDED, State.WAITING})

# The collections recorded on an inquiry, each a child row in storage.
INQUIRY_CHILDREN = (
    "comments",
    "attachments",
    "escalations",
    "handoffs",
    "resolutions",
    "links",
    "postmortems",
    "message_refs",
)


class ResolutionKind(StrEnum):
    ANSWERED = "answered"  # answered, or referred to the docs
    DIAGNOSED = "diagnosed"
    WORKAROUND = "workaround"
    REPRODUCER = "reproducer"
    LOW_HANGING_FRUIT = "low-hanging-fruit"  # fixed in about 4 hours or less
    KNOWN_ISSUE = "known-issue-updated"
    PROMOTED = "promoted"  # a new product-development issue, linked back
    NO_REPLY = "no-reply"  # the customer went silent


class LinkKind(StrEnum):
    CONSTRUCTIVE = "constructive-correction"
    COMPREHENSIVE = "comprehensive-solution"


class EscalationStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DELAYED = "delayed"
    DECLINED = "declined"


class DelegationStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


@dataclass(eq=False)
class Team:
    name: str
    # Always the business calendar's zone, in which the desk keeps its weeks and hours.
    timezone: str = "America/Los_Angeles"
    calendar: str = "llnl"
    experienced_after: int = 4
    stale_after_days: int = 21
    id: int | None = None


@dataclass(eq=False)
class Member:
    handle: str
    name: str
    email: str
    percent_time: int = 50
    # Primary weeks served before the history the desk holds.
    experience: int = 0
    classified_access: bool = False
    timezone: str = "America/Los_Angeles"
    active: bool = True
    github: str | None = None
    # The Monday from which the member shares the desk's weeks; None for a member who was
    # there from the start of the history.
    joined: date | None = None
    id: int | None = None


@dataclass(eq=False)
class TimeOff:
    member: str
    start: date
    end: date  # inclusive
    reason: str = "vacation"
    id: int | None = None


@dataclass(eq=False)
class Delegation:
    """The Primary hands the role to the Backup for a window; in force once the Backup accepts."""

    from_member: str
    to_member: str
    start: datetime
    end: datetime
    requested_at: datetime
    status: DelegationStatus = DelegationStatus.PROPOSED
    answered_at: datetime | None = None
    id: int | None = None

    def in_force(self, at: datetime) -> bool:
        return self.status is DelegationStatus.ACCEPTED and self.start <= at < self.end

    @property
    def took_effect(self) -> bool:
        """Whether it was ever in force: accepted, and not ended before it began.

        services/feeds.py `_delegations` shows the delegations by the same rule.
        """
        accepted = self.status is DelegationStatus.ACCEPTED or (
            self.status is DelegationStatus.ENDED and self.answered_at is not None
        )
        return accepted and self.end > self.start


@dataclass(eq=False)
class Shift:
    """One week of desk duty, Monday to Sunday in the business calendar's zone (the team's)."""

    week_start: date
    primary: str
    backup: str
    delegations: list[Delegation] = field(default_factory=list)
    id: int | None = None

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    def covers(self, day: date) -> bool:
        return self.week_start <= day <= self.week_end


@dataclass(eq=False)
class Comment:
    author: str
    body: str
    created_at: datetime
    public: bool = True
    # True when a member wrote it; customer comments reopen and stop waiting.
    by_member: bool = True
    source_message_id: str | None = None
    # For a comment from GitHub: GitHub's time of the version kept, so that an older edit
    # delivered late does not replace a newer one.
    source_updated_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class Attachment:
    filename: str
    content_type: str
    size: int
    content: bytes
    created_at: datetime
    comment_id: int | None = None
    # Private until a member approves it for world read.
    world_readable: bool = False
    approved_by: str | None = None
    id: int | None = None


@dataclass(eq=False)
class Escalation:
    to_member: str
    requested_by: str
    requested_at: datetime
    note: str = ""
    status: EscalationStatus = EscalationStatus.REQUESTED
    answered_at: datetime | None = None
    answer_note: str = ""
    id: int | None = None


@dataclass(eq=False)
class Handoff:
    from_member: str
    to_member: str
    at: datetime
    note: str = ""
    kept_by_previous: bool = False
    # The Monday of the week whose handoff wrote it; None on records from before it was kept.
    week_start: date | None = None
    id: int | None = None


@dataclass(eq=False)
class Resolution:
    kinds: list[str]
    by: str
    at: datetime
    note: str = ""
    id: int | None = None


@dataclass(eq=False)
class ProductLink:
    url: str
    kind: LinkKind
    added_by: str
    added_at: datetime
    id: int | None = None


@dataclass(eq=False)
class Postmortem:
    what_happened: str
    why: str
    resources: str
    milestones: str
    recommendations: str
    author: str
    written_at: datetime
    id: int | None = None


@dataclass(eq=False)
class MessageRef:
    """An e-mail Message-ID that belongs to an inquiry, sent, received or only referenced."""

    message_id: str
    id: int | None = None


@dataclass(eq=False)
class Inquiry:
    title: str
    channel: Channel
    source: str
    created_at: datetime
    response_due: datetime
    customers: list[str] = field(default_factory=list)
    state: State = State.NEW
    assignee: str | None = None
    labels: list[str] = field(default_factory=list)
    sensitive: bool = False
    serious: bool = False
    # A required response time that replaces the desk's goal, in business hours.
    response_hours: float | None = None
    # Or calendar days, nights and weekends included, as some contracts count (never both).
    response_days: float | None = None
    keep_at_handoff: bool = False
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    waiting_since: datetime | None = None
    last_customer_at: datetime | None = None
    last_desk_at: datetime | None = None
    redirected_by: str | None = None
    redirect_confirmed_at: datetime | None = None
    comments: list[Comment] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    handoffs: list[Handoff] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    links: list[ProductLink] = field(default_factory=list)
    postmortems: list[Postmortem] = field(default_factory=list)
    message_refs: list[MessageRef] = field(default_factory=list)
    number: int | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def message_ids(self) -> list[str]:
        return [ref.message_id for ref in self.message_refs]

    @property
    def postmortem(self) -> Postmortem | None:
        return self.postmortems[-1] if self.postmortems else None

    def shown(self, *, see_classified: bool) -> bool:
        """Whether a reader sees the inquiry at all: a classified one only on the desk."""
        return see_classified or not self.sensitive


@dataclass(eq=False)
class EffortEntry:
    member: str
    minutes: int
    on: date
    note: str = ""
    inquiry_number: int | None = None
    id: int | None = None


@dataclass(eq=False)
class AuditEvent:
    """One change, with who made it, when, and the fields before and after."""

    at: datetime
    actor: str
    action: str
    inquiry_number: int | None = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(eq=False)
class Notification:
    """A message for a member, queued in the same transaction as the change that caused it."""

    recipient: str
    subject: str
    body: str
    kind: str
    created_at: datetime
    inquiry_number: int | None = None
    # Set by the sender once delivered; a failure leaves it unset and records why.
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    # The one-time key a warning is sent under, so a restart never sends it twice.
    dedupe_key: str | None = None
    id: int | None = None


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    # A published plan whose weeks a later publication replaced.
    SUPERSEDED = "superseded"


@dataclass(eq=False)
class PlannedWeek:
    week_start: date
    primary: str
    backup: str
    id: int | None = None


@dataclass(eq=False)
class RotationPlan:
    """A planner run over a horizon: drafted, then published to become the desk's shifts."""

    start: date
    weeks_count: int
    created_at: datetime
    created_by: str
    optimal: bool
    # The fairness report as JSON-ready data, as it stood when the plan was made.
    fairness: dict[str, Any] = field(default_factory=dict)
    moved: int = 0
    status: PlanStatus = PlanStatus.DRAFT
    published_at: datetime | None = None
    weeks: list[PlannedWeek] = field(default_factory=list)
    # What the published shifts held in the horizon when the plan was drafted: the week's
    # Monday (ISO) to [primary, backup], a week without a shift left out. Publishing refuses
    # a draft whose weeks changed since, rather than undo the change. None for plans drafted
    # before it was kept.
    drafted_against: dict[str, list[str]] | None = None
    id: int | None = None


@dataclass(eq=False)
class Swap:
    """One side of a week's pair replaced by a willing member, recorded for the ledger."""

    week_start: date
    role: str
    from_member: str
    to_member: str
    at: datetime
    by: str
    note: str = ""
    id: int | None = None


class SwapRequestStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"


@dataclass(eq=False)
class SwapRequest:
    """A member asks the team for someone to take their role in one week."""

    week_start: date
    role: str
    from_member: str
    requested_at: datetime
    note: str = ""
    status: SwapRequestStatus = SwapRequestStatus.OPEN
    closed_at: datetime | None = None
    closed_by: str | None = None
    id: int | None = None


@dataclass(eq=False)
class FeedToken:
    """The secret in a calendar feed's URL; stored hashed, revocable."""

    scope: str  # "team", or a member's handle
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class FeedEvent:
    """What a calendar event looked like when last published, to raise its SEQUENCE on change."""

    uid: str
    sequence: int
    fingerprint: str
    id: int | None = None


@dataclass(eq=False)
class OutboundMessage:
    """Something to send off the desk (an e-mail, a GitHub write), queued with its cause.

    It is added in the same transaction as the change that caused it, so a rollback never
    sends it and a crash never loses it; a worker delivers it afterwards, with retries.
    """

    channel: str  # "email" or "github": which sender delivers it
    kind: str  # what it is, e.g. "reply", "acknowledgement", "handoff", "github.comment"
    payload: dict[str, Any]
    created_at: datetime
    inquiry_number: int | None = None
    # Unique when set: the same cause never queues the same message twice.
    dedupe_key: str | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    # Given up after too many attempts; visible in the API until someone retries it.
    failed: bool = False
    id: int | None = None
