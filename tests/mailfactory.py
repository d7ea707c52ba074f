"""Build e-mail for the tests: single messages, threads, and the settings of a test desk."""

from __future__ import annotations

import os
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from hypothesis import strategies as st

from sredesk.settings import MailList, MailSettings
from tests.conftest import NOW

# The shared corpora (../shared/mail beside the repository), or where the variable says.
SHARED_MAIL = Path(
    os.environ.get("SREDESK_SHARED_MAIL", Path(__file__).parents[2] / "shared" / "mail")
)
DESK = "sre-desk@visit.example.org"
LIST = MailList("visit-users", "visit-users@lists.example.org", "visit-users", "visit-users.x")
SETTINGS = MailSettings(
    address=DESK,
    secret=b"a test secret of enough length",
    from_name="VisIt SRE desk",
    lists=(LIST,),
    rate_limit=5,
)


def message(
    message_id: str | None,
    *,
    sender: str = "user@uni.example.edu",
    subject: str = "VisIt crashes on launch",
    body: str = "It crashes when I open a Silo file.",
    to: Sequence[str] = (DESK,),
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(NOW)
    if message_id:
        mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail.as_bytes()


def list_message(
    message_id: str, *, headers: dict[str, str] | None = None, **kwargs: object
) -> bytes:
    listed = {"List-Id": f"<{LIST.list_id}>", "Precedence": "list", **(headers or {})}
    return message(message_id, to=[LIST.address], headers=listed, **kwargs)  # type: ignore[arg-type]


def mid(i: int) -> str:
    return f"<m{i}@mail.example.edu>"


@st.composite
def threads(draw: st.DrawFn, max_size: int = 8) -> list[tuple[int, int | None, bool]]:
    """A thread as (message, parent, carries full References) in a random arrival order."""
    size = draw(st.integers(1, max_size))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    full = [draw(st.booleans()) for _ in range(size)]
    order = draw(st.permutations(range(size)))
    return [(i, parents[i], full[i]) for i in order]


def ancestry(i: int, parents: dict[int, int | None]) -> list[int]:
    chain: list[int] = []
    parent = parents[i]
    while parent is not None:
        chain.insert(0, parent)
        parent = parents[parent]
    return chain
