"""Parse real mail: replies from many clients, HTML, pathological bodies, malformed MIME."""

from __future__ import annotations

import base64
import email
import re
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from sredesk.adapters.mail.parse import parse
from sredesk.adapters.mail.quotes import display_text, drop_attribution, html_reply, html_to_text
from sredesk.services.mail_arrival import unusable
from tests.conftest import IN_CI
from tests.mailfactory import SHARED_MAIL, message

MAIL = SHARED_MAIL
REPLIES = MAIL / "replies"
STANDARD = sorted((REPLIES / "talon" / "standard_replies").glob("*.eml"))
HTML = sorted((REPLIES / "talon" / "html_replies").glob("*.html"))
PLAIN = sorted((REPLIES / "email_reply_parser").glob("*.txt"))

# What the person wrote, above the first quotation or signature, for each of
# github/email_reply_parser's cases. An empty top (bottom or inline posting) shows the
# unquoted lines instead; a line that only looks like a signature stays.
PLAIN_EXPECTED = {
    "correct_sig.txt": "this is an email with a correct -- signature.",
    "email_1_1.txt": "Hi folks\n\nWhat is the best way to clear a Riak bucket of all key, values "
    "after\nrunning a test?\nI am currently using the Java HTTP API.\n\n-Abhishek Kona",
    "email_1_2.txt": "Hi,",
    "email_1_3.txt": "Oh thanks.\n\nHaving the function would be great.\n\n-Abhishek Kona",
    "email_1_4.txt": "Awesome! I haven't had another problem with it.",
    "email_1_6.txt": "I get proper rendering as well.\n\nSent from a magnificent torch of pixels",
    "email_1_7.txt": ":+1:",
    "email_1_8.txt": "I will reply under this one\n\nand under this.",
    "email_2_1.txt": "Outlook with a reply",
    "email_2_2.txt": "Outlook with a reply directly above line",
    "email_2_3.txt": "Outlook with a reply directly above line",
    "email_BlackBerry.txt": "Here is another email",
    "email_iPhone.txt": "Here is another email",
    "email_multi_word_sent_from_my_mobile_device.txt": "Here is another email",
    "email_sent_from_my_not_signature.txt": "Here is another email\n\nSent from my desk, is much "
    "easier then my mobile phone.",
    "email_sig_delimiter_in_middle_of_line.txt": "Hi there!\n\nStuff happened.\n\nAnd here is a "
    "fix -- this is not a signature.\n\nkthxbai",
    "email_bullets.txt": "test 2 this should list second\n\nand have spaces\n\nand retain this "
    "formatting\n\n   - how about bullets\n   - and another",
    "email_one_is_not_on.txt": "Thank, this is really helpful.\n\nOne outstanding question I "
    "had:\n\nLocally (on development), when I run...",
    "greedy_on.txt": "On your remote host you can run:\n\n     telnet 127.0.0.1 52698\n\nThis "
    "should connect to TextMate (on your Mac, via the tunnel). If that\nfails, the tunnel is "
    "not working.",
    "pathological.txt": "I think you're onto something. I will try to fix the problem as soon "
    "as I\nget back to a computer.",
    "email_long_quote.txt": "Hi folks\n\nWhat is the best way to clear a Riak bucket of all key, "
    "values after\nrunning a test?",
}


def lines(text: str) -> str:
    """Compare texts line by line, ignoring trailing spaces and runs of blank lines."""
    stripped = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", stripped)


def test_the_corpora_are_present() -> None:
    if not STANDARD and not IN_CI:
        pytest.skip(f"the shared mail corpora are not at {MAIL}")
    assert len(STANDARD) >= 12
    assert len(HTML) >= 9
    assert len(PLAIN) >= 20


@pytest.mark.parametrize("path", STANDARD, ids=lambda p: p.name)
def test_standard_replies_keep_only_what_the_person_wrote(path: Path) -> None:
    parsed = parse(path.read_bytes())
    expected_file = path.with_name(f"{path.stem}_reply_text")
    expected = expected_file.read_text() if expected_file.exists() else "Hello"
    assert lines(parsed.reply) == lines(expected)
    assert parsed.display == "Hello"  # and without the signature, for the comment
    assert "Hello" in parsed.text  # the original stays whole
    assert parsed.machine is None
    assert not parsed.list_mail


