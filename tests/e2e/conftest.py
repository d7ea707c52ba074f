"""Prepare what every `sredesk` process the end-to-end tests start would otherwise redo."""

from __future__ import annotations

import compileall
from pathlib import Path

import pytest

import sredesk


@pytest.fixture(scope="session", autouse=True)
def _sredesk_bytecode() -> None:
    """Write sredesk's bytecode once, for every process the tests start to read.

    An editable install has none, and with PYTHONDONTWRITEBYTECODE set each process
    compiled the whole package again, a tenth of its start. Stale files are rewritten.
    """
    compileall.compile_dir(Path(sredesk.__file__).parent, quiet=1)
