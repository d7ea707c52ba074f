"""Read the desk's configuration from an environment mapping and an optional TOML file."""

from __future__ import annotations

import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from sredesk.core.errors import InvalidInput
from sredesk.core.mailthread import Signer

DEFAULT_DATABASE_URL = "sqlite:///sredesk.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    config_path: Path | None = None
    # The [calendars] table of the configuration file: extra and removed holidays, half days,
    # other named calendars.
    calendars: dict[str, Any] = field(default_factory=dict)
    response_hours: float = 4.0
    # Business hours to resolve an inquiry, not counting waits on the customer; None: no goal.
    resolution_hours: float | None = None
    # The used fractions of a target at which an inquiry turns at-risk and the watcher warns.
    warn_at: tuple[float, ...] = (0.5, 0.75)
    # The [mail] table; None: the desk sends and receives no e-mail.
    mail: MailSettings | None = None

    def read_calendar_file(self, path: str) -> str:
        """Read an .ics holiday file; a relative path is relative to the configuration file."""
        base = self.config_path.parent if self.config_path is not None else Path()
        full = base / path
        try:
            return full.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput(f"cannot read the .ics file {full}: {error}") from None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        url = env.get("SREDESK_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        path_text = env.get("SREDESK_CONFIG", "").strip()
        config: dict[str, Any] = {}
        path = None
        if path_text:
            path = Path(path_text)
            config = _read_config(path)
        hours, resolution, warn_at = _desk_table(config, path)
        calendars = config.get("calendars", {})
        if not isinstance(calendars, dict):
            raise InvalidInput(f"{path}: [calendars] must be a table")
        mail = config.get("mail")
        if mail is not None and not isinstance(mail, dict):
            raise InvalidInput(f"{path}: [mail] must be a table")
        return cls(
            database_url=url,
            config_path=path,
            calendars=calendars,
            response_hours=hours,
            resolution_hours=resolution,
            warn_at=warn_at,
            mail=MailSettings.read(mail, env, path) if mail is not None else None,
        )


_TABLES = ("desk", "calendars", "mail")
_DESK_SETTINGS = ("response_hours", "resolution_hours", "warn_at")
# A year of hours, as for an inquiry's own response time: a goal past it is a slip, and one
# past timedelta's range could not be kept at all.
_MOST_HOURS = 8760


def _desk_table(
    config: dict[str, Any], path: Path | None
) -> tuple[float, float | None, tuple[float, ...]]:
    """The response goal, the resolution goal and the warnings; a misspelt name is refused,
    since it would leave the default in force without a word."""
    for key in config:
        if key not in _TABLES:
            raise InvalidInput(
                f"{path}: unknown table or setting {key!r}; the file holds "
                + ", ".join(f"[{name}]" for name in _TABLES)
            )
    desk = config.get("desk", {})
    if not isinstance(desk, dict):
        raise InvalidInput(f"{path}: [desk] must be a table")
    for key in desk:
        if key not in _DESK_SETTINGS:
            raise InvalidInput(
                f"{path}: unknown setting desk.{key}; known: {', '.join(_DESK_SETTINGS)}"
            )
    resolution = desk.get("resolution_hours")
    return (
        _hours(desk.get("response_hours", 4.0), "desk.response_hours", path),
        None if resolution is None else _hours(resolution, "desk.resolution_hours", path),
        _warn_at(desk.get("warn_at", [0.5, 0.75]), path),
    )


def _hours(value: object, key: str, path: Path | None) -> float:
    """A goal in business hours: a number above 0 and at most a year's hours."""
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not 0 < value <= _MOST_HOURS  # also refuses nan
    ):
        raise InvalidInput(
            f"{path}: {key} must be a positive number of hours, at most {_MOST_HOURS}"
        )
    return float(value)


