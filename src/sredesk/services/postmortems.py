"""Write the brief postmortem a serious inquiry needs before it can be resolved."""

from __future__ import annotations

from dataclasses import asdict

from sredesk.core import lifecycle
from sredesk.core.errors import InvalidTransition
from sredesk.core.model import Inquiry, Postmortem
from sredesk.core.postmortem import PostmortemDraft, draft_postmortem
from sredesk.services.desk import Desk, member, readable, recorded
from sredesk.services.ports import AbstractUnitOfWork


def draft(desk: Desk, number: int, *, see_classified: bool = True) -> dict[str, str]:
    """Pre-fill resources from the effort log and milestones from the audit timeline."""
    with desk.unit_of_work() as uow:
        inquiry = readable(uow, number, see_classified=see_classified)
        return asdict(_draft(uow, inquiry))


def _draft(uow: AbstractUnitOfWork, inquiry: Inquiry) -> PostmortemDraft:
    assert inquiry.number is not None
    numbers = [inquiry.number, *_merged_into(uow.mail.aliases(), inquiry.number)]
    return draft_postmortem(
        inquiry,
        [e for n in numbers for e in uow.effort.list(inquiry_number=n)],
        [e for n in numbers for e in uow.audit.list(inquiry_number=n)],
    )


def _merged_into(aliases: dict[int, int], number: int) -> list[int]:
    """The inquiries merged into `number`, directly or through others merged into it.

    A merge moves an inquiry's conversation, but its timeline stays under its own number,
    and effort may still be logged there; the postmortem tells the whole story.
    """
    found = []
    for merged in sorted(aliases):
        into, seen = aliases[merged], {merged}
        while into in aliases and into not in seen:
            seen.add(into)
            into = aliases[into]
        if into == number:
            found.append(merged)
    return found


def revision(desk: Desk, number: int, *, see_classified: bool = True) -> int:
    """How many times the inquiry's postmortem has been saved: 0 before the first save."""
    with desk.unit_of_work() as uow:
        return len(readable(uow, number, see_classified=see_classified).postmortems)


def write(
    desk: Desk, number: int, text: PostmortemDraft, *, by: str, replacing: int | None = None
) -> None:
    """Save the postmortem; resources or milestones left blank are taken from the records.

    With `replacing`, the `revision` the writer started from: if someone saved the postmortem
    since, nothing is saved, so that an editor's older text never silently replaces theirs.
    """
    now = desk.now()
    with desk.unit_of_work() as uow:
        author = member(uow, by).handle
        inquiry = uow.inquiries.get(number)
        latest = inquiry.postmortem
        if replacing is not None and latest is not None and len(inquiry.postmortems) != replacing:
            when = latest.written_at.astimezone(desk.calendar(uow).tz)
            raise InvalidTransition(
                f"{latest.author} saved the postmortem of #{number} at {when:%a %d %b %H:%M} "
                "after you opened it; yours is not saved: read theirs, then save again"
            )
        resources, milestones = text.resources.strip(), text.milestones.strip()
        if not resources or not milestones:
            records = _draft(uow, inquiry)
            resources = resources or records.resources
            milestones = milestones or records.milestones
        postmortem = Postmortem(
            what_happened=text.what_happened.strip(),
            why=text.why.strip(),
            resources=resources,
            milestones=milestones,
            recommendations=text.recommendations.strip(),
            author=author,
            written_at=now,
        )
        with recorded(uow, inquiry, "inquiry.postmortem_written", actor=author, now=now):
            lifecycle.attach_postmortem(inquiry, postmortem)
        uow.commit()
