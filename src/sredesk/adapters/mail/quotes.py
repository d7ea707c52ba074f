"""Cut quoted text and signatures from a reply, for display; the original is kept elsewhere.

quotequail finds where the quotation starts. It scans every line with lookahead, which is
slow on long messages, so it only reads a window of lines around the first line that could
start a quotation: the quotation starts there or in the few lines above.

Even in the window, quotequail tries each of its ~30 patterns on each line, alone and joined
to the next. So it is asked only about lines on which one of its own patterns, all joined in
one expression (`_ANY_PATTERN`), matches one of the strings it would test; and its `unwrap`
is skipped when the window has neither such a line nor the quoted lines or header lines it
looks for. quotequail stays the judge wherever it could find something.
"""

from __future__ import annotations

import re

import quotequail
from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction
from bs4.element import Tag
from quotequail import _patterns

# Lines that may start a quotation: quote marks, separators, header blocks, attributions.
# They are searched for in the whole text, so a blank never spans a line end ([^\S\n]).
_CANDIDATE_START = re.compile(
    r"^[^\S\n]*(?:>|-{3,}|_{5,}|\*?(?:from|von|de|da|van|från|fra|od|от|de la)"
    r"[^\S\n]*:?\*?[^\S\n]*:)",
    re.IGNORECASE | re.MULTILINE,
)
_CANDIDATE_WORD = re.compile(
    r"wrote|schrieb|écrit|scritto|escribió|написал|пишет|original message|forwarded message",
    re.IGNORECASE,
)
# The same words in ASCII text, searched for in its lowercase copy: several times faster, and
# the same, since only ASCII letters match ASCII letters without regard to case.
_CANDIDATE_ASCII_WORD = re.compile(r"wrote|schrieb|scritto|original message|forwarded message")
# quotequail joins at most two wrapped lines of an attribution, so the quotation starts at
# most a few lines above the first candidate; it needs a few lines after it to recognise it.
_LOOKBEHIND, _LOOKAHEAD = 3, 8
_MAX_TRIES = 4
# An Outlook-style header block in the languages the lists see: a From line, then Sent/Date.
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|von|de|da|van|от|od)\s*:", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(?:sent|date|gesendet|datum|envoyé|enviado|inviato|отправлено|дата|wysłano)\s*:",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\W*(?:on|am|le|el|il|op|em|den|в|\d)", re.IGNORECASE)
_ATTRIBUTION_MARK = re.compile(r"[\d@]|wrote", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*[-_=*]{5,}\s*$")
# "Sent from my iPhone", but not "Sent from my desk, which is easier": at most three words.
_MOBILE = re.compile(r"^\s*sent from my(?:\s+[\w-]+){1,3}\s*$", re.IGNORECASE)
_LIST_FOOTER = re.compile(r"mailing list\s*$", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")
_INVISIBLE_MARKS = "\u200b\u200c\u200d\u200e\u200f\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_MARKS), None)
# Every reply and forward pattern of quotequail ends its line in one of these ("... wrote:",
# "<a@b>", "-----", "_____"); a line without one is skipped before it tries them all.
_PATTERN_ENDS = (":", ">", "-", "_")


def _any_pattern() -> re.Pattern[str] | None:
    """quotequail's patterns as one alternation: it matches where any of them does."""
    patterns = _patterns.COMPILED_PATTERNS
    if len({p.flags for p in patterns}) != 1:
        return None  # flags differ between them: no one expression; ask quotequail always
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)


_ANY_PATTERN = _any_pattern()
_MIN_HEADERS: int = _patterns.MIN_HEADER_LINES
_MIN_QUOTED: int = _patterns.MIN_QUOTED_LINES
# Where a signature may start (strip_signature): "--", "Sent from my ...", a list footer.
_SIGNATURE_START = re.compile(
    r"^(?:--|[^\S\n]*sent from my|[^\S\n]*_{20})", re.IGNORECASE | re.MULTILINE
)


def strip_quotation(text: str) -> str:
    """The text above the quotation; below it when nothing is above (bottom or inline posting)."""
    lines = text.split("\n")
    start = 0
    for _ in range(_MAX_TRIES):
        candidate = _first_candidate(text, lines, start)
        if candidate is None:
            return text
        first = max(0, candidate - _LOOKBEHIND)
        window = lines[first : candidate + _LOOKAHEAD]
        top = _top(window)
        if top is not None:
            # quotequail strips the text it returns; take the same lines from the original,
            # so the indentation and blank lines the person wrote stay.
            leading = next((i for i, line in enumerate(window) if line.strip()), len(window))
            kept = len(top.strip("\n").split("\n")) if top.strip() else 0
            top = _trim("\n".join(lines[: first + leading + kept]))
            return top if top.strip() else _unquoted(text)
        start = candidate + _LOOKAHEAD
    return text


def _first_candidate(text: str, lines: list[str], start: int) -> int | None:
    """The first line from `start` on that may start a quotation, searched in the whole text."""
    offset = sum(len(line) + 1 for line in lines[:start])
    if offset > len(text):
        return None
    found = _CANDIDATE_START.search(text, offset)
    end = found.start() if found else len(text)
    # A word on a line above the first line that starts like a quotation: only there.
    head = text[offset:end]
    if head.isascii():
        word = _CANDIDATE_ASCII_WORD.search(head.lower())
    else:
        word = _CANDIDATE_WORD.search(head)
    if word is not None:
        end = offset + word.start()
    elif found is None:
        return None
    return start + text.count("\n", offset, end)


def _top(lines: list[str]) -> str | None:
    """What is above the quotation in the window `lines`, or None when quotequail finds none."""
    # The cheap search first: an intro line such as "On <date>, <someone> wrote:".
    intro = _intro_line(lines)
    if intro is not None:
        return _trim(drop_attribution("\n".join(lines[:intro])))
    window = "\n".join(lines)
    unwrapped = (quotequail.unwrap(window) if _may_unwrap(lines) else None) or {}
    if unwrapped.get("type") in ("reply", "forward") and "text_top" in unwrapped:
        return _trim(str(unwrapped["text_top"]))
    if "text_top" in unwrapped:
        return _trim(drop_attribution(str(unwrapped["text_top"])))
    return _cut_header_block(window) or _cut_at_quote_marks(window)


def _intro_line(lines: list[str]) -> int | None:
    """The first line on which quotequail finds a reply or forward pattern, or None.

    quotequail tries each of its patterns on each line, alone and joined to the next, and
    splits at the first line that matches. A line that neither it nor the next ends like a
    pattern cannot match, nor can one where no pattern matches what it tests; the others
    are given to quotequail, each with the line after it.
    """
    ends = [line.rstrip().endswith(_PATTERN_ENDS) for line in lines]
    for n, end in enumerate(ends):
        if not (end or ends[n + 1 : n + 2] == [True]) or not _may_match_pattern(lines, n):
            continue
        pair = lines[n : n + 2]
        parts = quotequail.quote("\n".join(pair), quote_intro_line=True)
        if len(parts) > 1 and len(parts[1][1].split("\n")) == len(pair):
            return n
    return None


def _pattern_texts(lines: list[str], n: int) -> list[str]:
    """What quotequail matches its patterns against for line `n`: the line alone, then joined
    to the next ones (as its join_wrapped_lines), without one leading ">"; none past a blank."""
    texts: list[str] = []
    for m in range(_patterns.MAX_WRAP_LINES):
        joined = lines[n]
        for line in lines[n + 1 : n + 1 + m]:
            joined += line if joined and joined[-1] in _patterns.STRIP_SPACE_CHARS else " " + line
        if joined.startswith(">"):
            joined = joined[1:].strip()
        if not joined:
            break  # quotequail tries nothing further on this line
        texts.append(joined.strip())
    return texts


def _may_match_pattern(lines: list[str], n: int) -> bool:
    """False only when no quotequail pattern can match on line `n` (alone or joined)."""
    if _ANY_PATTERN is None:
        return True
    return any(_ANY_PATTERN.match(text) for text in _pattern_texts(lines, n))


def _may_unwrap(lines: list[str]) -> bool:
    """False only when `quotequail.unwrap` finds nothing in lines where no pattern matches.

    Without a pattern line it can only find a quoted block (lines that start with ">") or a
    header block (lines its HEADER_RE reads as headers it knows), each of a minimum size.
    """
    quoted = sum(line.startswith(">") for line in lines)
    if quoted >= _MIN_QUOTED:
        return True
    headers = 0
    for line in lines:
        found = _patterns.HEADER_RE.match(line)
        headers += bool(found and found.group(1).strip().lower() in _patterns.HEADER_MAP)
    return headers >= _MIN_HEADERS


def _cut_at_quote_marks(text: str) -> str | None:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            return _trim(drop_attribution("\n".join(lines[:index])))
    return None


def _unquoted(text: str) -> str:
    """The lines a bottom or inline poster wrote: everything not quoted, minus the attribution."""
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    while lines and not lines[0].strip():
        lines.pop(0)
    for count in (3, 2, 1):
        head = " ".join(line.strip() for line in lines[:count])
        if len(lines) >= count and _is_attribution(lines[0], head):
            lines = lines[count:]
            break
    return _trim("\n".join(lines)).strip("\n")


def _is_attribution(first: str, joined: str) -> bool:
    return (
        joined.endswith(":")
        and len(joined) <= 400
        and bool(_ATTRIBUTION_START.match(first.strip()))
        and bool(_ATTRIBUTION_MARK.search(joined))
    )


def _cut_header_block(text: str) -> str | None:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _HEADER_FROM.match(line) and any(
            _HEADER_SENT.match(following) for following in lines[index + 1 : index + 5]
        ):
            return _trim("\n".join(lines[:index]))
    return None


def drop_attribution(top: str) -> str:
    """Remove a trailing "On <date>, <someone> wrote:" line, even when wrapped over three."""
    lines = top.rstrip().rsplit("\n", 3)  # the last three lines, after what is above them
    for count in (3, 2, 1):
        if len(lines) < count:
            continue
        tail = " ".join(line.strip() for line in lines[-count:])
        if _is_attribution(lines[-count], tail) or (
            count == 1 and tail.endswith(":") and "@" in tail and len(tail) <= 400
        ):
            return "\n".join(lines[:-count])
    return top


def _trim(text: str) -> str:
    """Without trailing blank and separator lines (read from the end, not split)."""
    text = text.rstrip()
    end = len(text)
    while True:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line.strip() and not _SEPARATOR.match(line):
            return text[:end]
        if start == 0:
            return ""
        end = start - 1


def strip_signature(text: str) -> str:
    """Cut a "-- " signature, a "Sent from my phone" line or a mailing-list footer."""
    lines: list[str] | None = None
    # Only a line that starts like one of the three can be one: find those, in order.
    for start in _SIGNATURE_START.finditer(text):
        lines = text.split("\n") if lines is None else lines
        index = text.count("\n", 0, start.start())
        line = lines[index]
        if (
            (index > 0 and line.rstrip() in ("--", "-- "))
            or (_MOBILE.match(line) and not any(rest.strip() for rest in lines[index + 1 :]))
            or (_is_list_footer(lines, index))
        ):
            cut = _trim("\n".join(lines[:index]))
            return cut if cut.strip() else text
    return text


def _is_list_footer(lines: list[str], index: int) -> bool:
    if not lines[index].strip().startswith("_" * 20):
        return False
    following = [line for line in lines[index + 1 : index + 4] if line.strip()]
    return bool(following) and bool(_LIST_FOOTER.search(following[0]))


def display_text(text: str) -> tuple[str, str]:
    """The reply without quotation, and that without its signature."""
    reply = tidy(_trim(strip_quotation(text)))
    display = strip_signature(reply)
    # tidy leaves its own output as it is: without a signature, the reply is what is shown.
    return reply, reply if display is reply else tidy(display)


def html_reply(html: str) -> str:
    """The HTML without its quotation, where quotequail finds one."""
    unwrapped = quotequail.unwrap_html(html) or {}
    if "html_top" in unwrapped:
        return str(unwrapped["html_top"])
    parts = quotequail.quote_html(html)
    if len(parts) > 1 and parts[0][0]:
        return str(parts[0][1])
    return html


_BLOCK = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "footer", "form"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section"}
    | {"table", "tr", "ul"}
)
_DROP = frozenset(
    {"script", "style", "head", "title", "meta", "noscript", "template", "object", "embed"}
    | {"iframe"}
)


