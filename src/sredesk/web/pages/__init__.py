"""The desk's server-rendered pages, one module per page, each with its own router."""

from __future__ import annotations

from fastapi import APIRouter

from sredesk.web.pages import queue, session

PAGE_ROUTERS: list[APIRouter] = [session.router, queue.router]
