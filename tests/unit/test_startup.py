"""Every command starts a process: it loads no library that only other commands use."""

from __future__ import annotations

import json
import subprocess
import sys

# Run in a fresh interpreter, since this one has imported everything the suite uses.
PROBE = """
import json, sys
from datetime import datetime, timedelta

from sredesk.core.calendar import load_calendar

start = datetime.fromisoformat("2026-11-25T16:30-08:00")
load_calendar("llnl").add(start, timedelta(hours=4))
print(json.dumps({"llnl": sorted(sys.modules)}))
"""


def _loaded() -> dict[str, list[str]]:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, list[str]] = json.loads(probe.stdout)
    return found


def test_commands_load_only_what_they_use() -> None:
    loaded = _loaded()
    # The lab's calendar computes its own holidays: no country rules, no .ics reader.
    assert {"holidays", "icalendar"} & set(loaded["llnl"]) == set()
