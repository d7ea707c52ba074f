"""Work with GitHub from the shell: promote, mirror, the backlog, and sending."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer

from sredesk.adapters.github.settings import GitHubSettings
from sredesk.cli.common import AS_OPTION, actor, desk, print_json, printable, say
from sredesk.core.errors import InvalidInput
from sredesk.core.github import parse_known_issue, parse_repo
from sredesk.services import github, outbox

# githubkit takes longer to import than the rest of the desk: only the commands that talk to
# GitHub import the client.
if TYPE_CHECKING:
    from sredesk.services.github_sender import GitHubSender

lhf_app = typer.Typer(help="Low-hanging fruit from the product backlog.", no_args_is_help=True)
github_app = typer.Typer(help="The GitHub bridge.", no_args_is_help=True)


def _settings() -> GitHubSettings:
    return GitHubSettings.from_env(os.environ)


def _sender() -> GitHubSender:
    from sredesk.adapters.github.client import GitHubClient
    from sredesk.services.github_sender import GitHubSender

    config = _settings()
    return GitHubSender(desk(), config, GitHubClient(config.token, config.api_url))


def _deliver_queued(number: int, kind: str, what: str, done: str) -> None:
    """Deliver the GitHub channel when a token is set, then say what became of the message of
    `kind` just queued for inquiry `number`: `done`, `what` queued (and why), or given up."""
    has_token = bool(_settings().token)
    if has_token:  # without one GitHub refuses every write: leave the whole queue as it is
        outbox.deliver_due(desk(), {"github": _sender()})
    found = [m for m in outbox.list_outbox(desk(), inquiry_number=number) if m["kind"] == kind]
    message = found[-1]
    if message["sent_at"]:
        say(done)
    elif message["failed"]:
        say(
            f"error: #{number}: GitHub refused the {what} ({message['last_error']}); once that "
            f"is fixed, retry it with POST /api/v1/outbox/{message['id']}/retry",
            err=True,
        )
        raise typer.Exit(1)
    elif not has_token:
        say(
            f"#{number}: {what} queued; set SREDESK_GITHUB_TOKEN, then 'sredesk github send' "
            "sends it"
        )
    else:
        why = f" ({message['last_error']})" if message["last_error"] else ""
        say(f"#{number}: {what} queued{why}; 'sredesk github send' retries it")


def promote(
    number: int,
    repo: str | None = typer.Option(None, help="File a new issue in OWNER/NAME."),
    known: str | None = typer.Option(None, help="Update OWNER/NAME#NUM instead."),
    title: str | None = typer.Option(None, help="The new issue's title."),
    comprehensive: bool = typer.Option(False, help="It is the full solution, not a correction."),
    note: str = typer.Option("", help="With --known: what is new."),
    as_: str | None = AS_OPTION,
) -> None:
    """Promote to a product-development issue (--repo) or update a known one (--known)."""
    by = actor(as_, number)
    if (repo is None) == (known is None):
        say("error: give exactly one of --repo OWNER/NAME or --known OWNER/NAME#NUM", err=True)
        raise typer.Exit(2)
    if known is not None:
        known_repo, issue = parse_known_issue(known)
        github.update_known(
            desk(),
            number,
            known_repo,
            issue,
            by=by,
            product_repos=_settings().product_repos,
            note=note,
        )
        say(f"#{number} resolved as a known issue")
        done = f"#{number}: {known} updated and flagged for review"
        _deliver_queued(number, "github.known", "known-issue update", done)
        return
    assert repo is not None
    kind = "comprehensive-solution" if comprehensive else "constructive-correction"
    github.promote(
        desk(),
        number,
        parse_repo(repo),
        by=by,
        product_repos=_settings().product_repos,
        title=title,
        kind=kind,
        link_back=_settings().inquiry_url(number),
    )
    _deliver_queued(number, "github.promote", "product issue", f"#{number}: product issue filed")


def mirror(
    number: int,
    repo: str = typer.Option(..., help="The SRE repository."),
    as_: str | None = AS_OPTION,
) -> None:
    """Copy an e-mail inquiry and its conversation to the SRE repository."""
    config = _settings()
    github.mirror(
        desk(), number, parse_repo(repo), by=actor(as_, number), sre_repos=config.sre_repos
    )
    _deliver_queued(number, "github.mirror", f"mirror to {repo}", f"#{number} mirrored to {repo}")


@github_app.command("send")
def send(once: bool = typer.Option(True, help="One pass (default).")) -> None:
    """Deliver what the desk queued for GitHub."""
    if not _settings().token:
        raise InvalidInput("SREDESK_GITHUB_TOKEN is not set; GitHub takes no writes without it")
    report = outbox.deliver_due(desk(), {"github": _sender()})
    say(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")


@lhf_app.command("sync")
def lhf_sync() -> None:
    """Fetch labelled open issues from the product repositories."""
    from sredesk.adapters.github.client import GitHubClient
    from sredesk.services import backlog
    from sredesk.services.outbox import DeliveryError

    config = _settings()
    if not config.product_repos:
        raise InvalidInput(
            "no product repositories to sync; set SREDESK_GITHUB_PRODUCT_REPOS, "
            "e.g. visit-dav/visit"
        )
    try:
        summary = backlog.sync(desk(), config, GitHubClient(config.token, config.api_url))
    except DeliveryError as error:  # raised before anything is stored
        say(
            f"error: cannot fetch the backlog from GitHub ({error}); check SREDESK_GITHUB_API_URL, "
            "SREDESK_GITHUB_TOKEN and the network, then sync again",
            err=True,
        )
        raise typer.Exit(1) from None
    say(f"added {summary['added']}, updated {summary['updated']}, closed {summary['closed']}")


@lhf_app.command("list")
def lhf_list(
    max_hours: float = typer.Option(4.0, help="Largest estimate to show."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Low-hanging fruit for the Primary, smallest estimate first."""
    from sredesk.services import backlog

    found = backlog.ranked(desk(), max_hours=max_hours)
    if json_out:
        print_json(found)
        return
    for f in found:
        hours = f"{f['estimate_hours']:.1f} h" if f["estimate_hours"] is not None else "  ? h"
        say(f"{f['id']:>4}  {hours:>7}  {f['repo']}#{f['number']}  {printable(f['title'])}")


@lhf_app.command("done")
def lhf_done(
    fruit_id: int,
    minutes: int = typer.Option(..., help="Effort spent."),
    note: str = typer.Option(""),
    as_: str | None = AS_OPTION,
) -> None:
    """Mark fruit fixed and log the effort."""
    from sredesk.services import backlog

    backlog.done(desk(), fruit_id, by=actor(as_), minutes=minutes, note=note)
    say(f"fruit {fruit_id} done; {minutes} min logged")
