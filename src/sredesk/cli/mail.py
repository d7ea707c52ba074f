"""Run the mail gateway from the shell: backfill archives, poll, listen, send, and quarantine."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sredesk.cli.common import AS_OPTION, actor, desk, print_json, printable, refusal, say
from sredesk.core.errors import InvalidInput, first_line
from sredesk.settings import MailSettings, Settings, unconfigured_mail

# The mail services import the parser and its HTML and quoting libraries: only the mail
# commands pay for them.
if TYPE_CHECKING:
    from sredesk.adapters.mail.archive import Archive, Kind
    from sredesk.services.mail import Arrival

log = logging.getLogger("sredesk.mail")

# The longest pause a worker takes between passes, in seconds: one that no timer takes (inf)
# would stop the worker after its first pass.
DAY = 24 * 60 * 60

mail_app = typer.Typer(
    help="The mail gateway: import archives, poll IMAP, listen for LMTP, send, quarantine.",
    no_args_is_help=True,
)


def configured() -> MailSettings:
    settings = Settings.from_env(os.environ).mail
    if settings is None:
        raise InvalidInput("mail is not configured; add a [mail] table to the $SREDESK_CONFIG file")
    return settings


@mail_app.command("import")
def import_archive(
    mbox: Path | None = typer.Option(None, "--mbox", help="An mbox file."),
    maildir: Path | None = typer.Option(None, "--maildir", help="A maildir folder."),
    pipermail: Path | None = typer.Option(None, "--pipermail", help="A Pipermail month file."),
    list_name: str | None = typer.Option(None, "--list", help="The list the archive is of."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    workers: int | None = typer.Option(
        None,
        min=0,
        help="Processes that parse while the import writes (default: 1 on a big archive).",
    ),
) -> None:
    """Backfill the desk from an archive; running it again skips what is already in."""
    from sredesk.adapters.mail.archive import Archive
    from sredesk.services.mail import Arrival

    options: list[tuple[Kind, Path | None]] = [
        ("mbox", mbox),
        ("maildir", maildir),
        ("pipermail", pipermail),
    ]
    given = [(kind, path) for kind, path in options if path is not None]
    if len(given) != 1:
        raise InvalidInput(
            "give exactly one archive: --mbox FILE, --maildir DIR or --pipermail FILE"
        )
    kind, path = given[0]
    settings = Settings.from_env(os.environ).mail or unconfigured_mail()
    if list_name is not None and settings.lists and settings.list_named(list_name) is None:
        # A misspelt list would be the source of every inquiry the archive opens.
        names = ", ".join(entry.name for entry in settings.lists)
        raise InvalidInput(f"--list {list_name}: no such list is configured; they are: {names}")
    arrival = Arrival(list_name=list_name, backfill=True)
    with Archive(kind, path) as archive:
        if workers is None:
            # One process parsing ahead is enough: it parses faster than the importer writes.
            # It pays off on big archives only (it takes a moment to start), and only with a
            # second processor.
            workers = 1 if (os.cpu_count() or 1) > 1 and len(archive) > 2000 else 0
        summary = _import(archive, settings, arrival, workers)
    if json_out:
        print_json(summary)
    else:
        say(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in summary.items()))


def _import(
    archive: Archive, settings: MailSettings, arrival: Arrival, workers: int
) -> dict[str, int]:
    from sredesk.services import mail

    if not sys.stderr.isatty():
        return mail.ingest_many(
            desk(), archive, settings=settings, arrival=arrival, workers=workers
        )
    from rich.console import Console
    from rich.progress import Progress

    # The bar goes to standard error, so standard output stays the summary alone.
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("importing", total=len(archive))
        return mail.ingest_many(
            desk(),
            archive,
            settings=settings,
            arrival=arrival,
            workers=workers,
            progress=lambda done: progress.advance(task, done),
        )


@mail_app.command("quarantine")
def quarantine(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the messages held by the rate limit or quarantined, with the reason."""
    from sredesk.services import mail

    rows = mail.quarantine(desk())
    if json_out:
        print_json(rows)
        return
    if not rows:
        say("nothing is held or quarantined")
    for row in rows:
        sender, subject = printable(row["sender"] or "-"), printable(row["subject"] or "")
        say(
            f'{row["id"]:>6}  {row["outcome"]:<11} {sender} "{subject}": {printable(row["reason"])}'
        )


@mail_app.command("release")
def release(
    row_id: int = typer.Argument(..., help="The id 'mail quarantine' shows."),
    as_: str | None = AS_OPTION,
) -> None:
    """Take a held or quarantined message in again, as if it had just arrived."""
    from sredesk.services import mail

    outcome = mail.release(desk(), row_id, settings=configured(), by=actor(as_))
    if outcome.inquiry is None:
        say(f"{outcome.status} again: {printable(outcome.reason)}")
    else:
        say(f"{outcome.status}: inquiry #{outcome.inquiry}")


