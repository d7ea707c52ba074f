"""The desk's server-rendered pages, one module per page, each with its own router."""

from __future__ import annotations

from fastapi import APIRouter

from sredesk.web.pages import inquiry, inquiry_actions, postmortem, queue, session

PAGE_ROUTERS: list[APIRouter] = [session.router, queue.router]
PAGE_ROUTERS += [inquiry.router, inquiry_actions.router, postmortem.router]
