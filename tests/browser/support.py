"""Playwright's page and assertions; without Playwright the scenarios skip, except in CI."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

try:
    from playwright.sync_api import Page, expect
except ImportError as error:
    if IN_CI:
        raise ImportError(f"CI must run the browser scenarios, but {error}") from error
    pytest.skip(f"Playwright for Python is not installed ({error})", allow_module_level=True)

__all__ = ["Page", "expect"]
