"""Read mail archives for backfill: mbox files, maildirs and Mailman's Pipermail month files."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from pathlib import Path

from sredesk.core.errors import InvalidInput

# Pipermail starts each message with "From user at host  Thu Nov  1 11:19:12 2001". Matching
# the whole line keeps a body line that merely starts with "From " from splitting a message.
_PIPERMAIL_FROM = re.compile(
    rb"^From \S+ at \S+ +\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\r?\n", re.MULTILINE
)
_ADDRESS_HEADER = re.compile(rb"^(From|To|Cc|Reply-To|Sender):([^\n]*)", re.MULTILINE | re.I)
# Pipermail hides addresses as "user at host"; only an address-shaped pair is restored.
_OBFUSCATED = re.compile(rb"([\w.+=-]+) at ([\w-]+(?:\.[\w-]+)+)")


def _require(path: Path, *, folder: bool) -> None:
    if folder and not path.is_dir():
        raise InvalidInput(f"{path} is not a folder; give a maildir (with cur/ and new/)")
    if not folder and not path.is_file():
        raise InvalidInput(f"{path} is not a file; give the archive's path")


def read_mbox(path: Path) -> Iterator[bytes]:
    """Each message of an mbox file, in file order, without its From_ line."""
    _require(path, folder=False)
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def read_maildir(path: Path) -> Iterator[bytes]:
    """Each message of a maildir, oldest delivery first (maildir names start with the time)."""
    _require(path, folder=True)
    if not (path / "cur").is_dir() and not (path / "new").is_dir():
        raise InvalidInput(f"{path} is not a maildir; it has neither cur/ nor new/")
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):
        yield box.get_bytes(key)


def read_pipermail(path: Path) -> Iterator[bytes]:
    """Each message of a Pipermail month file, with its sender's address restored."""
    _require(path, folder=False)
    data = path.read_bytes()
    lines = list(_PIPERMAIL_FROM.finditer(data))
    if not lines:
        raise InvalidInput(f"{path} has no Pipermail 'From user at host  date' lines")
    ends = [*(found.start() for found in lines[1:]), len(data)]
    for found, end in zip(lines, ends, strict=True):
        yield _restore_addresses(data[found.end() : end])


def _restore_addresses(message: bytes) -> bytes:
    head, separator, body = message.partition(b"\n\n")
    head = _ADDRESS_HEADER.sub(
        lambda found: found.group(1) + b":" + _OBFUSCATED.sub(rb"\1@\2", found.group(2), 1), head
    )
    return head + separator + body


READERS = {"mbox": read_mbox, "maildir": read_maildir, "pipermail": read_pipermail}
