"""The quick search for an intro line agrees with quotequail's own, line for line."""

from __future__ import annotations

import itertools
import re

import quotequail
from quotequail import _patterns

from sredesk.adapters.mail.quotes import _PATTERN_ENDS, _intro_line

LINES = [
    "Thanks, that fixed it.",
    "",
    "  ",
    ">",
    "> quoted:",
    "On Mon, 2 Apr 2012, someone wrote:",
    "On Mon, 2 Apr 2012 at 10:00,",
    "Someone <someone@example.org> wrote:",
    "-----Original Message-----",
    "_" * 32,
    "2012/4/2 Someone <someone@example.org>",
    "Am 2. April 2012 schrieb Jemand:",
    "Begin forwarded message:",
    "Subject: a line that ends in a colon:",
]


def test_every_quotequail_pattern_ends_like_the_quick_search_expects() -> None:
    # The search skips lines that end in none of _PATTERN_ENDS; a new pattern must not.
    for pattern in [*_patterns.REPLY_PATTERNS, *_patterns.FORWARD_PATTERNS]:
        tail = re.sub(r"\)?\$$", "", pattern)
        assert tail.endswith((":", ">", "-+", "_")), pattern
    assert _PATTERN_ENDS == (":", ">", "-", "_")


def test_the_quick_search_splits_where_quotequail_does() -> None:
    for size in (1, 2, 3):
        for lines in itertools.product(LINES, repeat=size):
            parts = quotequail.quote("\n".join(lines), quote_intro_line=True)
            expected = len(lines) - len(parts[1][1].split("\n")) if len(parts) > 1 else None
            assert _intro_line(list(lines)) == expected, lines
