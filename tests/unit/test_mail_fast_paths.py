"""The mail parser's shortcuts give what the slow ways give, on real mail and generated input.

Each shortcut is checked against what it stands for: the prefilters against quotequail
itself, the single-part split against the stdlib parser, the caches against `Message`.
"""

from __future__ import annotations

import random
import re
from email import message_from_bytes
from email.message import Message
from email.utils import getaddresses
from functools import cache
from pathlib import Path

import pytest
import quotequail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quotequail import _internal, _patterns
from quotequail._enums import Position

from sredesk.adapters.mail import parse as parsing
from sredesk.adapters.mail import quotes
from sredesk.adapters.mail.archive import read_mbox, read_pipermail
from tests.conftest import IN_CI
from tests.mailfactory import SHARED_MAIL

SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines that start, end or look like quotations, in several languages and cases.
LINES = [
    "",
    " ",
    ">",
    "> quoted",
    ">> twice",
    "Thanks, that fixed it.",
    "On Mon, 2 Apr 2012, someone wrote:",
    "On Mon, 2 Apr 2012 at 10:00, Someone <",
    "someone@example.org> wrote:",
    "> On Tue, Jan 1, someone wrote:",
    "Someone <someone@example.org> wrote:",
    "Am 2. April 2012 schrieb Jemand:",
    "Le 2 avril 2012, Quelqu'un a écrit :",
    "El 2 de abril, Alguien escribió:",
    "Иван написал(\u0430):",
    "2012/4/2 Someone <someone@example.org>",
    "-----Original Message-----",
    "---------- Forwarded message ----------",
    "Begin forwarded message:",
    "_" * 32,
    "_" * 20 + " list",
    "From: Someone [mailto:someone@example.org]",
    "*From:* Someone",
    "Sent: Friday, 23 March 2012 5:08 p.m.",
    "To: John",
    "Subject: [contact:106] John Greene",
    "Date: today",
    "WROTE",
    "\u017fchrieb",
    "\u0130 wrote",
    "Forwarded Message",
    "от: кто-то",
    "-- ",
    "--",
    "Sent from my iPhone",
    "sent from my desk, which is easier",
    "  - a bullet",
    "\tindented: with a colon:",
    "ends with a dash -",
    "ends with a bracket >",
]
# Lines as split from a text: without line feeds of their own.
any_line = st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=30)
line_lists = st.lists(st.sampled_from(LINES) | any_line, max_size=14)


def corpus_path(*parts: str) -> Path:
    return SHARED_MAIL.joinpath(*parts)


@cache
def raw_messages() -> list[bytes]:
    """The shared list archives and client replies, and CPython's (malformed) test mail."""
    raws: list[bytes] = []
    for path in sorted(corpus_path("lists", "3gpp").glob("*.mbox")):
        raws.extend(read_mbox(path))
    pipermail = corpus_path("lists", "pipermail", "numpy-discussion-2001-November.txt")
    if pipermail.exists():
        raws.extend(read_pipermail(pipermail))
    raws.extend(p.read_bytes() for p in sorted(corpus_path("replies").rglob("*.eml")))
    try:
        import test.test_email as stdlib_tests

        data = Path(stdlib_tests.__file__).parent / "data"
        raws.extend(p.read_bytes() for p in sorted(data.glob("msg_*.txt")))
    except ImportError:
        pass
    if not raws and not IN_CI:
        pytest.skip(f"the shared mail corpora are not at {SHARED_MAIL}")
    return raws


@cache
def texts() -> list[str]:
    """Reply texts: the plain-text cases, and the text of every message above."""
    found = [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(corpus_path("replies").rglob("*"))
        if p.suffix in (".txt", ".html") or p.name.endswith("_reply_text")
    ]
    found += [parsing.parse(raw).text for raw in raw_messages()]
    return [t for t in found if t]


