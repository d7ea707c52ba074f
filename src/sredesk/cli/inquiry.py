"""Work inquiries from the shell: open, list, show, reply, note, escalate, resolve, reopen."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from sredesk.cli.common import (
    AS_OPTION,
    actor,
    desk,
    operator,
    print_json,
    print_table,
    printable,
    read_body,
    say,
)
from sredesk.core.calendar_years import check_year
from sredesk.core.errors import InvalidInput
from sredesk.core.holiday_rules import CalendarError
from sredesk.core.postmortem import PostmortemDraft
from sredesk.services import escalations, inquiries, postmortems, shifts

app = typer.Typer(help="Track inquiries from first contact to resolution.", no_args_is_help=True)


def _parse_instant(value: str | None, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{what} {value!r} is not ISO-8601; write 2026-11-25T16:30-08:00"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{what} {value!r} needs a UTC offset, e.g. -08:00")
    try:
        check_year(parsed.year)  # before any service converts it between zones
    except CalendarError as error:
        raise InvalidInput(f"{what} {value!r}: {error}") from None
    return parsed


@app.command("new")
def new(
    title: str = typer.Option(..., "--title", help="A short summary."),
    channel: str = typer.Option("email", help="email, github, hotline, walk-in or redirect."),
    source: str = typer.Option(..., help="The list, repository or line it came in on."),
    customer: list[str] = typer.Option([], "--customer", help="A customer; repeat for more."),
    body: str = typer.Option("", help="What the customer asked; - reads standard input."),
    sensitive: bool = typer.Option(False, help="Classified: it never leaves the desk."),
    serious: bool = typer.Option(False, help="Many users hit, or heavy effort."),
    response_hours: float | None = typer.Option(
        None, help="Its own required response time, in business hours."
    ),
    response_days: float | None = typer.Option(
        None, help="Or in calendar days, nights and weekends included."
    ),
    label: list[str] = typer.Option([], "--label", help="A label; repeat for more."),
    redirected_by: str | None = typer.Option(None, help="The member the user reached."),
    created_at: str | None = typer.Option(None, help="Arrival, ISO-8601 with offset."),
    as_: str | None = AS_OPTION,
    json_out: bool = typer.Option(False, "--json", help="Print the inquiry as JSON."),
) -> None:
    """Open an inquiry; it goes to whoever holds the desk."""
    number = inquiries.open_inquiry(
        desk(),
        title=title,
        channel=channel,
        source=source,
        customers=customer,
        body=read_body(body),
        actor=operator(as_),
        sensitive=sensitive,
        serious=serious,
        response_hours=response_hours,
        response_days=response_days,
        labels=label,
        redirected_by=redirected_by,
        created_at=_parse_instant(created_at, "--created-at"),
    )
    if json_out:
        print_json(inquiries.get_inquiry(desk(), number))
    else:
        say(f"opened #{number}")


@app.command("list")
def list_(
    state: str | None = typer.Option(None, help="new, responded, waiting-on-customer, ..."),
    assignee: str | None = typer.Option(None, help="A member's handle."),
    channel: str | None = typer.Option(None, help="email, github, hotline, ..."),
    open_only: bool = typer.Option(False, "--open", help="Only unresolved inquiries."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List every inquiry, or those the filters select."""
    found = inquiries.list_inquiries(
        desk(), state=state, assignee=assignee, channel=channel, open_only=open_only
    )
    if json_out:
        print_json(found)
        return
    print_table(
        ("#", "state", "clock", "due (UTC)", "assignee", "channel", "title"),
        (
            (
                str(item["number"]),
                item["state"],
                (item["clock"] or {}).get("state", ""),
                _utc_minute(item["response_due"]),
                item["assignee"] or "-",
                f"{item['channel']}:{item['source']}",
                item["title"],
            )
            for item in found
        ),
        width=160,
    )


def _utc_minute(instant: str) -> str:
    """An instant from a view (ISO-8601 in UTC) to the minute, e.g. 2026-11-19 17:00."""
    return instant[:16].replace("T", " ")


