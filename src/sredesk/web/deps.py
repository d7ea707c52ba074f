"""Hand each request the desk the application was built with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sredesk.services.desk import Desk


def get_desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


DeskDep = Annotated[Desk, Depends(get_desk)]
