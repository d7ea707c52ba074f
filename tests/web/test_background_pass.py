"""The background pass `sredesk serve --watch-every` runs beside the pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from sredesk.adapters.memory import FixedClock
from sredesk.services.desk import Desk
from sredesk.services.ports import AbstractUnitOfWork, StoreUnavailable
from sredesk.web.app import _watch_forever
from tests.conftest import NOW


def _database_down() -> AbstractUnitOfWork:
    raise StoreUnavailable("the database is unavailable: connection refused")


def test_a_pass_with_the_database_down_is_one_line_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    desk = Desk(unit_of_work=_database_down, clock=FixedClock(NOW))

    async def a_few_passes() -> None:
        loop = asyncio.create_task(_watch_forever(desk, 0.01, {}))
        await asyncio.sleep(0.2)
        assert not loop.done()  # the failures did not stop it
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop

    with caplog.at_level(logging.WARNING, logger="sredesk.web"):
        asyncio.run(a_few_passes())
    said = [r for r in caplog.records if r.name == "sredesk.web"]
    assert len(said) >= 2
    assert all(r.exc_info is None for r in said)  # no traceback every minute
    assert said[0].getMessage() == (
        "the desk's background pass could not reach the database "
        "(the database is unavailable: connection refused); retrying in 0.01 s"
    )