@mail_app.command("poll")
def poll(
    once: bool = typer.Option(False, "--once", help="Take what is waiting, then exit."),
    every: float = typer.Option(
        60, min=1, max=DAY, help="Seconds between polls without IDLE (at most a day)."
    ),
) -> None:
    """Take mail from each list's IMAP folder, waiting in IDLE where the server offers it."""
    import imaplib  # with ssl, a cost only this command should pay

    from sredesk.adapters.mail.imap import Poller
    from sredesk.services import mail
    from sredesk.services.mail import Arrival

    settings = configured()
    if not settings.imap_host or not any(entry.mailbox for entry in settings.lists):
        raise InvalidInput("set mail.imap_host and a mailbox for at least one [mail.lists.NAME]")
    the_desk = desk()

    def deliver(raw: bytes, list_name: str) -> object:
        return mail.ingest(the_desk, raw, settings=settings, arrival=Arrival(list_name=list_name))

    poller = Poller(settings, deliver)
    if once:
        try:
            taken = poller.poll_once()
        except (OSError, imaplib.IMAP4.error) as error:
            # The server, the account or a mailbox: the settings to fix, not a bug.
            where = f"{settings.imap_host}:{settings.imap_port}"
            raise InvalidInput(
                f"cannot poll the IMAP server {where}: {first_line(error) or type(error).__name__}"
                "; check mail.imap_* and SREDESK_IMAP_PASSWORD"
            ) from None
        say(f"took {taken} messages")
        return
    _until_interrupted(lambda stop: poller.run(stop, every=every))


@mail_app.command("listen")
def listen(
    host: str = typer.Option("127.0.0.1", help="The address to listen on."),
    port: int = typer.Option(8024, min=1, max=65535, help="The port."),
    protocol: str = typer.Option("lmtp", help="lmtp or smtp."),
) -> None:
    """Accept mail from an MTA over LMTP (or SMTP) until interrupted."""
    from sredesk.adapters.mail.lmtp import DeskHandler, listener
    from sredesk.services import mail

    if protocol not in ("lmtp", "smtp"):
        raise InvalidInput(f"--protocol {protocol!r} must be lmtp or smtp")
    settings = configured()
    the_desk = desk()

    def deliver(raw: bytes, recipients: list[str]) -> object:
        arrival = mail.arrival_for(settings, recipients)
        return mail.ingest(the_desk, raw, settings=settings, arrival=arrival)

    handler = DeskHandler(deliver, lambda address: mail.is_desk_recipient(settings, address))
    server = listener(
        handler,
        host=host,
        port=port,
        protocol=protocol,
        attachment_limit=settings.attachment_limit,
    )
    try:
        server.start()
    except OSError as error:
        # Another listener (a second copy started by mistake) holds the port, or the host
        # is no address of this machine.
        reason = (error.strerror or str(error)).split(": ")[-1]
        raise InvalidInput(
            f"cannot listen on {host}:{port}: {reason}; choose another --host or --port"
        ) from None
    say(f"listening for {protocol.upper()} on {host}:{port}")
    try:
        _until_interrupted(lambda stop: stop.wait())
    finally:
        server.stop()


@mail_app.command("send")
def send(
    once: bool = typer.Option(False, "--once", help="Send what is due, then exit."),
    every: float = typer.Option(30, min=1, max=DAY, help="Seconds between passes (at most a day)."),
) -> None:
    """Send the outbox's e-mail and members' notifications, with retry and backoff."""
    from sredesk.adapters.mail.smtp import SmtpSender
    from sredesk.services.mail_outbound import send_mail

    settings = configured()
    sender = SmtpSender(
        settings.smtp_host,
        settings.smtp_port,
        starttls=settings.smtp_starttls,
        user=settings.smtp_user,
        password=settings.smtp_password,
    )
    for _ in worker_passes(once, every):
        try:
            report = send_mail(desk(), settings, sender)
        except Exception as error:
            if once:
                raise  # reported in one line, exit 2
            # A worker outlives a busy or restarting database, as `mail poll` and the web
            # server's loop do: what was not sent is still queued, and the next pass sends it.
            report_failed_pass(error, every)
            continue
        say(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")


def report_failed_pass(error: Exception, every: float) -> None:
    """Say in one line on stderr that a worker's pass failed and when the next one runs."""
    message = refusal(error)
    if message is None:  # not a refusal the desk knows: a bug, so show where it is
        log.exception("the worker's pass failed")
        message = f"error: {first_line(error)}"
    say(f"{message} (retrying in {every:g} s)", err=True)


def worker_passes(once: bool, every: float) -> Iterator[None]:
    """Yield once per pass of a worker, `every` seconds apart, until interrupted."""
    stop = threading.Event()
    try:
        while True:
            yield
            if once or stop.wait(every):
                return
    except KeyboardInterrupt:
        return


def _until_interrupted(work: Callable[[threading.Event], object]) -> None:
    stop = threading.Event()
    runner = threading.Thread(target=work, args=(stop,), daemon=True)
    runner.start()
    try:
        while runner.is_alive():
            runner.join(0.5)
    except KeyboardInterrupt:
        stop.set()
        runner.join(5)
