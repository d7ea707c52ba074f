"""Plan and publish the rotation, swap weeks, and write the calendar feeds from the shell."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from sredesk.cli.common import AS_OPTION, OPERATOR_OPTION, actor, desk, operator, print_json, say
from sredesk.core.dates import parse_date
from sredesk.core.errors import InvalidInput
from sredesk.settings import Settings

# The rotation planner imports OR-Tools (and with it pandas), which takes longer than the
# rest of the desk together: the commands import the rotation services they use.

schedule_app = typer.Typer(
    help="The rotation: plans, swaps, fairness, calendar feeds.", no_args_is_help=True
)
team_app = typer.Typer(help="The roster as a team file.", no_args_is_help=True)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InvalidInput(f"cannot read {path}: {reason}") from None


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        reason = error.strerror or error
        raise InvalidInput(
            f"cannot write {path}: {reason}; give a file in a folder you may write to"
        ) from None


@schedule_app.command("plan")
def plan(
    start: str = typer.Option(..., help="The first Monday, YYYY-MM-DD."),
    weeks: int = typer.Option(..., help="How many weeks, 1..52."),
    team: Path | None = typer.Option(None, help="Plan from this team file, not the database."),
    json_out: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    as_: str | None = OPERATOR_OPTION,
) -> None:
    """Plan Primary and Backup weeks, fair by percent-time, around time-off and holidays.

    With --team the plan comes from the file alone and nothing is stored; without it, the
    plan is drafted from the desk's roster and shifts, to publish with 'schedule publish'.
    """
    first = parse_date(start, "--start")
    if not 1 <= weeks <= 52:
        raise InvalidInput(f"--weeks {weeks} is outside 1..52")
    if first.weekday() != 0:
        raise InvalidInput(f"--start {first} is not a Monday; plans start on Mondays")
    if team is not None:
        from sredesk.core.calendar import BusinessCalendar, load_calendar
        from sredesk.core.rotation import plan_rotation
        from sredesk.core.teamfile import parse_team

        settings = Settings.from_env(os.environ)
        calendars: dict[str, BusinessCalendar] = {}

        def named(name: str) -> BusinessCalendar:
            if name not in calendars:
                calendars[name] = load_calendar(
                    name, settings.calendars, read_text=settings.read_calendar_file
                )
            return calendars[name]

        # Refused as on import: a team's timezone is its calendar's.
        parsed = parse_team(_read(team), str(team), calendar_zone=lambda name: str(named(name).tz))
        calendar = named(parsed.team.calendar)
        result = plan_rotation(
            parsed.members,
            start=first,
            weeks=weeks,
            is_business_day=calendar.is_business_day,
            experienced_after=parsed.team.experienced_after,
            history=parsed.history,
        )
        document = result.to_json()
    else:
        from sredesk.services import rotation

        document = rotation.plan(desk(), first, weeks, by=operator(as_))
    if json_out:
        print_json(document)
        return
    for w in document["weeks"]:
        say(f"{w['week_start']}  primary {w['primary']:<12} backup {w['backup']}")
    proof = "proven optimal" if document["optimal"] else "best found, not proven optimal"
    say(
        f"{proof}; largest Primary deviation "
        f"{document['fairness']['largest_primary_deviation']} weeks"
    )
    if "id" in document:
        say(
            f"draft plan {document['id']}: publish it with "
            f"'sredesk schedule publish {document['id']}'"
        )


@schedule_app.command("plans")
def plans(json_out: bool = typer.Option(False, "--json")) -> None:
    """List drafted and published plans."""
    from sredesk.services import rotation

    found = rotation.list_plans(desk())
    if json_out:
        print_json(found)
        return
    for p in found:
        say(
            f"plan {p['id']}: {p['status']:<10} from {p['start']}, "
            f"{len(p['weeks'])} weeks, moved {p['moved']}"
        )


@schedule_app.command("publish")
def publish(plan_id: int, as_: str | None = OPERATOR_OPTION) -> None:
    """Publish a draft: its weeks become the desk's shifts, and the team is told."""
    from sredesk.services import rotation

    published = rotation.publish(desk(), plan_id, by=operator(as_))
    say(f"published plan {plan_id}: {len(published['weeks'])} weeks from {published['start']}")


