"""The queue's title search on the databases: as the in-memory desk finds, whatever the case."""

from __future__ import annotations

import pytest

from sredesk.services import inquiries, queue
from sredesk.services.desk import Desk


@pytest.mark.parametrize("search", ["überlauf", "ÜBERLAUF", "Überlauf", "crash", "ÉCRAN"])
def test_a_title_search_ignores_case_beyond_ascii(sql_desk: Desk, search: str) -> None:
    wanted = {
        "überlauf": "Überlauf in the reader",
        "ÜBERLAUF": "Überlauf in the reader",
        "Überlauf": "Überlauf in the reader",
        "crash": "CRASH on the écran",
        "ÉCRAN": "CRASH on the écran",
    }[search]
    for title in ("Überlauf in the reader", "CRASH on the écran", "Slow render"):
        inquiries.open_inquiry(sql_desk, title=title, channel="email", source="visit-users")
    found = queue.queue(sql_desk, me="alice", see_classified=True, search=search)
    assert [row["title"] for row in found["rows"]] == [wanted]
    assert found["total"] == 1
