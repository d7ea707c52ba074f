"""Two members accepting one swap request at the same moment, each in its own session."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from sredesk.core.errors import InvalidTransition
from sredesk.services import records, shifts, swap_requests
from sredesk.services.desk import USER_ERRORS, Desk

POSTGRES_ONLY = [pytest.param("postgresql", marks=pytest.mark.postgres)]


def pair(desk: Desk, monday: date) -> tuple[str, str]:
    (shift,) = shifts.list_shifts(desk, start=monday, end=monday)
    return shift["primary"], shift["backup"]


@pytest.mark.parametrize("database_url", POSTGRES_ONLY, indirect=True)
def test_of_two_members_accepting_at_once_one_takes_the_week_and_the_other_is_refused(
    sql_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the request as open before either writes: only one may take the week."""
    asked = swap_requests.request_swap(sql_desk, date(2026, 11, 18), "primary", by="alice")
    both_read = threading.Barrier(2, timeout=10)
    find = swap_requests._find

    def find_then_wait(*args: object) -> object:
        found = find(*args)  # type: ignore[arg-type]
        both_read.wait()
        return found

    monkeypatch.setattr(swap_requests, "_find", find_then_wait)

    def accept(handle: str) -> str:
        try:
            swap_requests.accept(sql_desk, asked, by=handle)
        except USER_ERRORS as refused:
            return f"{type(refused).__name__}: {refused}"
        return "accepted"

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = dict(zip(("carol", "dave"), pool.map(accept, ("carol", "dave")), strict=True))
    (winner,) = [handle for handle, said in answers.items() if said == "accepted"]
    (loser,) = set(answers) - {winner}
    assert answers[loser] == (
        f"{InvalidTransition.__name__}: swap request {asked} was taken or withdrawn "
        "a moment ago; reload the rotation page"
    )
    assert pair(sql_desk, date(2026, 11, 16)) == (winner, "bob")
    events = [e["action"] for e in records.audit_log(sql_desk)]
    assert events.count("shift.swapped") == 1
