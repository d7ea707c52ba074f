"""Random command sequences on the in-memory desk never reach an invalid state."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

from sredesk.adapters.memory import FixedClock, MemoryStore
from sredesk.services.desk import Desk
from tests.conftest import populate
from tests.desk_machine import DeskMachine


def memory_desk(clock: FixedClock) -> Desk:
    desk = Desk(unit_of_work=MemoryStore().unit_of_work, clock=clock)
    populate(desk)
    return desk


class MemoryDeskMachine(DeskMachine):
    make_desk = staticmethod(memory_desk)


MemoryDeskMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
TestMemoryDesk = MemoryDeskMachine.TestCase
