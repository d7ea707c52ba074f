"""A member's feed URL may not be the team's: the handle `team` is refused everywhere."""

from __future__ import annotations

import pytest

from sredesk.core.errors import InvalidInput
from sredesk.core.teamfile import TeamFileError, parse_team
from sredesk.services import team
from sredesk.services.desk import Desk

RESERVED = "handle 'team' is reserved for the team's calendar feed; pick another"
TEAM_FILE = """\
[team]
name = "VisIt"

[[member]]
handle = "alice"

[[member]]
handle = "Team"
"""


@pytest.mark.parametrize("handle", ["team", "@team"])
def test_adding_a_member_called_team_is_refused(memory_desk: Desk, handle: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        team.add_member(memory_desk, handle, "Team", "team@example.org")
    assert str(refused.value) == RESERVED
    assert "team" not in [m["handle"] for m in team.list_members(memory_desk)]


def test_a_team_file_naming_a_member_team_is_refused_at_its_line() -> None:
    with pytest.raises(TeamFileError) as refused:
        parse_team(TEAM_FILE)
    assert str(refused.value) == (
        "team.toml:8: handle 'Team' is reserved for the team's calendar feed; pick another"
    )
