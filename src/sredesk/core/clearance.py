"""Keep classified inquiries with the members cleared for them (`Member.classified_access`).

Every member on the desk may read a classified inquiry; holding one, being asked for help on
it, or being handed it needs the clearance. Where the desk chooses the holder itself (at
intake and at the handoff) it takes the first cleared member in order of duty, or nobody,
so that a cleared member takes it from the queue.
"""

from __future__ import annotations

from collections.abc import Iterable

from sredesk.core.errors import InvalidTransition
from sredesk.core.model import Inquiry, Member

# The internal note on a classified inquiry the desk could give to nobody on duty.
NOBODY_CLEARED = (
    "Nobody on duty ({duty}) is cleared for classified inquiries, so this one is unassigned: "
    "a member with classified access should take it."
)


def may_hold(inquiry: Inquiry, member: Member) -> bool:
    """Whether `member` may hold, or be asked for help on, `inquiry`."""
    return not inquiry.sensitive or member.classified_access


def check_may_hold(inquiry: Inquiry, member: Member, cleared: Iterable[str], *, to: str) -> None:
    """Refuse to give a classified inquiry to a member who is not cleared for it.

    `cleared` names the members who are, for the refusal to say whom to choose; `to` is the
    verb, as in "assign it to one of them".
    """
    if may_hold(inquiry, member):
        return
    names = ", ".join(sorted(cleared))
    hint = (
        f"{to} one of the members who are: {names}"
        if names
        else "no member has classified access yet; give it with 'sredesk member edit HANDLE"
        " --classified-access'"
    )
    raise InvalidTransition(
        f"inquiry #{inquiry.number} is classified and {member.handle} is not cleared for"
        f" classified inquiries; {hint}"
    )


def first_cleared(inquiry: Inquiry, candidates: Iterable[Member | None]) -> str | None:
    """The first candidate who may hold the inquiry, in the order given; None if none may."""
    return next((m.handle for m in candidates if m is not None and may_hold(inquiry, m)), None)
