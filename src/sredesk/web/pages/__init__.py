"""The desk's server-rendered pages, one module per page, each with its own router."""

from __future__ import annotations

from fastapi import APIRouter

from sredesk.web.pages import account, handoff, inquiry, inquiry_actions, postmortem, queue, session
from sredesk.web.pages import rotation as rotation_pages
from sredesk.web.pages import team as team_pages

PAGE_ROUTERS: list[APIRouter] = [session.router, queue.router]
PAGE_ROUTERS += [inquiry.router, inquiry_actions.router, postmortem.router]
PAGE_ROUTERS += [handoff.router, account.router]
PAGE_ROUTERS += [rotation_pages.router, team_pages.router]
