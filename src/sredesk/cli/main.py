"""Define the `sredesk` command and its groups."""

from __future__ import annotations

import os
import sys

import typer

from sredesk.cli import desk as desk_cli
from sredesk.cli import github as github_cli
from sredesk.cli import inquiry as inquiry_cli
from sredesk.cli.common import DeskGroup, check_utf8_invocation, desk, say
from sredesk.cli.mail import DAY, mail_app, report_failed_pass, worker_passes
from sredesk.cli.schedule import schedule_app, team_app
from sredesk.cli.sla import calendar_app, sla_app
from sredesk.cli.user import user_app
from sredesk.core.errors import InvalidInput

app = typer.Typer(
    cls=DeskGroup,
    help="Run a software team's SRE desk. The database is $SREDESK_DATABASE_URL "
    "(default sqlite:///sredesk.db).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(inquiry_cli.app, name="inquiry")
app.add_typer(desk_cli.member_app, name="member")
app.add_typer(desk_cli.shift_app, name="shift")
app.add_typer(desk_cli.effort_app, name="effort")
app.command("handoff")(desk_cli.handoff)
app.add_typer(sla_app, name="sla")
app.add_typer(calendar_app, name="calendar")
app.add_typer(schedule_app, name="schedule")
app.add_typer(team_app, name="team")
app.add_typer(mail_app, name="mail")
app.add_typer(github_cli.lhf_app, name="lhf")
app.add_typer(github_cli.github_app, name="github")
app.add_typer(user_app, name="user")
inquiry_cli.app.command("promote")(github_cli.promote)
inquiry_cli.app.command("mirror")(github_cli.mirror)


@app.command()
def init(
    no_demo: bool = typer.Option(False, "--no-demo", help="Create an empty desk."),
    team_name: str = typer.Option("SRE desk", "--team", help="The team's name, with --no-demo."),
    calendar: str = typer.Option("llnl", help="The holiday calendar, with --no-demo."),
) -> None:
    """Create the database, by default with a demo team, a rotation and a few inquiries."""
    from sredesk.core.errors import NotFound
    from sredesk.services import demo, team

    d = desk()
    try:
        with d.unit_of_work() as uow:
            existing: str | None = uow.team.get().name
    except NotFound:
        existing = None
    if existing is not None:
        say(f"the desk is initialised already (team {existing}); nothing changed")
        if demo.has_demo_login(d):
            say(demo.LOGIN_HINT)
        return
    if no_demo:
        team.create_team(d, team_name, calendar=calendar)
        say(f"created an empty desk for team {team_name}")
    else:
        demo.seed(d)
        say("created the demo desk: team VisIt, 5 members, 13 weeks of shifts")
        say(demo.LOGIN_HINT)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="The address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="The port."),
    watch_every: float = typer.Option(
        60, min=0, max=DAY, help="Seconds between clock-watcher runs (at most a day); 0 stops it."
    ),
    secure_cookies: bool = typer.Option(
        False, "--secure-cookies", help="Mark cookies Secure: the desk is served behind TLS."
    ),
) -> None:
    """Serve the API (and the web desk) until interrupted."""
    import uvicorn

    from sredesk.adapters.github.client import GitHubClient
    from sredesk.adapters.github.settings import GitHubSettings
    from sredesk.services.github_sender import GitHubSender
    from sredesk.services.outbox import Sender
    from sredesk.settings import Settings
    from sredesk.web.app import create_app

    github = GitHubSettings.from_env(os.environ)
    mail = Settings.from_env(os.environ).mail
    senders: dict[str, Sender] = {}
    if github.token:
        senders["github"] = GitHubSender(desk(), github, GitHubClient(github.token, github.api_url))
    say(f"serving the desk on http://{host}:{port}: sign in at /login; the API is at /api/v1")
    app_ = create_app(
        desk(),
        watch_every=watch_every or None,
        github=github,
        senders=senders,
        secure_cookies=secure_cookies,
        secret=mail.secret if mail is not None else None,
    )
    uvicorn.run(app_, host=host, port=port, log_level="info")


@sla_app.command("watch")
def watch(
    once: bool = typer.Option(False, "--once", help="Run one pass and exit."),
    every: float = typer.Option(60, min=1, max=DAY, help="Seconds between passes (at most a day)."),
) -> None:
    """Warn assignees at each clock threshold and the Backup at breach, in business hours."""
    from sredesk.services import watcher

    for _ in worker_passes(once, every):
        try:
            warnings = watcher.watch_once(desk())
        except Exception as error:
            if once:
                raise  # reported in one line, exit 2
            # Like the mail worker, it outlives a restarting database: each warning is
            # queued once under its key, so the next pass queues what this one could not.
            report_failed_pass(error, every)
            continue
        for warning in warnings:
            say(f"#{warning.inquiry}: {warning.key} -> {warning.recipient}")


def run() -> None:
    try:
        check_utf8_invocation(sys.argv[1:], os.environ)
    except InvalidInput as error:
        say(f"error: {error}", err=True)
        raise SystemExit(2) from None
    app()
