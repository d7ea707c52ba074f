"""Seed a demo desk: the VisIt team, a rotation around today, and inquiries in every state."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sredesk.core.roster import week_start
from sredesk.services import accounts, escalations, inquiries, shifts, team
from sredesk.services.desk import Desk

MEMBERS = [
    # handle, name, percent-time, Primary weeks served, classified access. alice is cleared,
    # so the classified inquiry has a cleared holder in the current week and the next.
    ("alice", "Alice Liddell", 100, 14, True),
    ("bob", "Bob Tanaka", 50, 9, False),
    ("carol", "Carol Okafor", 100, 2, False),
    ("dave", "Dave Lindqvist", 50, 0, False),
    ("erin", "Erin Castillo", 80, 22, True),
]

# The demo's shifts run from this many weeks before the current one.
_FIRST_OFFSET = -4

# Newer Primaries sit beside experienced Backups, as the planner would pair them.
PAIRS = [
    ("carol", "alice"),
    ("alice", "bob"),
    ("dave", "erin"),
    ("erin", "carol"),
    ("bob", "alice"),
    ("alice", "erin"),
]


# Every demo member signs in with this password; the demo is for trying the desk, not for use.
DEMO_PASSWORD = "visit-demo-desk"
DEMO_LOGIN = "carol"  # this week's Primary, and the demo's admin
DEMO_VIEWER = "guest"
LOGIN_HINT = (
    f"demo login: user {DEMO_LOGIN} (admin; every member has an account), "
    f"password {DEMO_PASSWORD}; viewer: user {DEMO_VIEWER}, same password"
)


def has_demo_login(desk: Desk) -> bool:
    with desk.unit_of_work() as uow:
        return uow.accounts.find_user(DEMO_LOGIN) is not None


def seed(desk: Desk) -> None:
    team.create_team(desk, "VisIt")
    now = desk.now()
    with desk.unit_of_work() as uow:
        zone = desk.calendar(uow).tz
    # The desk's own week: on a Sunday evening in San Francisco it is Monday in UTC already.
    monday = week_start(now.astimezone(zone).date())
    first = monday + timedelta(weeks=_FIRST_OFFSET)
    for handle, name, percent, served, classified in MEMBERS:
        team.add_member(
            desk,
            handle,
            name,
            f"{handle}@visit.example.org",
            percent_time=percent,
            experience=served,
            classified_access=classified,
            github=f"{handle}-visit",
            joined=first,  # the whole team has served since the demo's first week
        )
    for offset in range(_FIRST_OFFSET, 9):
        primary, backup = PAIRS[offset % len(PAIRS)]
        shifts.set_shift(desk, monday + timedelta(weeks=offset), primary, backup)
    today = now.date()
    team.add_time_off(
        desk, "bob", today + timedelta(days=21), today + timedelta(days=25), "conference travel"
    )
    _seed_inquiries(desk)
    logins = [(h, "admin" if h == DEMO_LOGIN else "member") for h, *_ in MEMBERS]
    accounts.add_users(desk, [*logins, (DEMO_VIEWER, "viewer")], DEMO_PASSWORD)


def _at(desk: Desk, moment: datetime) -> Desk:
    """The same desk with its clock set to `moment`, so the demo history has real timing."""
    return replace(desk, clock=_Frozen(moment))


class _Frozen:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def _seed_inquiries(desk: Desk) -> None:
    now = desk.now()

    def ago(hours: float) -> datetime:
        return now - timedelta(hours=hours)

    inquiries.open_inquiry(
        desk,
        title="Pseudocolor plot crashes on a 2D Silo mesh",
        channel="email",
        source="visit-users",
        customers=["jdoe@univ.example.edu"],
        created_at=ago(2),
        body="Opening mesh.silo and adding a Pseudocolor plot crashes the viewer.",
        message_id="<crash-1@univ.example.edu>",
        labels=["crash"],
    )
    n2 = inquiries.open_inquiry(
        _at(desk, ago(30)),
        title="How do I script a movie of a time series?",
        channel="github",
        source="visit-dav/visit-help",
        customers=["pat-sci"],
        body="Is there an example of saving one PNG per time step from the CLI?",
    )
    inquiries.acknowledge(_at(desk, ago(29)), n2, by=_holder(desk, n2))
    n3 = inquiries.open_inquiry(
        _at(desk, ago(50)),
        title="Parallel engine fails to launch on the cluster",
        channel="email",
        source="visit-help-asc",
        customers=["ops@lab.example.gov"],
        body="The engine launcher times out on the compute nodes.",
        serious=True,
        message_id="<launch-1@lab.example.gov>",
    )
    # Escalated as it came in: an hour later the desk may have closed for the weekend, and
    # the Backup it would ask first is then the week after's, who may be its holder.
    escalations.escalate(
        _at(desk, ago(50)), n3, by=_holder(desk, n3), note="Launcher profiles: your area?"
    )
    n4 = inquiries.open_inquiry(
        _at(desk, ago(120)),
        title="Reading a Mili database loses variable names",
        channel="hotline",
        source="desk hotline",
        customers=["Sam Rivera"],
        body="Caller reports missing variable names after upgrading.",
    )
    holder = _holder(desk, n4)
    inquiries.reply(_at(desk, ago(119)), n4, "Which VisIt version did you upgrade from?", by=holder)
    inquiries.wait_on_customer(_at(desk, ago(119)), n4, by=holder)
    n5 = inquiries.open_inquiry(
        _at(desk, ago(200)),
        title="Where are the release notes for 3.4?",
        channel="email",
        source="visit-users",
        customers=["student@univ.example.edu"],
        body="I cannot find what changed in 3.4.",
        message_id="<notes-1@univ.example.edu>",
    )
    holder = _holder(desk, n5)
    inquiries.reply(
        _at(desk, ago(199)), n5, "They are in the manual, under Release Notes.", by=holder
    )
    inquiries.resolve(_at(desk, ago(198)), n5, ["answered"], by=holder)
    inquiries.open_inquiry(
        desk,
        title="Classified mesh reader question",
        channel="hotline",
        source="secure line",
        customers=["analyst"],
        created_at=ago(1),
        sensitive=True,
        response_hours=2,
    )
    inquiries.open_inquiry(
        desk,
        title="Asked in the hallway about the Python CLI on macOS",
        channel="redirect",
        source="hallway",
        customers=["visitor@lab.example.gov"],
        created_at=ago(3),
        redirected_by="bob",
        body="Redirected to the Primary from a hallway chat.",
        author="bob",
    )


def _holder(desk: Desk, number: int) -> str:
    assignee = inquiries.get_inquiry(desk, number)["assignee"]
    assert isinstance(assignee, str), "the demo rotation covers every seeded inquiry"
    return assignee
