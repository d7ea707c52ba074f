"""Find where keys sit in TOML text and write TOML values: what tomllib leaves out."""

from __future__ import annotations

import re
import tomllib
from datetime import date, time

Path = tuple[str | int, ...]


def decode_line(error: tomllib.TOMLDecodeError, text: str) -> int:
    found = re.search(r"\(at line (\d+), column \d+\)", str(error))
    return int(found.group(1)) if found else max(1, text.count("\n") + 1)


def decode_problem(error: tomllib.TOMLDecodeError) -> str:
    message = re.sub(r" \(at (line \d+, column \d+|end of document)\)", "", str(error))
    return f"not valid TOML: {message}; fix the syntax (strings in quotes, dates as 2027-01-11)"


class KeyLocator:
    """Find the line of a key, since tomllib keeps no positions.

    It follows [table] and [[array]] headers and `key =` lines, which is how team files
    are written; a key it cannot see (in an inline table) falls back to its section.
    """

    _HEADER = re.compile(r"\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"\s*([A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*=")

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        section: Path = ()
        counts: dict[Path, int] = {}
        in_string = False
        for number, line in enumerate(text.splitlines(), start=1):
            was_in_string = in_string
            in_string ^= (line.count('"""') + line.count("'''")) % 2 == 1
            if was_in_string:
                continue
            header = self._HEADER.match(line)
            if header:
                section = self._section(header.group(1), header.group(2), section, counts)
                self.lines.setdefault(section, number)
            elif key := self._KEY.match(line):
                self.lines.setdefault((*section, key.group(1).strip("\"'")), number)

    @staticmethod
    def _section(bracket: str, name: str, current: Path, counts: dict[Path, int]) -> Path:
        parts = [p.strip().strip("\"'") for p in name.split(".")]
        path: Path = ()
        for depth, part in enumerate(parts):
            path = (*path, part)
            last = depth == len(parts) - 1
            if last and bracket == "[[":
                counts[path] = counts.get(path, -1) + 1
                path = (*path, counts[path])
            elif not last and path in counts:
                # A sub-table such as [[member.time_off]] belongs to the latest member.
                path = (*path, counts[path])
        return path

    def line(self, where: Path) -> int:
        for size in range(len(where), 0, -1):
            if where[:size] in self.lines:
                return self.lines[where[:size]]
        return 1


def assignments(**values: object) -> list[str]:
    return [f"{key} = {toml_value(value)}" for key, value in values.items()]


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | date | time):
        return value.isoformat() if isinstance(value, date | time) else str(value)
    if isinstance(value, str):
        return toml_string(value)
    raise TypeError(f"cannot write {type(value).__name__} to the team file")


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(text: str) -> str:
    return '"' + "".join(_escape(c) for c in text) + '"'


def _escape(char: str) -> str:
    # TOML forbids raw control characters, DEL included, in basic strings.
    if char in _ESCAPES:
        return _ESCAPES[char]
    return f"\\u{ord(char):04X}" if ord(char) < 0x20 or ord(char) == 0x7F else char