@schedule_app.command("swap")
def swap(
    week: str = typer.Argument(..., help="A day of the week, YYYY-MM-DD."),
    role: str = typer.Option(..., help="primary or backup."),
    member: str = typer.Option(..., help="Who holds the role now."),
    to: str | None = typer.Option(
        None, help="Record a swap this member agreed to: they take the role now."
    ),
    note: str = typer.Option(""),
    json_out: bool = typer.Option(False, "--json"),
    as_: str | None = AS_OPTION,
) -> None:
    """List who could take the role that week; with --to, record an agreed swap.

    The shell acts with the desk's own rights, as an admin does: --to puts the member into
    the week at once, so use it for a swap the holder and the replacement agreed. Members
    ask for a swap and accept one on the web desk's /rotation page.
    """
    from sredesk.services import rotation

    day = parse_date(week, "WEEK")
    if to is None:
        options = rotation.swap_options(desk(), day, role, member)
        if json_out:
            print_json(options)
            return
        for o in options:
            rest = "no shifts" if o["distance_weeks"] is None else f"{o['distance_weeks']} wk"
            say(f"{o['handle']:<12} debt {o['fairness_debt']:+.2f}  nearest shift {rest}")
        return
    warnings = rotation.swap(desk(), day, role, member, to, by=actor(as_), note=note)
    say(f"week of {day}: {to.lstrip('@')} replaces {member.lstrip('@')} as {role}")
    for warning in warnings:
        say(f"warning: {warning}", err=True)


@schedule_app.command("fairness")
def fairness(json_out: bool = typer.Option(False, "--json")) -> None:
    """Target and actual Primary and Backup weeks per member, with and without history."""
    from sredesk.services import rotation

    report = rotation.fairness(desk())
    if json_out:
        print_json(report)
        return
    say(f"{'member':<12}{'%':>4}  primary target/actual  backup target/actual")
    for m in report["members"]:
        p, b = m["primary"], m["backup"]
        say(
            f"{m['handle']:<12}{m['percent_time']:>4}  {p['target']:>6.2f} / {p['actual']:<6}"
            f"        {b['target']:>6.2f} / {b['actual']}"
        )


@schedule_app.command("ics")
def ics(
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the .ics file."),
    member: str | None = typer.Option(None, help="One member's feed instead of the team's."),
) -> None:
    """Write the team's (or a member's) calendar feed to a file."""
    from sredesk.services import feeds

    # Written before the feed's new versions are committed: a file that cannot be written
    # leaves the SEQUENCE numbers as they were.
    feeds.render(
        desk(),
        member.lstrip("@") if member else feeds.TEAM,
        write=lambda data: _write(output, data),
    )
    say(f"wrote {output}")


@schedule_app.command("feed-token")
def feed_token(
    member: str | None = typer.Option(None, help="A member's own feed (default: the team's)."),
    revoke: bool = typer.Option(False, help="Revoke the scope's tokens instead."),
) -> None:
    """Issue the secret for a feed's URL (shown once), or revoke it."""
    from sredesk.services import feeds

    scope = member.lstrip("@") if member else feeds.TEAM
    if revoke:
        say(f"revoked {feeds.revoke_tokens(desk(), scope)} token(s) for {scope}")
        return
    token = feeds.issue_token(desk(), scope)
    name = "team" if scope == feeds.TEAM else scope
    say(f"/calendar/{name}.ics?token={token}")


@team_app.command("import")
def team_import(
    path: Path,
    json_out: bool = typer.Option(False, "--json"),
    as_: str | None = OPERATOR_OPTION,
) -> None:
    """Create or update the team, members, time-off and past weeks from a team file."""
    from sredesk.services import teamfile

    summary = teamfile.import_team(desk(), _read(path), str(path), actor=operator(as_))
    if json_out:
        print_json(summary)
    else:
        say(
            f"imported {path}: {summary['members_added']} added, "
            f"{summary['members_updated']} updated, {summary['history_weeks']} past weeks; "
            f"time-off {summary['time_off_added']} added, {summary['time_off_removed']} removed"
        )


@team_app.command("export")
def team_export(path: Path | None = typer.Argument(None, help="Default: standard output.")) -> None:
    """Write the roster as a team file."""
    from sredesk.services import teamfile

    text = teamfile.export_team(desk())
    if path is None:
        typer.echo(text, nl=False)
    else:
        _write(path, text.encode("utf-8"))
        say(f"wrote {path}")
