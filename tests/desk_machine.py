"""A Hypothesis state machine that drives random desk commands against any unit of work."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sredesk.adapters.memory import FixedClock
from sredesk.core.errors import DeskError
from sredesk.core.model import ResolutionKind
from sredesk.core.postmortem import PostmortemDraft
from sredesk.services import escalations, inquiries, postmortems, shifts
from sredesk.services.desk import Desk
from tests.conftest import NOW

HANDLES = st.sampled_from(["alice", "bob", "carol", "dave", "nobody"])
KINDS = st.lists(st.sampled_from([k.value for k in ResolutionKind] + ["bogus"]), max_size=3)
TEXT = st.sampled_from(["", "  ", "Thanks, try 3.4.1", "Which version?"])


class DeskMachine(RuleBasedStateMachine):
    """Subclasses set `make_desk` to build a populated desk on a fixed clock."""

    make_desk: Callable[[FixedClock], Desk]

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(NOW)
        self.desk = type(self).make_desk(self.clock)
        self.numbers: list[int] = []
        self.accepted = 0

    # -- helpers --------------------------------------------------------------------------
    def _state(self) -> tuple[list[dict[str, Any]], int]:
        with self.desk.unit_of_work() as uow:
            events = len(uow.audit.list())
        details = [inquiries.get_inquiry(self.desk, n) for n in self.numbers]
        for d in details:
            d.pop("clock")  # derived from the moving clock, not stored
        return details, events

    def _attempt(self, command: Callable[[], Any]) -> Any:
        before, events_before = self._state()
        try:
            result = command()
        except DeskError:
            after, events_after = self._state()
            assert after == before, "a refused command changed an inquiry"
            assert events_after == events_before, "a refused command left an audit event"
            return None
        _, events_after = self._state()
        assert events_after > events_before, "an accepted command left no audit event"
        self.accepted += 1
        return result

    def _pick(self, data: st.DataObject) -> int:
        return data.draw(st.sampled_from(self.numbers))

    # -- rules ----------------------------------------------------------------------------
    @rule(serious=st.booleans(), channel=st.sampled_from(["email", "github", "hotline", "fax"]))
    def open(self, serious: bool, channel: str) -> None:
        number = self._attempt(
            lambda: inquiries.open_inquiry(
                self.desk,
                title="Viewer crash",
                channel=channel,
                source="visit-users",
                customers=["u@example.edu"],
                body="It crashes",
                serious=serious,
            )
        )
        if number is not None:
            self.numbers.append(number)

    @precondition(lambda self: self.numbers)
    @rule(data=st.data(), by=HANDLES, body=TEXT, public=st.booleans())
    def write(self, data: st.DataObject, by: str, body: str, public: bool) -> None:
        n = self._pick(data)
        call = inquiries.reply if public else inquiries.note
        self._attempt(lambda: call(self.desk, n, body, by=by))

    @precondition(lambda self: self.numbers)
    @rule(data=st.data(), body=TEXT)
    def customer(self, data: st.DataObject, body: str) -> None:
        n = self._pick(data)
        self._attempt(
            lambda: inquiries.customer_wrote(self.desk, n, author="u@example.edu", body=body)
        )

    @precondition(lambda self: self.numbers)
    @rule(
        data=st.data(),
        by=HANDLES,
        action=st.sampled_from(["ack", "wait", "reopen", "close", "keep", "serious", "assign"]),
    )
    def act(self, data: st.DataObject, by: str, action: str) -> None:
        n = self._pick(data)
        d = self.desk
        calls: dict[str, Callable[[], Any]] = {
            "ack": lambda: inquiries.acknowledge(d, n, by=by),
            "wait": lambda: inquiries.wait_on_customer(d, n, by=by),
            "reopen": lambda: inquiries.reopen(d, n, by=by),
            "close": lambda: inquiries.close(d, n, by=by),
            "keep": lambda: inquiries.keep_at_handoff(d, n, True, by=by),
            "serious": lambda: inquiries.mark_serious(d, n, True, by=by),
            "assign": lambda: inquiries.assign(d, n, by, by="alice"),
        }
        self._attempt(calls[action])

    @precondition(lambda self: self.numbers)
    @rule(data=st.data(), by=HANDLES, kinds=KINDS, link=st.booleans())
    def resolve(self, data: st.DataObject, by: str, kinds: list[str], link: bool) -> None:
        n = self._pick(data)
        url = "https://github.com/visit-dav/visit/issues/1" if link else None
        self._attempt(lambda: inquiries.resolve(self.desk, n, kinds, by=by, link_url=url))

    @precondition(lambda self: self.numbers)
    @rule(
        data=st.data(),
        by=HANDLES,
        to=st.one_of(st.none(), HANDLES),
        answer=st.sampled_from(["accepted", "delayed", "declined", "maybe"]),
    )
    def escalate(self, data: st.DataObject, by: str, to: str | None, answer: str) -> None:
        n = self._pick(data)
        esc = self._attempt(lambda: escalations.escalate(self.desk, n, by=by, to=to))
        if esc is not None:
            asked = inquiries.get_inquiry(self.desk, n)["escalations"][-1]["to_member"]
            self._attempt(lambda: escalations.answer(self.desk, n, esc, answer, by=asked))

    @precondition(lambda self: self.numbers)
    @rule(data=st.data(), why=TEXT)
    def postmortem(self, data: st.DataObject, why: str) -> None:
        n = self._pick(data)
        text = PostmortemDraft("What", why, "", "", "Recommend")
        self._attempt(lambda: postmortems.write(self.desk, n, text, by="alice"))

    @rule(dry_run=st.booleans())
    def handoff(self, dry_run: bool) -> None:
        if not dry_run:
            self._attempt(lambda: shifts.handoff(self.desk))
            return
        before = self._state()
        with contextlib.suppress(DeskError):
            shifts.handoff(self.desk, dry_run=True)
        assert self._state() == before, "a dry-run handoff changed something"

    # Up to three weeks in all: the planned shifts run out, and commands must refuse cleanly.
    @precondition(lambda self: self.clock.current < NOW + timedelta(weeks=3))
    @rule(hours=st.integers(min_value=1, max_value=72))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    # -- invariants -----------------------------------------------------------------------
    @invariant()
    def no_invalid_state(self) -> None:
        members = {"alice", "bob", "carol", "dave"}
        for d in self._state()[0]:
            state = d["state"]
            is_open = state in ("new", "responded", "waiting-on-customer")
            if is_open:
                assert (state == "new") == (d["first_response_at"] is None), d
                assert d["resolved_at"] is None
            else:
                assert d["resolved_at"] is not None
                assert d["resolutions"], "resolved without a resolution"
            assert (state == "closed") == (d["closed_at"] is not None)
            assert d["assignee"] is None or d["assignee"] in members
            assert d["response_due"] >= d["created_at"]
            for r in d["resolutions"]:
                assert r["kinds"], "a resolution with no kind"
                if "promoted" in r["kinds"]:
                    assert d["links"], "promoted without a link"
            assert len(d["timeline"]) >= 1
