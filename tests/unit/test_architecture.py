"""The core stays pure: it imports no framework, database, network or wall-clock module."""

from __future__ import annotations

import ast
from pathlib import Path

import sredesk

CORE = Path(sredesk.__file__).parent / "core"
BANNED = {
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "typer",
    "click",
    "uvicorn",
    "psycopg",
    "httpx",
    "requests",
    "jinja2",
    "socket",
    "smtplib",
    "imaplib",
    "os",
    "subprocess",
    "sredesk.adapters",
    "sredesk.services",
    "sredesk.web",
    "sredesk.cli",
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_core_imports_no_io_or_framework_module() -> None:
    modules = sorted(CORE.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        for name in imports(path):
            banned = [b for b in BANNED if name == b or name.startswith(b + ".")]
            assert not banned, f"{path.name} imports {name}"


def test_core_never_reads_the_wall_clock() -> None:
    for path in CORE.glob("*.py"):
        text = path.read_text()
        for call in ("datetime.now(", "date.today(", "time.time(", "datetime.utcnow("):
            assert call not in text, f"{path.name} calls {call}; take `now` as an argument"


def test_public_api_is_what_all_lists() -> None:
    assert sorted(sredesk.__all__) == [
        "DeskError",
        "InvalidInput",
        "InvalidTransition",
        "NotFound",
        "__version__",
    ]
    for name in sredesk.__all__:
        assert hasattr(sredesk, name)
