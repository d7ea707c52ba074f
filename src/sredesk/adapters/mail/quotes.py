"""Cut quoted text and signatures from a reply, for display; the original is kept elsewhere.

quotequail finds where the quotation starts. It scans every line with lookahead, which is
slow on long messages, so it only reads a window of lines around the first line that could
start a quotation: the quotation starts there or in the few lines above.
"""

from __future__ import annotations

import re

import quotequail
from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction
from bs4.element import Tag

# Lines that may start a quotation: quote marks, separators, header blocks, attributions.
_CANDIDATE = re.compile(
    r"^\s*(?:>|-{3,}|_{5,}|\*?(?:from|von|de|da|van|från|fra|od|от|de la)\s*:?\*?\s*:)"
    r"|wrote|schrieb|écrit|scritto|escribió|написал|пишет|original message|forwarded message",
    re.IGNORECASE,
)
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
_SEPARATOR = re.compile(r"^\s*[-_=*]{5,}\s*$")
# "Sent from my iPhone", but not "Sent from my desk, which is easier": at most three words.
_MOBILE = re.compile(r"^\s*sent from my(?:\s+[\w-]+){1,3}\s*$", re.IGNORECASE)
_LIST_FOOTER = re.compile(r"mailing list\s*$", re.IGNORECASE)
_INVISIBLE_MARKS = "\u200b\u200c\u200d\u200e\u200f\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_MARKS), None)
# Every reply and forward pattern of quotequail ends its line in one of these ("... wrote:",
# "<a@b>", "-----", "_____"); a line without one is skipped before it tries them all.
_PATTERN_ENDS = (":", ">", "-", "_")


def strip_quotation(text: str) -> str:
    """The text above the quotation; below it when nothing is above (bottom or inline posting)."""
    lines = text.split("\n")
    start = 0
    for _ in range(_MAX_TRIES):
        candidate = _first_candidate(lines, start)
        if candidate is None:
            return text
        first = max(0, candidate - _LOOKBEHIND)
        window = lines[first : candidate + _LOOKAHEAD]
        top = _top("\n".join(window))
        if top is not None:
            # quotequail strips the text it returns; take the same lines from the original,
            # so the indentation and blank lines the person wrote stay.
            leading = next((i for i, line in enumerate(window) if line.strip()), len(window))
            kept = len(top.strip("\n").split("\n")) if top.strip() else 0
            top = _trim("\n".join(lines[: first + leading + kept]))
            return top if top.strip() else _unquoted(text)
        start = candidate + _LOOKAHEAD
    return text


def _first_candidate(lines: list[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if _CANDIDATE.search(lines[index]):
            return index
    return None


def _top(window: str) -> str | None:
    """What is above the quotation in `window`, or None when quotequail finds none there."""
    # The cheap search first: an intro line such as "On <date>, <someone> wrote:".
    parts = _quote_intro(window)
    if len(parts) > 1:
        return _trim(drop_attribution(parts[0][1]))
    unwrapped = quotequail.unwrap(window) or {}
    if unwrapped.get("type") in ("reply", "forward") and "text_top" in unwrapped:
        return _trim(str(unwrapped["text_top"]))
    if "text_top" in unwrapped:
        return _trim(drop_attribution(str(unwrapped["text_top"])))
    return _cut_header_block(window) or _cut_at_quote_marks(window)


def _quote_intro(text: str) -> list[tuple[bool, str]]:
    """`quotequail.quote(text, quote_intro_line=True)`, trying only lines that could match.

    quotequail tries each of its patterns on each line, alone and joined to the next, and
    splits at the first line that matches. A line that neither it nor the next ends like a
    pattern cannot match, so only the others are tried, each with the line after it.
    """
    lines = text.split("\n")
    ends = [line.rstrip().endswith(_PATTERN_ENDS) for line in lines]
    for n, end in enumerate(ends):
        if not (end or ends[n + 1 : n + 2] == [True]):
            continue
        pair = lines[n : n + 2]
        parts = quotequail.quote("\n".join(pair), quote_intro_line=True)
        if len(parts) > 1 and len(parts[1][1].split("\n")) == len(pair):
            return [(True, "\n".join(lines[:n])), (False, "\n".join(lines[n:]))]
    return [(True, text)]


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
        and bool(re.search(r"[\d@]|wrote", joined, re.IGNORECASE))
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
    lines = top.rstrip().split("\n")
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
    lines = text.rstrip().split("\n")
    while lines and (not lines[-1].strip() or _SEPARATOR.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def strip_signature(text: str) -> str:
    """Cut a "-- " signature, a "Sent from my phone" line or a mailing-list footer."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        rest_blank = not any(following.strip() for following in lines[index + 1 :])
        if (
            (index > 0 and line.rstrip() in ("--", "-- "))
            or (_MOBILE.match(line) and rest_blank)
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
    return reply, tidy(strip_signature(reply))


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
    out: list[str] = []
    # An explicit stack, not recursion: hostile mail nests tags thousands deep.
    stack: list[tuple[object, bool]] = [(soup, False)]
    while stack:
        node, pre = stack.pop()
        if isinstance(node, str):
            if isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            out.append(str(node) if pre else re.sub(r"\s+", " ", str(node)))
            continue
        if not isinstance(node, Tag) or node.name in _DROP:
            continue
        if node.name == "br":
            out.append("\n")
            continue
        block = node.name in _BLOCK
        inner_pre = pre or node.name == "pre"
        if block:
            out.append("\n")
            stack.append(("\n", True))
        stack.extend((child, inner_pre) for child in reversed(list(node.children)))
    return tidy("\n".join(line.strip() for line in "".join(out).split("\n")))


def tidy(text: str) -> str:
    """Plain line ends, no invisible marks, no trailing spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    if any(mark in text for mark in _INVISIBLE_MARKS):
        text = text.translate(_INVISIBLE)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
