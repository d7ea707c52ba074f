"""Every command starts a process: it loads no library that only other commands use."""

from __future__ import annotations

import json
import subprocess
import sys

# Run in a fresh interpreter, since this one has imported everything the suite uses.
PROBE = """
import json, sys
from datetime import datetime, timedelta

import sredesk.cli.main

loaded = {"cli": sorted(sys.modules)}
from sredesk.core.calendar import load_calendar

start = datetime.fromisoformat("2026-11-25T16:30-08:00")
load_calendar("llnl").add(start, timedelta(hours=4))
loaded["llnl"] = sorted(sys.modules)
print(json.dumps(loaded))
"""

# Libraries some commands use, each tens of milliseconds or more of a process's start.
NOT_AT_START = {
    "numpy",
    "holidays",
    "icalendar",
    "ortools",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "pwdlib",
    "githubkit",
    "aiosmtpd",
    "imapclient",
    "imaplib",
    "bs4",
    "quotequail",
}


def _loaded() -> dict[str, set[str]]:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, list[str]] = json.loads(probe.stdout)
    return {when: {name.split(".")[0] for name in names} for when, names in found.items()}


def test_commands_load_only_what_they_use() -> None:
    loaded = _loaded()
    # The command line itself: each command imports the services and libraries it uses.
    assert NOT_AT_START & loaded["cli"] == set()
    # The lab's calendar computes its own holidays: no country rules, no .ics reader.
    assert {"holidays", "icalendar"} & loaded["llnl"] == set()
