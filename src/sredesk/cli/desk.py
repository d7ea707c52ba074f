"""Run the rest of the desk from the shell: members, shifts, handoff and the effort log."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from sredesk.cli.common import (
    AS_OPTION,
    OPERATOR_OPTION,
    actor,
    desk,
    operator,
    print_json,
    print_table,
    printable,
    say,
)
from sredesk.core.dates import parse_date
from sredesk.core.errors import InvalidInput
from sredesk.services import effort as effort_service
from sredesk.services import shifts, team

member_app = typer.Typer(help="The team's members.", no_args_is_help=True)
shift_app = typer.Typer(help="Weekly shifts and delegations.", no_args_is_help=True)
effort_app = typer.Typer(help="The effort log.", no_args_is_help=True)


def _date(value: str | None, what: str) -> date | None:
    return None if value is None else parse_date(value, what)


@member_app.command("list")
def member_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """List the members."""
    found = team.list_members(desk())
    if json_out:
        print_json(found)
        return
    print_table(
        ("handle", "name", "percent", "served", "joined", "classified", "active"),
        (
            (
                m["handle"],
                m["name"],
                str(m["percent_time"]),
                str(m["experience"]),
                m["joined"] or "",
                "yes" if m["classified_access"] else "",
                "yes" if m["active"] else "no",
            )
            for m in found
        ),
        width=120,
    )


@member_app.command("add")
def member_add(
    handle: str,
    name: str = typer.Option(...),
    email: str = typer.Option(...),
    percent_time: int = typer.Option(50, help="1..100; 50 is nominal."),
    experience: int = typer.Option(0, help="Primary weeks served so far."),
    classified_access: bool = typer.Option(False),
    timezone: str = typer.Option("America/Los_Angeles"),
    github: str | None = typer.Option(None, help="GitHub login."),
    joined: str | None = typer.Option(
        None,
        help="The Monday from which they share the weeks, YYYY-MM-DD (default: this week's).",
    ),
    as_: str | None = OPERATOR_OPTION,
) -> None:
    """Add a member; they owe no weeks from before they joined."""
    since = team.add_member(
        desk(),
        handle,
        name,
        email,
        percent_time=percent_time,
        experience=experience,
        classified_access=classified_access,
        timezone=timezone,
        github=github,
        joined=_date(joined, "--joined"),
        actor=operator(as_),
    )
    say(f"added {handle.lstrip('@')}, sharing the desk's weeks from {since}")


@member_app.command("edit")
def member_edit(
    handle: str,
    name: str | None = typer.Option(None),
    email: str | None = typer.Option(None),
    percent_time: int | None = typer.Option(None, help="1..100; 50 is nominal."),
    experience: int | None = typer.Option(None, help="Primary weeks served elsewhere."),
    classified_access: bool | None = typer.Option(
        None, "--classified-access/--no-classified-access"
    ),
    timezone: str | None = typer.Option(None),
    github: str | None = typer.Option(None, help="GitHub login; '' removes it."),
    joined: str | None = typer.Option(
        None, help="The Monday from which they share the weeks, YYYY-MM-DD."
    ),
    from_start: bool = typer.Option(
        False, "--from-start", help="They were there from the start of the history."
    ),
    active: bool | None = typer.Option(None, "--active/--inactive"),
    as_: str | None = OPERATOR_OPTION,
) -> None:
    """Change a member's fields; only those given change."""
    if joined is not None and from_start:
        raise InvalidInput("give --joined DATE or --from-start, not both")
    changes: dict[str, Any] = {
        key: value
        for key, value in {
            "name": name,
            "email": email,
            "percent_time": percent_time,
            "experience": experience,
            "classified_access": classified_access,
            "timezone": timezone,
            "github": github,
            "active": active,
            "joined": _date(joined, "--joined"),
        }.items()
        if value is not None
    }
    if github == "":
        changes["github"] = None  # '' is how the shell says "no login"
    if from_start:
        changes["joined"] = None
    if not changes:
        raise InvalidInput(
            "nothing to change; give a field, such as --percent-time 50 (see --help)"
        )
    changed = team.update_member(desk(), handle, actor=operator(as_), **changes)
    handle = handle.lstrip("@")
    if not changed:
        say(f"{handle} unchanged")
        return
    said = ", ".join(f"{key} {old} -> {new}" for key, (old, new) in changed.items())
    say(f"updated {handle}: {said}")
    if "active" in changed and not changed["active"][1]:
        for week in team.weeks_held(desk(), handle):
            say(
                f"warning: {handle} is off the rotation but still {week['role'].capitalize()} "
                f"in the week of {week['week_start']}; give it to someone with 'sredesk "
                f"schedule swap {week['week_start']} --role {week['role']} --member {handle} "
                "--to HANDLE', or plan those weeks again",
                err=True,
            )


