"""Guard form posts against being done twice: each form carries a one-time key.

A double click, or a browser's "resend", posts the same form again, and would write a second
comment or record. Every guarded form carries a fresh random key (`form_key()` in the
templates, from `common.py`); the desk stores each key it is posted with, in the database,
since the desk may run in several processes. A post of a key stored already writes nothing
and answers as the first post did: the same redirect and notice. This needs no script in
the page.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from functools import partial

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from sredesk.core.accounts import FormSubmission
from sredesk.services import form_keys
from sredesk.web.auth import FormUser, return_to
from sredesk.web.pages.common import FORM_KEY, answered, back, desk_of

_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A double click's second post comes while the first is still being done: it waits this long
# (seconds) for the first's answer, to give the same one.
WAIT = 5.0


class SentAlready(Exception):
    """The form was posted before with this key; the app answers as that post did."""

    def __init__(self, earlier: FormSubmission, fallback: str) -> None:
        super().__init__(fallback)
        self.earlier = earlier
        self.fallback = fallback


def sent_already(request: Request, error: Exception) -> RedirectResponse:
    assert isinstance(error, SentAlready)
    earlier = error.earlier
    if earlier.location is None:
        still = "This form was sent already and is still being done; reload the page shortly."
        return back(request, error.fallback, notice=still)
    return back(request, earlier.location, notice=earlier.notice, error=earlier.error)


async def _earlier(request: Request, key: str, by: str) -> FormSubmission | None:
    """None once `key` is ours; else the earlier post of it, when it has answered if it may."""
    claim = partial(form_keys.claim, desk_of(request), key, by=by)
    deadline = time.monotonic() + WAIT
    while True:
        earlier = await run_in_threadpool(claim)
        if earlier is None or earlier.location is not None or time.monotonic() > deadline:
            return earlier
        await asyncio.sleep(0.1)


async def sent_once(request: Request, user: FormUser) -> AsyncIterator[None]:
    """Do the post unless its key was posted before; remember what it answered.

    A post that answered with a page rather than a redirect was refused and wrote nothing
    (the forms show the page again with the text as typed), so its key is freed, and a resend
    is refused again the same way.
    """
    form = await request.form()
    key = form.get(FORM_KEY)
    if not isinstance(key, str) or not _SHAPE.fullmatch(key):
        raise HTTPException(
            422, "the form lacks its one-time key; reload the page and send it again"
        )
    earlier = await _earlier(request, key, user.handle)
    if earlier is not None and earlier.user_handle != user.handle:
        # Its answer is the other user's to see; a key is never shared in earnest.
        raise HTTPException(409, "this form was sent by another user; reload the page")
    if earlier is not None:
        raise SentAlready(earlier, return_to(request))
    desk = desk_of(request)
    try:
        yield
    except BaseException:
        await run_in_threadpool(form_keys.release, desk, key)
        raise
    answer = answered(request)
    if answer is None:
        await run_in_threadpool(form_keys.release, desk, key)
    else:
        location, notice, error = answer
        settle = partial(form_keys.settle, desk, key, location, notice=notice, error=error)
        await run_in_threadpool(settle)