def variants(raw: bytes, rng: random.Random) -> list[bytes]:
    """The message, and broken copies: other line ends, cut short, a header line changed."""
    out = [raw, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), raw.replace(b"\r\n", b"\n")]
    out.append(raw[: rng.randrange(len(raw) + 1)])
    head = raw.find(b"\n\n")
    for extra in (
        *(b" folded", b"\tfolded: x", b"From nobody", b"X: \xc3\xa9", b": v", b"No colon"),
        *(b"Content-Transfer-Encoding: base64", b"Content-Type: text/plain; charset*0=x"),
    ):
        at = raw.find(b"\n", rng.randrange(max(head, 1))) + 1
        out.append(raw[:at] + extra + b"\n" + raw[at:])
    at = rng.randrange(min(len(raw), 400) + 1)
    out.append(raw[:at] + bytes([rng.choice(b":\x20\t\r\n\x00\x80=")]) + raw[at:])
    return out


# -- the quotation prefilters -----------------------------------------------------------


def quotequail_finds_pattern(lines: list[str], n: int) -> bool:
    found = _internal.find_pattern_on_line(lines, n, _patterns.MAX_WRAP_LINES, Position.Begin)
    return found is not None


def test_one_expression_stands_for_all_of_quotequails_patterns() -> None:
    assert quotes._ANY_PATTERN is not None  # else every line goes to quotequail: no speed-up
    samples = [t for text in texts() for line in text.split("\n") for t in (line, line.strip())]
    for sample in [*samples, *LINES]:
        expected = any(p.match(sample) for p in _patterns.COMPILED_PATTERNS)
        assert bool(quotes._ANY_PATTERN.match(sample)) == expected, sample


def test_the_texts_tried_are_the_ones_quotequail_tries() -> None:
    for text in [*texts(), "\n".join(LINES)]:
        lines = text.split("\n")
        for n in range(len(lines)):
            expected = []
            for m in range(_patterns.MAX_WRAP_LINES):
                joined = _internal.join_wrapped_lines(lines[n : n + 1 + m])
                joined = joined[1:].strip() if joined.startswith(">") else joined
                if not joined:
                    break
                expected.append(joined.strip())
            assert quotes._pattern_texts(lines, n) == expected


def test_the_prefilter_passes_every_line_quotequail_matches_on_real_mail() -> None:
    matched = skipped = 0
    for text in texts():
        lines = text.split("\n")
        for n in range(len(lines)):
            if quotequail_finds_pattern(lines, n):
                matched += 1
                assert quotes._may_match_pattern(lines, n), lines[n : n + 2]
            else:
                skipped += not quotes._may_match_pattern(lines, n)
    assert matched > 50
    assert skipped > 1000  # it does keep quotequail off most lines


@SLOW
@given(line_lists)
def test_the_prefilter_passes_every_line_quotequail_matches(lines: list[str]) -> None:
    for n in range(len(lines)):
        if quotequail_finds_pattern(lines, n):
            assert quotes._may_match_pattern(lines, n)
    assert quotes._intro_line(lines) == quotequail_intro_line(lines)


def quotequail_intro_line(lines: list[str]) -> int | None:
    """The line where `quotequail.quote` splits off the quotation with its intro, or None."""
    parts = quotequail.quote("\n".join(lines), quote_intro_line=True)
    return len(lines) - len(parts[1][1].split("\n")) if len(parts) > 1 else None


def test_the_prefilter_skips_what_cannot_match() -> None:
    assert not quotes._may_match_pattern(["Thanks, that fixed it.", "Bye"], 0)
    assert quotes._may_match_pattern(["On Mon, 2 Apr 2012, someone", "wrote:"], 0)
    assert quotes._may_match_pattern(["> Begin forwarded message:"], 0)


def windows() -> list[list[str]]:
    found = []
    for text in texts():
        lines = text.split("\n")
        found += [lines[start : start + 11] for start in range(0, max(len(lines) - 3, 1), 3)]
    return found


def test_unwrap_is_skipped_only_where_it_finds_nothing_in_real_mail() -> None:
    skipped = 0
    for lines in windows():
        if quotes._intro_line(lines) is None and not quotes._may_unwrap(lines):
            skipped += 1
            assert quotequail.unwrap("\n".join(lines)) is None, lines
    assert skipped > 100


@SLOW
@given(line_lists)
def test_unwrap_is_skipped_only_where_it_finds_nothing(lines: list[str]) -> None:
    if quotes._intro_line(lines) is None and not quotes._may_unwrap(lines):
        assert quotequail.unwrap("\n".join(lines)) is None