@member_app.command("time-off")
def member_time_off(
    handle: str,
    start: str,
    end: str,
    reason: str = typer.Option("vacation"),
    as_: str | None = OPERATOR_OPTION,
) -> None:
    """Record time-off (inclusive dates); the planner works around it."""
    first, last = _date(start, "START"), _date(end, "END")
    assert first is not None
    assert last is not None
    entry = team.add_time_off(desk(), handle, first, last, reason, actor=operator(as_))
    say(f"time-off #{entry} recorded for {handle.lstrip('@')}")
    for week in team.weeks_left_by(desk(), handle, first, last):
        say(
            f"warning: {handle.lstrip('@')} is still {week['role'].capitalize()} in the week of "
            f"{week['week_start']}, which this time-off touches; ask for a swap on /rotation",
            err=True,
        )


@member_app.command("time-off-list")
def member_time_off_list(
    handle: str | None = typer.Argument(None, help="Only this member's (default: everyone's)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List time-off with its ids, by start."""
    found = team.list_time_off(desk(), handle)
    if json_out:
        print_json(found)
        return
    for t in found:
        say(f"#{t['id']:<5} {t['member']:<12} {t['start']} to {t['end']}  {printable(t['reason'])}")
    if not found:
        say("no time-off")


@member_app.command("time-off-remove")
def member_time_off_remove(
    handle: str,
    time_off_id: int = typer.Argument(..., metavar="ID"),
    as_: str | None = OPERATOR_OPTION,
) -> None:
    """Remove a member's time-off by its id (see time-off-list), such as one entered by mistake."""
    removed = team.remove_time_off(desk(), handle, time_off_id, actor=operator(as_))
    say(
        f"removed time-off #{time_off_id} of {removed['member']}: "
        f"{removed['start']} to {removed['end']} ({removed['reason']})"
    )


@shift_app.command("list")
def shift_list(
    start: str | None = typer.Option(None),
    end: str | None = typer.Option(None),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List shifts, with their delegations."""
    found = shifts.list_shifts(desk(), start=_date(start, "--start"), end=_date(end, "--end"))
    if json_out:
        print_json(found)
        return
    for s in found:
        say(f"{s['week_start']}  primary {s['primary']:<12} backup {s['backup']}")
        for d in s["delegations"]:
            say(
                f"    delegation {d['id']}: {d['from_member']} -> {d['to_member']} "
                f"{d['start'][:16]}..{d['end'][:16]} {d['status']}"
            )


@shift_app.command("set")
def shift_set(
    week_start: str, primary: str, backup: str, as_: str | None = OPERATOR_OPTION
) -> None:
    """Set the Primary and Backup of the week starting WEEK_START (a Monday)."""
    week = _date(week_start, "WEEK_START")
    assert week is not None
    shifts.set_shift(desk(), week, primary, backup, actor=operator(as_))
    say(f"week of {week}: {primary} primary, {backup} backup")


@shift_app.command("now")
def shift_now(json_out: bool = typer.Option(False, "--json")) -> None:
    """Who holds the desk now."""
    duty = shifts.current_duty(desk())
    if json_out:
        print_json(duty)
    elif duty is None:
        say("nobody: no shift covers this week")
    else:
        held = f" (delegated to {duty['delegate']})" if duty["delegate"] else ""
        say(f"primary {duty['primary']}{held}, backup {duty['backup']}")


@shift_app.command("accept")
def shift_accept(delegation_id: int, as_: str | None = AS_OPTION) -> None:
    """Accept a delegation of the Primary role."""
    shifts.answer_delegation(desk(), delegation_id, by=actor(as_), accept=True)
    say(f"delegation {delegation_id} accepted")


@shift_app.command("decline")
def shift_decline(delegation_id: int, as_: str | None = AS_OPTION) -> None:
    """Decline a delegation of the Primary role."""
    shifts.answer_delegation(desk(), delegation_id, by=actor(as_), accept=False)
    say(f"delegation {delegation_id} declined")


@shift_app.command("end")
def shift_end(delegation_id: int, as_: str | None = AS_OPTION) -> None:
    """End a delegation early; the Primary holds the role again."""
    shifts.end_delegation(desk(), delegation_id, by=actor(as_))
    say(f"delegation {delegation_id} ended")


def handoff(
    week: str | None = typer.Option(
        None,
        help="A day of the ending week (default: this week from its last business day, "
        "else last week).",
    ),
    note: str = typer.Option("", help="Added to the notice customers receive."),
    dry_run: bool = typer.Option(False, help="Show what would move; change nothing."),
    release: list[int] = typer.Option(
        [], "--release", help="Hand over after all an inquiry this week's handoff kept."
    ),
    as_: str | None = AS_OPTION,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Hand every unresolved inquiry to next week's Primary, except those marked keep.

    Run again in the same week, it hands over only what is new: what it handed stays handed,
    and what it kept stays kept unless named with --release.
    """
    result = shifts.handoff(
        desk(),
        week_start=_date(week, "--week"),
        by=as_,
        note=note,
        dry_run=dry_run,
        release=release,
    )
    if json_out:
        print_json(
            {
                "from": result.from_member,
                "to": result.to_member,
                "backup": result.backup,
                "handed": result.handed,
                "kept": result.kept,
                "kept_earlier": result.kept_earlier,
                "stayed": result.stayed,
                "to_backup": result.to_backup,
                "uncleared": result.uncleared,
                "dry_run": dry_run,
            }
        )
        return
    verb = "would hand" if dry_run else "handed"
    to_primary = [n for n in result.handed if n not in result.to_backup]
    say(
        f"{verb} {len(to_primary)} to {result.to_member}: "
        + (", ".join(f"#{n}" for n in to_primary) or "none")
    )
    kept = [
        f"#{n}" + (" (earlier this week)" if n in result.kept_earlier else "") for n in result.kept
    ]
    say(f"kept by {result.from_member}: " + (", ".join(kept) or "none"))
    if result.stayed:
        say(
            f"already with {result.to_member}, no notice: "
            + ", ".join(f"#{n}" for n in result.stayed)
        )
    if result.to_backup:
        say(
            f"classified, to {result.backup} (cleared; {result.to_member} is not): "
            + ", ".join(f"#{n}" for n in result.to_backup)
        )
    if result.uncleared:
        say(
            "classified, left unassigned (nobody next is cleared): "
            + ", ".join(f"#{n}" for n in result.uncleared)
        )


@effort_app.command("log")
def effort_log(
    minutes: int,
    inquiry: int | None = typer.Option(None, help="The inquiry it was for."),
    on: str | None = typer.Option(None, help="The day (default today)."),
    note: str = typer.Option(""),
    as_: str | None = AS_OPTION,
) -> None:
    """Log minutes of effort, on an inquiry or on desk work."""
    entry = effort_service.log_effort(
        desk(),
        by=actor(as_, inquiry),
        minutes=minutes,
        on=_date(on, "--on"),
        note=note,
        inquiry_number=inquiry,
    )
    say(f"logged {minutes} min (entry {entry})")


@effort_app.command("list")
def effort_list(
    member: str | None = typer.Option(None),
    inquiry: int | None = typer.Option(None),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List effort entries."""
    found = effort_service.list_effort(desk(), member_handle=member, inquiry_number=inquiry)
    if json_out:
        print_json(found)
        return
    for e in found:
        on = f"#{e['inquiry']}" if e["inquiry"] else "desk"
        say(f"{e['on']}  {e['member']:<10} {e['minutes']:>5} min  {on}  {printable(e['note'])}")