def html_to_text(html: str) -> str:
    """Readable text from HTML: blocks on their own lines, nothing executable kept."""
    soup = BeautifulSoup(html, "html.parser")
    # Each piece of text, and whether it is preformatted: its blanks are the writer's.
    out: list[tuple[str, bool]] = []
    # An explicit stack, not recursion: hostile mail nests tags thousands deep.
    stack: list[tuple[object, bool]] = [(soup, False)]
    while stack:
        node, pre = stack.pop()
        if isinstance(node, str):
            if isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            out.append((str(node), True) if pre else (re.sub(r"\s+", " ", str(node)), False))
            continue
        if not isinstance(node, Tag) or node.name in _DROP:
            continue
        if node.name == "br":
            out.append(("\n", True))
            continue
        block = node.name in _BLOCK
        inner_pre = pre or node.name == "pre"
        if block:
            out.append(("\n", True))
            stack.append(("\n", True))
        stack.extend((child, inner_pre) for child in reversed(list(node.children)))
    return tidy(_lines(out))


def _lines(pieces: list[tuple[str, bool]]) -> str:
    """The pieces joined, each line without the blanks markup put at its start.

    Preformatted text keeps its indentation: a traceback or code in <pre> reads as written.
    """
    lines = [""]
    for text, pre in pieces:
        for index, piece in enumerate(text.split("\n")):
            if index:
                lines.append("")
            lines[-1] += piece if pre or lines[-1] else piece.lstrip()
    return "\n".join(line.rstrip() for line in lines)


def tidy(text: str) -> str:
    """Plain line ends, no invisible marks, no trailing spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    if not text.isascii() and any(mark in text for mark in _INVISIBLE_MARKS):
        text = text.translate(_INVISIBLE)
    text = "\n".join([line.rstrip() for line in text.split("\n")])
    if "\n\n\n" in text:  # the substitution alone costs more than the rest of this
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip("\n")