def first_candidate_line_by_line(lines: list[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        line = lines[index]
        if quotes._CANDIDATE_START.search(line) or quotes._CANDIDATE_WORD.search(line):
            return index
    return None


def test_the_candidate_search_in_the_whole_text_agrees_with_each_line() -> None:
    for text in [*texts(), "\n".join(LINES)]:
        lines = text.split("\n")
        for start in {0, 1, 8, len(lines) // 2, len(lines)}:
            expected = first_candidate_line_by_line(lines, start)
            assert quotes._first_candidate(text, lines, start) == expected


@SLOW
@given(line_lists, st.integers(0, 15))
def test_the_candidate_search_in_the_whole_text_agrees_with_each_line_anywhere(
    lines: list[str], start: int
) -> None:
    text = "\n".join(lines)
    expected = first_candidate_line_by_line(lines, start)
    assert quotes._first_candidate(text, lines, start) == expected


def test_ascii_words_are_found_in_lowercase_as_in_any_case() -> None:
    # Only four non-ASCII letters match an ASCII one regardless of case (dotless i, dotted I,
    # long s, Kelvin sign). A text with one is not ASCII: the case-insensitive search reads it.
    everything = "".join(map(chr, range(0x80, 0x110000)))
    assert set(re.findall(r"[a-z]", everything, re.IGNORECASE)) == set("\u0131\u0130\u017f\u212a")
    words = quotes._CANDIDATE_ASCII_WORD.pattern.split("|")
    assert set(words) < set(quotes._CANDIDATE_WORD.pattern.split("|"))
    assert all(w.isascii() for w in words)
    assert all(not w.isascii() for w in set(quotes._CANDIDATE_WORD.pattern.split("|")) - set(words))


@SLOW
@given(st.text(alphabet="wroteschibWROTESCHIBgnalmf dOM\n>:", max_size=40))
def test_ascii_words_in_lowercase_are_the_words_in_any_case(text: str) -> None:
    found = quotes._CANDIDATE_WORD.search(text)
    lowered = quotes._CANDIDATE_ASCII_WORD.search(text.lower())
    assert (found and found.start()) == (lowered and lowered.start())


# -- signatures, trimming, tidying ------------------------------------------------------


def strip_signature_line_by_line(text: str) -> str:
    """What strip_signature does, line by line."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        rest_blank = not any(following.strip() for following in lines[index + 1 :])
        if (
            (index > 0 and line.rstrip() in ("--", "-- "))
            or (quotes._MOBILE.match(line) and rest_blank)
            or quotes._is_list_footer(lines, index)
        ):
            cut = trim_by_splitting("\n".join(lines[:index]))
            return cut if cut.strip() else text
    return text


def trim_by_splitting(text: str) -> str:
    lines = text.rstrip().split("\n")
    while lines and (not lines[-1].strip() or quotes._SEPARATOR.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def test_signatures_are_cut_where_a_line_by_line_reading_cuts_them() -> None:
    for text in [*texts(), "\n".join(LINES)]:
        assert quotes.strip_signature(text) == strip_signature_line_by_line(text)


@SLOW
@given(line_lists)
def test_signatures_and_trailing_lines_are_cut_as_line_by_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert quotes.strip_signature(text) == strip_signature_line_by_line(text)
    assert quotes._trim(text) == trim_by_splitting(text)


@SLOW
@given(st.text(alphabet=st.sampled_from("a \t\r\n\xa0\u200b\u2028\x0c-_")))
def test_tidy_gives_its_own_output_back(text: str) -> None:
    # display_text relies on it: a reply without a signature is shown as it is.
    once = quotes.tidy(text)
    assert quotes.tidy(once) == once


# -- the single-part split --------------------------------------------------------------


def assert_same_message(raw: bytes) -> bool:
    """Whether the split was taken; when it was, the message is the parser's."""
    single = parsing._single_part(raw.decode("ascii", "surrogateescape"))
    if single is None:
        return False
    msg, kind = single
    full = message_from_bytes(raw)
    assert vars(msg) == vars(full)
    assert full.defects == []
    assert kind == full.get_content_type()
    assert msg.get_payload(decode=True) == full.get_payload(decode=True)
    assert msg.items() == full.items()
    return True


def test_the_single_part_split_builds_the_parsers_message_for_real_mail() -> None:
    rng = random.Random(7)
    taken = 0
    for raw in raw_messages():
        for variant in variants(raw, rng):
            taken += assert_same_message(variant)
    assert taken > 300  # most real mail takes it


header_lines = st.lists(
    st.sampled_from(
        [
            "Subject: hello",
            "Subject:hello",
            "Subject:   \t spaced",
            "Subject:",
            "X-Empty: ",
            " folded",
            "\tfolded: too",
            "From nobody Mon Jan  1 00:00:00 2001",
            "From: a@b.example",
            "To : spaced@name",
            ": no name",
            "no colon",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Type: text/html",
            "Content-Type: multipart/mixed; boundary=x",
            "Content-Type: message/rfc822",
            "Content-Type: garbage",
            "Content-Transfer-Encoding: base64",
            "Content-Transfer-Encoding: quoted-printable",
            "X-8bit: caf\udcc3\udca9",
            "N\udcc3me: x",
            "Nul\x00l: x",
            "",
        ]
    )
    | st.text(alphabet=st.sampled_from("aZ: \t-\x00\x7f\udc80;"), max_size=8),
    max_size=8,
)


@SLOW
@given(
    header_lines,
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["\n", "\r\n", "\r", "\n\r\n", ""]),
    st.text(alphabet=st.sampled_from("ab=\n\r \t\udce9-"), max_size=30),
)
def test_the_single_part_split_builds_the_parsers_message(
    headers: list[str], end: str, separator: str, body: str
) -> None:
    raw = (end.join(headers) + end + separator + body).encode("ascii", "surrogateescape")
    assert_same_message(raw)


def test_parsing_gives_the_same_with_the_split_or_the_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(11)
    raws = [variant for raw in raw_messages() for variant in variants(raw, rng)]
    split = [parsing.parse(raw) for raw in raws]
    monkeypatch.setattr(parsing, "_single_part", lambda text: None)
    assert [parsing.parse(raw) for raw in raws] == split


def test_a_plain_message_takes_the_split() -> None:
    raw = (
        b"From: a@b.example\nSubject: hi\n  folded\n\tand again\nContent-Type: text/plain\n\nbody\n"
    )
    assert assert_same_message(raw)
    assert assert_same_message(raw.replace(b"\n", b"\r\n"))


# -- headers, addresses and parameters --------------------------------------------------


def leaves(raw: bytes) -> list[tuple[Message, str, parsing._Headers]]:
    return parsing._leaves(message_from_bytes(raw))


def test_the_header_index_holds_what_message_get_returns() -> None:
    for raw in raw_messages():
        msg = message_from_bytes(raw)
        headers = parsing._Headers(msg)
        for name in {name.lower() for name in msg} | {"subject", "x-missing"}:
            assert str(headers.raw_first(name)) == str(msg.get(name))
            assert type(headers.raw_first(name)) is type(msg.get(name))


def test_cached_parameters_are_what_the_message_reads() -> None:
    rng = random.Random(3)
    for raw in raw_messages():
        for variant in variants(raw, rng)[:4]:
            for leaf in leaves(variant):
                part = leaf[0]
                for shortcut, method in (
                    (parsing._filename, part.get_filename),
                    (parsing._charset, part.get_content_charset),
                ):
                    try:
                        expected = method()
                    except Exception as error:  # what the message raises, the cache raises
                        with pytest.raises(type(error)):
                            shortcut(leaf)
                    else:
                        assert shortcut(leaf) == expected


@SLOW
@given(st.from_regex(parsing._PLAIN_ADDRESS, fullmatch=True), st.integers(1, 3))
def test_a_plain_address_is_what_getaddresses_reads(address: str, count: int) -> None:
    assert getaddresses([address]) == [("", address)]
    assert getaddresses([address] * count) == [("", address)] * count


def test_addresses_that_are_not_plain_go_to_getaddresses() -> None:
    for value in ("Name <a@b.example>", "a@b.example (comment)", '"a b"@c.example', "a@b@c"):
        assert not parsing._PLAIN_ADDRESS.fullmatch(value)
