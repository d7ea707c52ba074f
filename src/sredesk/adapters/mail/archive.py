"""Read mail archives for backfill: mbox files, maildirs and Mailman's Pipermail month files.

An archive is read one message at a time. Opening it finds where each message is (an mbox's
table of contents, a maildir's names, a Pipermail file's "From" lines), so the import knows
how many there are, but the messages themselves are read only as the import reaches them: an
archive of gigabytes needs no more memory than one of a few messages.
"""

from __future__ import annotations

import glob
import mailbox
import mmap
import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from sredesk.core.errors import InvalidInput

Kind = Literal["mbox", "maildir", "pipermail"]
KINDS: tuple[Kind, ...] = ("mbox", "maildir", "pipermail")

# Pipermail starts each message with "From user at host  Thu Nov  1 11:19:12 2001". Matching
# the whole line keeps a body line that merely starts with "From " from splitting a message.
_PIPERMAIL_FROM = re.compile(
    rb"^From \S+ at \S+ +\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\r?\n", re.MULTILINE
)
_ADDRESS_HEADER = re.compile(rb"^(From|To|Cc|Reply-To|Sender):([^\n]*)", re.MULTILINE | re.I)
# Pipermail hides addresses as "user at host"; only an address-shaped pair is restored.
_OBFUSCATED = re.compile(rb"([\w.+=-]+) at ([\w-]+(?:\.[\w-]+)+)")


class Archive:
    """An open archive: its number of messages, then each message in archive order.

    mbox and Pipermail messages come in file order; a maildir's oldest delivery first (its
    names start with the delivery time). An mbox message comes without its From_ line, and a
    Pipermail one with its sender's address restored.
    """

    def __init__(self, kind: Kind, path: Path) -> None:
        self.kind, self.path = kind, path
        self._stack = ExitStack()
        # Where each message is (a mailbox key, a file, or a span of the file), and how to read one.
        self._places: list[str] | list[Path] | list[tuple[int, int]] = []
        self._read: Callable[[Any], bytes | None]
        try:
            self._open()
        except OSError as error:
            self._stack.close()
            where = error.filename or path
            raise InvalidInput(
                f"{where} cannot be read ({error.strerror}); fix or remove it"
            ) from None
        except BaseException:
            self._stack.close()
            raise

    def _open(self) -> None:
        path = self.path
        if self.kind == "maildir":
            if not path.is_dir():
                raise InvalidInput(f"{path} is not a folder; give a maildir (with cur/ or new/)")
            # A maildir copied for archiving often keeps only cur/: either folder will do.
            folders = [path / name for name in ("new", "cur") if (path / name).is_dir()]
            if not folders:
                raise InvalidInput(f"{path} is not a maildir; it has neither cur/ nor new/")
            self._places, self._read = _maildir_files(folders), partial(_read_delivery, folders)
            return
        if not path.is_file():
            raise InvalidInput(f"{path} is not a file; give the archive's path")
        if self.kind == "mbox":
            box = mailbox.mbox(path, create=False)
            self._stack.callback(box.close)
            self._places, self._read = box.keys(), box.get_bytes
            # mailbox finds no message in a file that is not an mbox: say so rather than
            # import nothing. An empty file is an empty mbox.
            if not self._places and path.stat().st_size:
                raise InvalidInput(
                    f"{path} has no mbox 'From ' lines; "
                    "give an mbox file (or --maildir / --pipermail)"
                )
            return
        handle = self._stack.enter_context(path.open("rb"))
        size = path.stat().st_size
        # An empty file cannot be mapped; it has no messages either.
        data: bytes | mmap.mmap = b""
        if size:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            self._stack.callback(data.close)
        lines = [(found.start(), found.end()) for found in _PIPERMAIL_FROM.finditer(data)]
        if not lines:
            raise InvalidInput(f"{path} has no Pipermail 'From user at host  date' lines")
        # Each message runs from the end of its From line to the start of the next one.
        ends = [start for start, _end in lines[1:]] + [size]
        self._places = [(end, stop) for (_start, end), stop in zip(lines, ends, strict=True)]
        self._read = lambda span: _restore_addresses(data[span[0] : span[1]])

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[bytes]:
        for place in self._places:
            raw = self._read(place)
            if raw is not None:
                yield raw

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _read(kind: Kind, path: Path) -> Iterator[bytes]:
    with Archive(kind, path) as archive:
        yield from archive


def read_mbox(path: Path) -> Iterator[bytes]:
    """Each message of an mbox file, in file order, without its From_ line."""
    return _read("mbox", path)


def read_maildir(path: Path) -> Iterator[bytes]:
    """Each message of a maildir, oldest delivery first."""
    return _read("maildir", path)


def read_pipermail(path: Path) -> Iterator[bytes]:
    """Each message of a Pipermail month file, with its sender's address restored."""
    return _read("pipermail", path)


def _maildir_files(folders: list[Path]) -> list[Path]:
    """The message files in these maildir folders (new/, cur/), oldest delivery first.

    A file's name starts with its delivery time; the ':2,FLAGS' after it changes as the mail
    is read, so the order leaves it out, as mailbox.Maildir's keys do. mailbox.Maildir itself
    needs both folders. Dot files are not messages.
    """
    found: dict[str, Path] = {}
    for folder in folders:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and not _is_folder(entry):
                    found[entry.name.split(":")[0]] = Path(entry.path)
    return [found[key] for key in sorted(found, key=_delivery_order)]


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link that leads nowhere readable: reading it will say why
        return False


def _read_delivery(folders: list[Path], path: Path) -> bytes | None:
    """A maildir message's bytes, wherever a mail reader moved it meanwhile.

    A reader moves a message from new/ to cur/ and renames it as its flags change; the name
    before ':' stays. A message deleted meanwhile is no longer there to import: None, which
    the archive skips. One that cannot be read is refused in one line.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        unique = path.name.split(":")[0]
        moved = [p for f in folders for p in f.glob(f"{glob.escape(unique)}*") if p != path]
        moved = [p for p in moved if p.name.split(":")[0] == unique and p.is_file()]
        return _read_delivery(folders, moved[0]) if moved else None
    except OSError as error:
        raise InvalidInput(f"{path} cannot be read ({error.strerror}); fix or remove it") from None


def _delivery_order(name: str) -> list[str | int]:
    """A maildir name's sort key: its numbers by value, so that 'M99999' comes before 'M100000'.

    Names start '<seconds>.M<microseconds>P<pid>…'; the microseconds are not zero-padded.
    """
    parts: list[str | int] = []
    for index, part in enumerate(re.split(r"(\d+)", name)):
        parts.append(int(part) if index % 2 else part)
    return parts


def _restore_addresses(message: bytes) -> bytes:
    head, separator, body = message.partition(b"\n\n")
    head = _ADDRESS_HEADER.sub(
        lambda found: found.group(1) + b":" + _OBFUSCATED.sub(rb"\1@\2", found.group(2), 1), head
    )
    return head + separator + body
