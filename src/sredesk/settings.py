"""Read the desk's configuration from an environment mapping and an optional TOML file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sredesk.core.errors import InvalidInput

DEFAULT_DATABASE_URL = "sqlite:///sredesk.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    config_path: Path | None = None
    # The [calendars] table of the configuration file: extra and removed holidays, half days,
    # other named calendars.
    calendars: dict[str, Any] = field(default_factory=dict)
    response_hours: float = 4.0
    # Business hours to resolve an inquiry, not counting waits on the customer; None: no goal.
    resolution_hours: float | None = None

    def read_calendar_file(self, path: str) -> str:
        """Read an .ics holiday file; a relative path is relative to the configuration file."""
        base = self.config_path.parent if self.config_path is not None else Path()
        full = base / path
        try:
            return full.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput(f"cannot read the .ics file {full}: {error}") from None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        url = env.get("SREDESK_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        path_text = env.get("SREDESK_CONFIG", "").strip()
        config: dict[str, Any] = {}
        path = None
        if path_text:
            path = Path(path_text)
            config = _read_config(path)
        hours = config.get("desk", {}).get("response_hours", 4.0)
        if not isinstance(hours, int | float) or isinstance(hours, bool) or hours <= 0:
            raise InvalidInput(f"{path}: desk.response_hours must be a positive number of hours")
        resolution = config.get("desk", {}).get("resolution_hours")
        if resolution is not None and (
            not isinstance(resolution, int | float)
            or isinstance(resolution, bool)
            or resolution <= 0
        ):
            raise InvalidInput(f"{path}: desk.resolution_hours must be a positive number of hours")
        calendars = config.get("calendars", {})
        if not isinstance(calendars, dict):
            raise InvalidInput(f"{path}: [calendars] must be a table")
        return cls(
            database_url=url,
            config_path=path,
            calendars=calendars,
            response_hours=float(hours),
            resolution_hours=float(resolution) if resolution is not None else None,
        )


def _read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InvalidInput(f"cannot read $SREDESK_CONFIG file {path}: {reason}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"$SREDESK_CONFIG file {path} is not valid TOML: {error}") from None