@pytest.mark.parametrize("path", HTML, ids=lambda p: p.name)
def test_html_replies_become_the_text_above_the_quotation(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    _reply, shown = display_text(drop_attribution(html_to_text(html_reply(html))))
    assert shown.split() == ["Hi.", "I", "am", "fine.", "Thanks,", "Alex"]


@pytest.mark.parametrize("path", HTML, ids=lambda p: p.name)
def test_an_html_only_message_is_read_through_its_html(path: Path) -> None:
    raw = (
        b"From: a@b.example\r\nMessage-ID: <h@b.example>\r\nSubject: Re: hi\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n" + path.read_bytes()
    )
    parsed = parse(raw)
    assert parsed.html_only
    assert parsed.display.split() == ["Hi.", "I", "am", "fine.", "Thanks,", "Alex"]
    assert not re.search(r"<(div|p|br|span|html)\b", parsed.text, re.IGNORECASE)


@pytest.mark.parametrize("path", PLAIN, ids=lambda p: p.name)
def test_plain_replies_strip_quotes_and_signatures_quickly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    _reply, shown = display_text(text)
    assert time.perf_counter() - started < 1.0  # pathological input must not hang
    if path.name in PLAIN_EXPECTED:
        assert lines(shown) == lines(PLAIN_EXPECTED[path.name])
    else:
        assert shown.strip()
        assert shown.strip() in text.replace("\r\n", "\n")


def test_every_plain_case_has_an_expectation_or_is_kept_whole() -> None:
    unexpected = {p.name for p in PLAIN} - set(PLAIN_EXPECTED)
    assert unexpected <= {"email_1_5.txt"}  # no quotation at all: kept whole


def alternative(plain: bytes, html: bytes) -> bytes:
    """A multipart/alternative message with these plain and HTML parts (UTF-8)."""
    return (
        b"From: a@b.example\r\nMessage-ID: <alt@b.example>\r\nSubject: render\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + plain + b"\r\n"
        b"--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + b"\r\n--XX--\r\n"
    )


@pytest.mark.parametrize(
    "plain",
    [b"", b"  \r\n\t\r\n", "\u00a0\u200b\r\n\ufeff".encode()],
    ids=["empty", "blank lines", "invisible marks"],
)
def test_an_empty_plain_part_gives_way_to_the_html_one(plain: bytes) -> None:
    parsed = parse(alternative(plain, b"<p>The <b>render</b> fails.</p><p>Thanks,<br>Ana</p>"))
    assert parsed.text == "The render fails.\n\nThanks,\nAna"
    assert parsed.display == parsed.text
    assert parsed.html_only
    assert unusable(parsed) == ""  # not quarantined as "no text and no attachment"


def test_a_plain_part_with_text_is_read_before_the_html_one() -> None:
    parsed = parse(alternative(b"Plain words.", b"<p>HTML words.</p>"))
    assert (parsed.text, parsed.html_only) == ("Plain words.", False)
    assert parse(alternative(b"", b"")).text == ""  # neither has text: nothing to show


def test_script_and_style_never_reach_the_text() -> None:
    html = "<style>p{}</style><p>Hi<script>alert(1)</script></p><div>there</div>"
    assert html_to_text(html) == "Hi\n\nthere"
    deep = "<div>" * 5000 + "deep" + "</div>" * 5000
    assert html_to_text(deep) == "deep"


def test_preformatted_html_keeps_its_indentation() -> None:
    """A traceback or a script pasted into HTML mail reads as it was written."""
    html = (
        "<p>Hi,</p>\n<p>\n   it fails:</p><pre>Traceback (most recent call last):\n"
        '  File "run.py", line 3\n    plot()</pre><div>\n   Thanks</div>'
    )
    assert html_to_text(html) == (
        'Hi,\n\nit fails:\n\nTraceback (most recent call last):\n  File "run.py", line 3\n'
        "    plot()\n\nThanks"
    )


def test_headers_in_any_charset_and_missing_ids_are_handled() -> None:
    raw = (
        b"From: =?iso-8859-1?q?J=F6rg?= <JOERG@Example.DE>\r\n"
        b"Subject: =?utf-8?b?w5xiZXIgVmlzSXQ=?=\r\n"
        b"Subject: duplicate\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nGr\xfc\xdfe\r\n"
    )
    parsed = parse(raw)
    assert parsed.sender == "joerg@example.de"
    assert parsed.subject == "Über VisIt"
    assert parsed.message_id.endswith("@sredesk.invalid>")
    assert parsed.message_id == parse(raw).message_id  # the same bytes, the same identity
    assert parsed.text == "Grüße"
    assert any("duplicate subject" in d for d in parsed.defects)
    assert any("unknown charset" in d for d in parsed.defects)


@pytest.mark.parametrize(
    ("encoding", "defect"),
    [("utf-8", None), ("cp1252", "raw 8-bit header is not UTF-8; read as cp1252")],
)
def test_raw_8bit_headers_are_read_not_quarantined(encoding: str, defect: str | None) -> None:
    """Many clients send names and subjects as raw 8-bit bytes, not encoded words."""
    raw = (
        'From: "Müller, José" <jose@uni.example.es>\r\n'
        "To: Lista <visit-users@lists.example.org>, Zoë <zoe@uni.example.es>\r\n"
        "Subject: Problème de rendu\r\nMessage-ID: <raw8@uni.example.es>\r\n\r\nBonjour\r\n"
    ).encode(encoding)
    parsed = parse(raw)
    assert parsed.message_id == "<raw8@uni.example.es>"
    assert parsed.sender == "jose@uni.example.es"
    assert parsed.subject == "Problème de rendu"
    assert parsed.recipients == ["visit-users@lists.example.org", "zoe@uni.example.es"]
    assert not any(d.startswith("unparseable") for d in parsed.defects)
    assert (defect in parsed.defects) if defect else parsed.defects == []


def plain_text(charset: str, body: bytes, *, encoding: bytes = b"8bit") -> bytes:
    return (
        b"From: a@b.example\r\nMessage-ID: <cs@b.example>\r\n"
        b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body
    )


@pytest.mark.parametrize(
    ("charset", "body", "text", "read_as"),
    [
        # UTF-8 first: Windows-1252 would read these bytes too, as 'GrÃ¼ÃŸe'.
        ("us-ascii", "Grüße".encode(), "Grüße", "utf-8"),
        ("utf-8", "Grüße".encode("latin-1"), "Grüße", "cp1252"),
        ("UTF-8", b"\x93quoted\x94 \x80 5", "\u201cquoted\u201d \u20ac 5", "cp1252"),
    ],
    ids=["utf-8 labelled us-ascii", "latin-1 labelled utf-8", "cp1252 labelled UTF-8"],
)
def test_text_under_a_wrong_charset_label_is_read_as_utf8_or_cp1252(
    charset: str, body: bytes, text: str, read_as: str
) -> None:
    parsed = parse(plain_text(charset, body))
    assert parsed.text == text
    wrong = f"wrong charset label: text is not valid {charset.lower()}; read as {read_as}"
    assert wrong in parsed.defects


def test_text_that_no_fallback_reads_has_its_bad_bytes_replaced() -> None:
    # 0x81 is neither UTF-8 here nor anything in Windows-1252.
    parsed = parse(plain_text("utf-8", b"Gr\xfc\x81e"))
    assert parsed.text == "Gr\ufffd\ufffde"
    assert "text is not valid utf-8; undecodable bytes replaced" in parsed.defects


@pytest.mark.parametrize("charset", ["zlib", "base64", "rot13", "idna", "punycode", "undefined"])
def test_a_codec_that_is_not_a_text_charset_counts_as_unknown(charset: str) -> None:
    # Python knows these names, but decoding text with them raises: the message stays readable.
    # (The body is base64: the stdlib parser itself fails on some of them with 8-bit bytes.)
    parsed = parse(plain_text(charset, b"R3LDvMOfZQ==\r\n", encoding=b"base64"))
    assert parsed.text == "Grüße"
    assert parsed.defects == [f"unknown charset {charset!r}"]


def test_text_under_the_right_charset_label_has_no_defect() -> None:
    parsed = parse(plain_text("iso-8859-1", "Grüße".encode("latin-1")))
    assert (parsed.text, parsed.defects) == ("Grüße", [])


@pytest.mark.parametrize(
    ("charset", "codec", "text"),
    [
        ("iso-8859-8-i", "iso-8859-8", "שלום, התוכנה קורסת"),
        ("windows-874", "cp874", "สวัสดีครับ โปรแกรมล่ม"),
        ("x-mac-roman", "mac-roman", "Café \u2013 \u201cit crashes\u201d"),
        ("x-mac-cyrillic", "mac-cyrillic", "Привет, программа падает"),
        ("x-gbk", "gbk", "你好\uff0c程序崩溃了"),
        ("windows-31j", "cp932", "こんにちは、クラッシュします"),
        ("x-euc-jp", "euc-jp", "こんにちは"),
        ("ks_c_5601-1989", "cp949", "안녕하세요"),
    ],
)
def test_charset_labels_mail_clients_send_and_python_lacks_are_read(
    charset: str, codec: str, text: str
) -> None:
    """Labels from the WHATWG Encoding Standard, in the text and in encoded-word headers."""
    subject = f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="
    raw = (
        f"From: a@b.org\nMessage-ID: <c@b.org>\nSubject: {subject}\n"
        f"Content-Type: text/plain; charset={charset}\n\n"
    ).encode() + text.encode(codec)
    parsed = parse(raw)
    assert (parsed.subject, parsed.text, parsed.defects) == (text, text, [])


@pytest.mark.parametrize(
    ("meta", "codec"),
    [
        ('<meta charset="koi8-r">', "koi8-r"),
        ("<META HTTP-EQUIV=Content-Type CONTENT='text/html; charset=windows-1251'>", "cp1251"),
        (
            '<meta content="text/html; charset=x-mac-cyrillic" http-equiv="Content-Type">',
            "mac-cyrillic",
        ),
    ],
)
def test_an_html_part_labelled_only_in_its_meta_tag_is_read_in_that_charset(
    meta: str, codec: str
) -> None:
    """The Content-Type names no charset; the page's own <meta> does, as browsers read it."""
    text = "Привет, программа падает"
    page = f"<html><head>{meta}</head><body><p>{text}</p></body></html>"
    raw = (
        b"From: a@b.org\nMessage-ID: <c@b.org>\nSubject: crash\n"
        b"Content-Type: text/html\n\n" + page.encode(codec)
    )
    parsed = parse(raw)
    assert (parsed.text, parsed.html_only, parsed.defects) == (text, True, [])


def test_a_meta_charset_never_overrides_the_content_type_or_reads_as_utf16() -> None:
    text = "Grüße aus Jülich"
    labelled = (
        b"From: a@b.org\nMessage-ID: <c@b.org>\nSubject: x\n"
        b"Content-Type: text/html; charset=utf-8\n\n"
        + f'<meta charset="koi8-r"><p>{text}</p>'.encode()
    )
    assert parse(labelled).text == text
    # A page found by an ASCII scan is no UTF-16 page: browsers read it as UTF-8 then.
    unlabelled = (
        b"From: a@b.org\nMessage-ID: <c@b.org>\nSubject: x\nContent-Type: text/html\n\n"
        + f'<meta charset="utf-16"><p>{text}</p>'.encode()
    )
    assert parse(unlabelled).text == text


def test_auto_replies_and_bounces_are_machine_mail_but_list_mail_is_not() -> None:
    assert parse(message("<a@x>", headers={"Auto-Submitted": "auto-replied"})).machine
    assert parse(message("<a@x>", headers={"Auto-Submitted": "no"})).machine is None
    assert parse(message("<a@x>", headers={"X-Autoreply": "yes"})).machine
    assert parse(message("<a@x>", headers={"Precedence": "junk"})).machine
    assert parse(message("<a@x>", subject="Out of Office: back Monday")).machine
    assert parse(message("<a@x>", sender="MAILER-DAEMON@mx.example.org")).machine
    listed = parse(
        message(
            "<a@x>",
            headers={
                "Precedence": "list",
                "List-Id": "VisIt users <visit-users.lists.example.org>",
                "List-Unsubscribe": "<mailto:leave@lists.example.org>",
            },
        )
    )
    assert listed.machine is None
    assert listed.list_mail
    # Some list servers mark every post "bulk": with list headers it is still a person's mail.
    bulk = {"Precedence": "bulk", "List-Id": "<visit-users.lists.example.org>"}
    assert parse(message("<a@x>", headers=bulk)).machine is None
    assert listed.list_id == "visit-users.lists.example.org"
    # No list marks its posts auto_reply: a vacation answer through the list is still one.
    vacation = {"Precedence": "auto_reply", "List-Id": "<visit-users.lists.example.org>"}
    assert parse(message("<a@x>", headers=vacation)).machine == "Precedence: auto_reply"


def test_attachments_are_kept_up_to_the_limit() -> None:
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["Message-ID"], mail["Subject"] = "u@x.edu", "<att@x.edu>", "logs"
    mail.set_content("Logs attached.")
    mail.add_attachment(b"x" * 100, maintype="text", subtype="plain", filename="small.log")
    mail.add_attachment(b"y" * 5000, maintype="application", subtype="gzip", filename="big.gz")
    parsed = parse(mail.as_bytes(), attachment_limit=1000)
    assert [(a.filename, len(a.content)) for a in parsed.attachments] == [("small.log", 100)]
    assert any("big.gz" in d and "limit" in d for d in parsed.defects)
    assert parsed.display == "Logs attached."


def cpython_messages() -> list[Path]:
    try:
        import test.test_email as stdlib_tests
    except ImportError:
        return []
    return sorted(Path(stdlib_tests.__file__).parent.joinpath("data").glob("msg_*.txt"))


STDLIB = cpython_messages()


def test_cpython_test_messages_are_installed() -> None:
    if not STDLIB and not IN_CI:
        pytest.skip("this Python has no test.test_email package")
    assert len(STDLIB) >= 40


@pytest.mark.parametrize("path", STDLIB, ids=lambda p: p.name)
def test_cpython_malformed_messages_never_raise(path: Path) -> None:
    raw = path.read_bytes()
    parsed = parse(raw)
    assert parsed.message_id.startswith("<")
    assert parsed.raw == raw
    truncated = parse(raw[: len(raw) // 2])
    assert truncated.message_id.startswith("<")
    assert parse(raw.replace(b"\n", b"\r\n")).message_id.startswith("<")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe",
        b"no headers at all",
        b"From: \r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--",
        b"Subject: =?bogus?q?x?=\r\n\r\nbody",
    ],
)
def test_garbage_never_raises(raw: bytes) -> None:
    parsed = parse(raw)
    assert parsed.message_id.endswith("@sredesk.invalid>") or parsed.message_id.startswith("<")


def test_named_text_files_shown_inline_are_attachments() -> None:
    """Apple Mail sends a log or a script as an inline part with a file name."""
    mail = EmailMessage()
    mail["From"], mail["Message-ID"], mail["Subject"] = "u@x.edu", "<mac@x.edu>", "crash"
    mail.set_content("The log is attached.")
    for name, subtype, text in [
        ("visit.log", "plain", "Segmentation fault"),
        ("r.py", "x-python", "Open()"),
    ]:
        mail.add_attachment(text, subtype=subtype, filename=name, disposition="inline")
    mail.add_attachment("Thanks,\nJane", disposition="inline")  # the rest of the text, unnamed
    parsed = parse(mail.as_bytes())
    assert parsed.display == "The log is attached."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("visit.log", "text/plain"),
        ("r.py", "text/x-python"),
    ]


def test_a_forwarded_message_is_one_attachment_not_its_parts() -> None:
    inner = EmailMessage()
    inner["From"] = "colleague@lab.example.org"
    inner["Subject"] = "Crash report"
    inner.set_content("VisIt 3.4.1 crashed while opening the Silo file.")
    inner.add_attachment(b"%PDF-1.4 trace", maintype="application", subtype="pdf", filename="t.pdf")
    outer = EmailMessage()
    outer["From"] = "user@uni.example.edu"
    outer["To"] = "visit-users@lists.example.org"
    outer["Subject"] = "Fwd: Crash report"
    outer["Message-ID"] = "<fwd@uni.example.edu>"
    outer.set_content("FYI, my colleague hit this too.")
    outer.add_attachment(inner)
    parsed = parse(outer.as_bytes())
    assert parsed.display == "FYI, my colleague hit this too."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("forwarded.eml", "message/rfc822")
    ]
    stored = email.message_from_bytes(parsed.attachments[0].content)
    assert stored["Subject"] == "Crash report"
    assert [p.get_filename() for p in stored.walk() if p.get_filename()] == ["t.pdf"]
    assert parsed.defects == []