@app.command("show")
def show(number: int, json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show an inquiry: its clock, conversation, escalations and timeline."""
    data = inquiries.get_inquiry(desk(), number)
    if json_out:
        print_json(data)
        return
    _print_detail(data)


def _print_detail(data: dict[str, Any]) -> None:
    flags = [f for f in ("sensitive", "serious") if data[f]]
    say(f"#{data['number']} {printable(data['title'])}")
    say(
        f"  state {data['state']}  assignee {data['assignee'] or '-'}  "
        f"{data['channel']}:{data['source']}  {' '.join(flags)}"
    )
    clock = data["clock"] or {}
    say(f"  response due {data['response_due']}  clock {clock.get('state', '-')}")
    for comment in data["comments"]:
        kind = "note" if not comment["public"] else "reply" if comment["by_member"] else "customer"
        when, author = _utc_minute(comment["created_at"]), printable(comment["author"])
        say(f"  --- {when} UTC {author} ({kind})")
        say("  " + comment["body"].replace("\n", "\n  "))
    for esc in data["escalations"]:
        say(f"  escalation {esc['id']} to {esc['to_member']}: {esc['status']}")


@app.command("reply")
def reply(
    number: int,
    body: str = typer.Argument(..., help="The reply; - reads stdin."),
    as_: str | None = AS_OPTION,
) -> None:
    """Reply to the customer; the first public reply stops the response clock."""
    inquiries.reply(desk(), number, read_body(body), by=actor(as_, number))
    say(f"replied on #{number}")


@app.command("note")
def note(
    number: int,
    body: str = typer.Argument(..., help="The note; - reads stdin."),
    as_: str | None = AS_OPTION,
) -> None:
    """Add an internal note; it never leaves the desk."""
    inquiries.note(desk(), number, read_body(body), by=actor(as_, number))
    say(f"noted on #{number}")


@app.command("ack")
def ack(number: int, as_: str | None = AS_OPTION) -> None:
    """Acknowledge: a response, though not a resolution."""
    inquiries.acknowledge(desk(), number, by=actor(as_, number))
    say(f"acknowledged #{number}")


@app.command("wait")
def wait(number: int, as_: str | None = AS_OPTION) -> None:
    """Mark it waiting on the customer."""
    inquiries.wait_on_customer(desk(), number, by=actor(as_, number))
    say(f"#{number} is waiting on the customer")


@app.command("escalate")
def escalate(
    number: int,
    to: str | None = typer.Option(None, help="@handle; default Backup."),
    note: str = typer.Option("", help="What you need."),
    as_: str | None = AS_OPTION,
) -> None:
    """Ask for help: the Backup first, then other members by @handle."""
    escalation_id = escalations.escalate(desk(), number, by=actor(as_, number), to=to, note=note)
    say(f"escalation {escalation_id} on #{number}")


@app.command("answer")
def answer(
    number: int,
    escalation_id: int,
    response: str = typer.Argument(..., help="accepted, delayed or declined."),
    note: str = typer.Option(""),
    as_: str | None = AS_OPTION,
) -> None:
    """Answer an escalation you were asked for."""
    escalations.answer(desk(), number, escalation_id, response, by=actor(as_), note=note)
    say(f"escalation {escalation_id} {response}")


@app.command("delegate")
def delegate(
    until: str = typer.Option(..., help="End of the window, ISO-8601 with offset."),
    start: str | None = typer.Option(None, "--from", help="Start (default now)."),
    as_: str | None = AS_OPTION,
) -> None:
    """Ask the Backup to hold the Primary role for a window; in force once accepted."""
    d = desk()
    begin = _parse_instant(start, "--from") or d.now()
    end = _parse_instant(until, "--until")
    assert end is not None
    delegation_id = shifts.delegate(d, begin, end, by=actor(as_))
    say(
        f"delegation {delegation_id} proposed; the Backup accepts it with "
        f"'sredesk shift accept {delegation_id}'"
    )


@app.command("resolve")
def resolve(
    number: int,
    kind: list[str] = typer.Option(..., "--kind", help="answered, diagnosed, workaround, ..."),
    note: str = typer.Option(""),
    link: str | None = typer.Option(None, help="The product issue, for promoted."),
    link_kind: str = typer.Option("constructive-correction"),
    as_: str | None = AS_OPTION,
) -> None:
    """Resolve with one or more kinds."""
    inquiries.resolve(
        desk(), number, kind, by=actor(as_, number), note=note, link_url=link, link_kind=link_kind
    )
    say(f"resolved #{number}")


@app.command("reopen")
def reopen(number: int, as_: str | None = AS_OPTION) -> None:
    """Reopen a resolved or closed inquiry."""
    inquiries.reopen(desk(), number, by=actor(as_, number))
    say(f"reopened #{number}")


@app.command("close")
def close(number: int, as_: str | None = AS_OPTION) -> None:
    """Close a resolved inquiry."""
    inquiries.close(desk(), number, by=actor(as_, number))
    say(f"closed #{number}")


@app.command("serious")
def serious(
    number: int, off: bool = typer.Option(False, "--off"), as_: str | None = AS_OPTION
) -> None:
    """Mark it serious: it needs a postmortem before it can be resolved."""
    inquiries.mark_serious(desk(), number, not off, by=actor(as_, number))
    say(f"#{number} serious: {not off}")


@app.command("keep")
def keep(
    number: int, off: bool = typer.Option(False, "--off"), as_: str | None = AS_OPTION
) -> None:
    """Keep it at the next handoff: it is nearly resolved."""
    inquiries.keep_at_handoff(desk(), number, not off, by=actor(as_, number))
    say(f"#{number} keep at handoff: {not off}")


@app.command("assign")
def assign(number: int, to: str, as_: str | None = AS_OPTION) -> None:
    """Give it to another member."""
    inquiries.assign(desk(), number, to, by=actor(as_, number))
    say(f"#{number} assigned to {to.lstrip('@')}")


@app.command("confirm-redirect")
def confirm_redirect(number: int, as_: str | None = AS_OPTION) -> None:
    """Record the three-way confirmation that the user reached the Primary."""
    inquiries.confirm_redirect(desk(), number, by=actor(as_, number))
    say(f"#{number} redirect confirmed")


@app.command("postmortem")
def postmortem(
    number: int,
    what: str | None = typer.Option(None, help="What happened (default: the draft's)."),
    why: str | None = typer.Option(None, help="Why it happened."),
    recommendations: str | None = typer.Option(None, help="What to change."),
    as_: str | None = AS_OPTION,
) -> None:
    """Print the pre-filled draft; with --why and --recommendations, write it."""
    # Part of the text alone would print the draft and write nothing, which reads as done.
    parts = {"--what": what, "--why": why, "--recommendations": recommendations}
    missing = [name for name in ("--why", "--recommendations") if parts[name] is None]
    if missing and any(value is not None for value in parts.values()):
        raise InvalidInput(f"give {' and '.join(missing)} too, to write the postmortem")
    draft = postmortems.draft(desk(), number)
    if why is None or recommendations is None:
        for key, value in draft.items():
            say(f"## {key.replace('_', ' ')}\n{value or '(to write)'}\n")
        return
    text = PostmortemDraft(
        what_happened=what or draft["what_happened"],
        why=why,
        resources=draft["resources"],
        milestones=draft["milestones"],
        recommendations=recommendations,
    )
    postmortems.write(desk(), number, text, by=actor(as_, number))
    say(f"postmortem written for #{number}")


@app.command("sweep-stale")
def sweep_stale(
    days: int | None = typer.Option(None, help="Days of silence (default 21)."),
) -> None:
    """Resolve as no-reply the inquiries whose customer has been silent too long."""
    closed = inquiries.sweep_stale(desk(), days=days)
    say("resolved as no-reply: " + (", ".join(f"#{n}" for n in closed) or "none"))


@app.command("attach")
def attach(
    number: int,
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    as_: str | None = AS_OPTION,
) -> None:
    """Attach a file; it stays private until a member approves it for world read."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    attachment = inquiries.attach(
        desk(),
        number,
        filename=path.name,
        content_type=content_type,
        content=path.read_bytes(),
        by=actor(as_, number),
    )
    say(f"attachment {attachment} on #{number} (private)")


@app.command("approve")
def approve(number: int, attachment_id: int, as_: str | None = AS_OPTION) -> None:
    """Approve an attachment for world read."""
    inquiries.approve_attachment(desk(), number, attachment_id, by=actor(as_, number))
    say(f"attachment {attachment_id} on #{number} is world-readable")