def _warn_at(value: object, path: Path | None) -> tuple[float, ...]:
    """desk.warn_at: fractions of the target, rising strictly between 0 and 1."""
    numbers = (
        [float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
        if isinstance(value, list)
        else []
    )
    if (
        not isinstance(value, list)
        or len(numbers) != len(value)
        or not numbers
        or not all(0 < n < 1 for n in numbers)
        or any(a >= b for a, b in pairwise(numbers))
    ):
        raise InvalidInput(
            f"{path}: desk.warn_at must be fractions rising between 0 and 1, e.g. [0.5, 0.75]"
        )
    return tuple(numbers)


@dataclass(frozen=True)
class MailList:
    """A mailing list the desk serves: where to send to it and which IMAP folder receives it."""

    name: str
    address: str
    mailbox: str = ""  # empty: not polled (mail arrives by LMTP or import)
    list_id: str = ""  # the List-Id header's value; by default local.domain of the address


@dataclass(frozen=True)
class MailSettings:
    """The [mail] table; passwords and the signing secret come from the environment only."""

    address: str
    secret: bytes = field(repr=False)
    domain: str = ""
    from_name: str = "SRE desk"
    lists: tuple[MailList, ...] = ()
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    imap_host: str = ""
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str = ""
    imap_password: str = field(default="", repr=False)
    # Where a message goes once imported; empty: it stays, marked with a keyword.
    imap_done_mailbox: str = ""
    attachment_limit: int = 10 * 1024 * 1024
    rate_limit: int = 20
    rate_window: timedelta = timedelta(minutes=10)
    auto_acknowledge: bool = True
    # Whether a sensitive inquiry's customers and assignee get its replies by e-mail.
    sensitive_mail: bool = False

    @property
    def signer(self) -> Signer:
        return Signer(secret=self.secret, address=self.address, id_domain=self.domain)

    def list_named(self, name: str) -> MailList | None:
        return next((m for m in self.lists if m.name == name), None)

    def list_for(self, *, address: str = "", list_id: str = "") -> MailList | None:
        """The configured list a recipient address or List-Id header names."""
        address, list_id = address.lower(), list_id.lower()
        for entry in self.lists:
            if (address and address == entry.address.lower()) or (
                list_id and list_id == entry.list_id.lower()
            ):
                return entry
        return None

    @classmethod
    def read(cls, table: dict[str, Any], env: Mapping[str, str], path: Path | None) -> MailSettings:
        reader = _MailReader(table, path)
        reader.check_names(table, _MAIL_SETTINGS, "mail.")
        address = reader.address("address")
        secret = env.get("SREDESK_MAIL_SECRET", "")
        if len(secret) < 16:
            raise InvalidInput(
                "set SREDESK_MAIL_SECRET to a random string of at least 16 characters; "
                "it signs the desk's reply addresses"
            )
        lists = reader.lists()
        done = reader.text("imap_done_mailbox", "")
        polled = next((entry for entry in lists if _same_mailbox(entry.mailbox, done)), None)
        if done and polled is not None:
            # Moved where it is polled, each message would be read again on every poll.
            raise reader._fail(
                "imap_done_mailbox", f"a folder the desk does not poll (list {polled.name} is)"
            )
        return cls(
            address=address,
            secret=secret.encode(),
            domain=reader.text("domain", address.rpartition("@")[2]),
            from_name=reader.text("from_name", "SRE desk"),
            lists=lists,
            smtp_host=reader.text("smtp_host", "127.0.0.1"),
            smtp_port=reader.number("smtp_port", 25, 1, 65535),
            smtp_starttls=reader.flag("smtp_starttls", False),
            smtp_user=reader.text("smtp_user", ""),
            smtp_password=env.get("SREDESK_SMTP_PASSWORD", ""),
            imap_host=reader.text("imap_host", ""),
            imap_port=reader.number("imap_port", 993, 1, 65535),
            imap_ssl=reader.flag("imap_ssl", True),
            imap_user=reader.text("imap_user", ""),
            imap_password=env.get("SREDESK_IMAP_PASSWORD", ""),
            imap_done_mailbox=done,
            attachment_limit=reader.number("attachment_limit_mb", 10, 1, 1024) * 1024 * 1024,
            rate_limit=reader.number("rate_limit", 20, 1, 100_000),
            rate_window=timedelta(minutes=reader.number("rate_window_minutes", 10, 1, 1440)),
            auto_acknowledge=reader.flag("auto_acknowledge", True),
            sensitive_mail=reader.flag("sensitive_mail", False),
        )


def _same_mailbox(a: str, b: str) -> bool:
    """Whether two IMAP folder names are one folder: INBOX is named in any case (RFC 3501)."""
    if a.upper() == "INBOX":
        return b.upper() == "INBOX"
    return a == b


def unconfigured_mail() -> MailSettings:
    """Settings for backfill on a desk without a [mail] table: nothing is sent or verified."""
    return MailSettings(address="sre-desk@localhost.invalid", secret=secrets.token_bytes(32))


# The [mail] table's settings, and those of each [mail.lists.NAME] table.
_MAIL_SETTINGS = (
    "address",
    "domain",
    "from_name",
    "lists",
    "smtp_host",
    "smtp_port",
    "smtp_starttls",
    "smtp_user",
    "imap_host",
    "imap_port",
    "imap_ssl",
    "imap_user",
    "imap_done_mailbox",
    "attachment_limit_mb",
    "rate_limit",
    "rate_window_minutes",
    "auto_acknowledge",
    "sensitive_mail",
)
_LIST_SETTINGS = ("address", "mailbox", "list_id")
# Secrets come from the environment only: the variable for each.
_MAIL_SECRETS = {
    "secret": "SREDESK_MAIL_SECRET",
    "smtp_password": "SREDESK_SMTP_PASSWORD",
    "imap_password": "SREDESK_IMAP_PASSWORD",
}


class _MailReader:
    """Check the [mail] table's values one key at a time, naming the key that is wrong."""

    def __init__(self, table: dict[str, Any], path: Path | None) -> None:
        self.table, self.path = table, path

    def _fail(self, key: str, what: str) -> InvalidInput:
        return InvalidInput(f"{self.path}: mail.{key} must be {what}")

    def check_names(self, table: dict[str, Any], known: tuple[str, ...], prefix: str) -> None:
        """Refuse a misspelt setting, which would leave its default in force without a word,
        and a secret, which belongs in the environment, not in a file others may read."""
        for key in table:
            if key in _MAIL_SECRETS:
                raise InvalidInput(
                    f"{self.path}: {prefix}{key} does not belong in the file; "
                    f"set ${_MAIL_SECRETS[key]} instead"
                )
            if key not in known:
                raise InvalidInput(
                    f"{self.path}: unknown setting {prefix}{key}; known: {', '.join(known)}"
                )

    def text(self, key: str, default: str) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value.strip()

    def address(self, key: str, table: dict[str, Any] | None = None) -> str:
        value = (table if table is not None else self.table).get(key, "")
        if not isinstance(value, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise self._fail(key, "an e-mail address such as sre-desk@example.org")
        return value.strip().lower()

    def number(self, key: str, default: int, low: int, high: int) -> int:
        value = self.table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self._fail(key, f"a whole number from {low} to {high}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def lists(self) -> tuple[MailList, ...]:
        tables = self.table.get("lists", {})
        if not isinstance(tables, dict):
            raise self._fail("lists", "a table of lists, e.g. [mail.lists.visit-users]")
        found = []
        for name, entry in tables.items():
            if not isinstance(entry, dict):
                raise self._fail(f"lists.{name}", "a table with an address")
            self.check_names(entry, _LIST_SETTINGS, f"mail.lists.{name}.")
            address = self.address("address", entry)
            local, _, domain = address.partition("@")
            mailbox, list_id = entry.get("mailbox", ""), entry.get("list_id", f"{local}.{domain}")
            if not isinstance(mailbox, str) or not isinstance(list_id, str):
                raise self._fail(f"lists.{name}", "strings for mailbox and list_id")
            found.append(MailList(name, address, mailbox.strip(), list_id.strip().lower()))
        return tuple(found)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InvalidInput(f"cannot read $SREDESK_CONFIG file {path}: {reason}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"$SREDESK_CONFIG file {path} is not valid TOML: {error}") from None
