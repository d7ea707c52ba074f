"""Scenarios of the web desk in a real browser: Playwright driving Debian's chromium."""
