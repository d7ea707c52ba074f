"""Serve the bare FastAPI page, and time GET requests from a process of its own.

bench_web.py runs this file twice: `serve-bare --port P` serves the baseline page with
uvicorn, as `sredesk serve` serves the desk; `load ...` signs in to the desk through its
login form, warms both up, says "warm" and waits for a line on stdin, then sends requests
to the desk and the bare page in turns and prints the latencies as JSON. Turns, not one
run after the other, so that a burst of load on the machine slows both alike.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

BARE_PAGE = "<!doctype html><title>bare</title><p>Hello from a bare FastAPI endpoint.</p>"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')

bare_app = FastAPI()


# A plain `def`, like the desk's page routes, so both answers go through the thread pool.
@bare_app.get("/", response_class=HTMLResponse)
def bare_page() -> str:
    return BARE_PAGE


def sign_in(client: httpx.Client, handle: str, password: str) -> None:
    """Sign in through the real form: its CSRF cookie and field, then the session cookie."""
    form = client.get("/login")
    form.raise_for_status()
    found = CSRF_INPUT.search(form.text)
    if found is None:
        raise SystemExit("the login page has no csrf_token field")
    answer = client.post(
        "/login",
        data={"csrf_token": found.group(1), "username": handle, "password": password, "next": "/"},
    )
    if answer.status_code != 303 or "sredesk_session" not in client.cookies:
        raise SystemExit(f"signing in as {handle} failed: {answer.status_code} {answer.text[:200]}")


def timed_get(client: httpx.Client, path: str, expect: str) -> float:
    began = time.perf_counter()
    answer = client.get(path)
    elapsed = time.perf_counter() - began
    if answer.status_code != 200 or expect not in answer.text:
        raise SystemExit(f"{client.base_url}{path}: {answer.status_code}, {answer.text[:300]!r}")
    return elapsed * 1000


def load(args: argparse.Namespace) -> dict[str, list[float]]:
    """Warm up, wait for a line on stdin, then time `requests` GETs to each server in turns.

    The pause lets the caller read the servers' CPU clocks after the sign-in and warm-up.
    """
    timeout = httpx.Timeout(30.0)
    with (
        httpx.Client(base_url=args.desk, timeout=timeout) as desk,
        httpx.Client(base_url=args.bare, timeout=timeout) as bare,
    ):
        sign_in(desk, args.user, args.password)
        for _ in range(args.warmup):
            timed_get(desk, args.path, args.expect)
            timed_get(bare, "/", "bare FastAPI endpoint")
        print("warm", flush=True)
        sys.stdin.readline()
        times: dict[str, list[float]] = {"desk": [], "bare": []}
        deadline = time.monotonic() + args.limit
        for turn in range(args.requests):
            if time.monotonic() > deadline:
                raise SystemExit(f"stopped after {turn} turns: over the {args.limit:.0f} s limit")
            times["desk"].append(timed_get(desk, args.path, args.expect))
            times["bare"].append(timed_get(bare, "/", "bare FastAPI endpoint"))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve-bare")
    serve.add_argument("--port", type=int, required=True)
    timing = commands.add_parser("load")
    timing.add_argument("--desk", required=True, help="the desk's base URL")
    timing.add_argument("--bare", required=True, help="the bare app's base URL")
    timing.add_argument("--path", default="/")
    timing.add_argument("--expect", required=True, help="text every desk page must contain")
    timing.add_argument("--user", required=True)
    timing.add_argument("--password", required=True)
    timing.add_argument("--requests", type=int, default=300)
    timing.add_argument("--warmup", type=int, default=30)
    timing.add_argument("--limit", type=float, default=300, help="seconds for all requests")
    args = parser.parse_args()
    if args.command == "serve-bare":
        uvicorn.run(bare_app, host="127.0.0.1", port=args.port, log_level="info")
        return 0
    json.dump(load(args), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
