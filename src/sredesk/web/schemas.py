"""Describe what the API accepts and returns, so OpenAPI documents it and bad input is refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from sredesk.core.calendar_years import check_year
from sredesk.core.lifecycle import customer_problem

_Day = TypeVar("_Day", date, datetime)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-11-25T16:30:00-08:00")
    return value


def _in_calendar(value: _Day) -> _Day:
    # Checked as given, before any conversion of zones could overflow near year 1 or 9999.
    check_year(value.year)
    return value


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\x00)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # JSON may escape half of a surrogate pair ("\ud800"), which is no character: no
        # database stores it, so it would fail on the write.
        raise ValueError("must be text without lone surrogates (\\ud800-\\udfff)") from None
    return value


def _one_customer(value: str) -> str:
    problem = customer_problem(value)
    if problem:
        raise ValueError(problem)
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware), AfterValidator(_in_calendar)]
# A day in the years the desk's calendar supports.
CalendarDate = Annotated[date, AfterValidator(_in_calendar)]
# Neither database stores a NUL character or a lone surrogate in text: refuse them here
# rather than fail on the write.
Text = Annotated[str, AfterValidator(_no_nul)]
Handle = Annotated[Text, Field(min_length=1, max_length=40, description="a member's handle")]
# PostgreSQL's integer columns end at 2**31 - 1: a larger id names nothing, and a query
# with it fails instead of finding nothing.
MAX_RECORD_ID = 2**31 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]
# One person: a name, a handle or one e-mail address, on one line.
Customer = Annotated[str, AfterValidator(_one_customer)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _text_without_nul(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                _no_nul(item)
        return value


class InquiryIn(Strict):
    title: str = Field(min_length=1, max_length=300)
    channel: Literal["email", "github", "hotline", "walk-in", "redirect"]
    source: str = Field(min_length=1, max_length=300)
    customers: list[Customer] = []
    body: str = ""
    by: str | None = Field(
        None,
        max_length=320,
        description="who records it: the signed-in user when omitted; an admin may name"
        " another member, or system",
    )
    sensitive: bool = False
    serious: bool = False
    response_hours: float | None = Field(
        None, gt=0, le=8760, description="its own required response time, in business hours"
    )
    response_days: float | None = Field(
        None, gt=0, le=365, description="or in calendar days, nights and weekends included"
    )
    labels: list[str] = []
    created_at: AwareDatetime | None = None
    redirected_by: str | None = None


class TextIn(Strict):
    body: str = Field(min_length=1)
    by: Handle


class ActorIn(Strict):
    by: Handle


class FlagIn(Strict):
    by: Handle
    value: bool = True


class EscalateIn(Strict):
    by: Handle
    to: str | None = Field(None, description="a member's handle; the Backup when omitted")
    note: str = ""


class EscalationAnswerIn(Strict):
    by: Handle
    answer: Literal["accepted", "delayed", "declined"]
    note: str = ""


class ResolveIn(Strict):
    by: Handle
    kinds: list[str] = Field(min_length=1)
    note: str = ""
    link_url: str | None = Field(None, max_length=2000)
    link_kind: Literal["constructive-correction", "comprehensive-solution"] = (
        "constructive-correction"
    )


class LabelsIn(Strict):
    by: Handle
    add: list[str] = []
    remove: list[str] = []


class LinkIn(Strict):
    by: Handle
    url: str = Field(max_length=2000)
    kind: Literal["constructive-correction", "comprehensive-solution"]


class AssignIn(Strict):
    by: Handle
    to: Handle


class ResponseTimeIn(Strict):
    """Business hours, or calendar days; neither gives the inquiry the desk's goal again."""

    by: Handle
    hours: float | None = Field(None, gt=0, le=8760)
    days: float | None = Field(None, gt=0, le=365)


class PostmortemIn(Strict):
    by: Handle
    what_happened: str = Field(min_length=1)
    why: str = Field(min_length=1)
    resources: str = ""
    milestones: str = ""
    recommendations: str = Field(min_length=1)


class CustomerMessageIn(Strict):
    author: Customer = Field(min_length=1)
    body: str
    message_id: str | None = Field(None, max_length=998)


class EffortIn(Strict):
    by: Handle
    minutes: int = Field(gt=0, le=1440)
    on: date | None = None
    note: str = ""
    inquiry: RecordId | None = None


class MemberIn(Strict):
    handle: Handle
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=320)
    percent_time: int = Field(50, ge=1, le=100)
    experience: int = Field(0, ge=0, le=2**31 - 1)
    classified_access: bool = False
    timezone: str = Field("America/Los_Angeles", max_length=64)
    github: str | None = Field(None, max_length=39)
    joined: date | None = Field(
        None,
        description="the Monday from which the member shares the desk's weeks;"
        " by default the Monday of the desk's current week",
    )


class MemberPatch(Strict):
    """The member's fields to change; those left out stay as they are."""

    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    percent_time: int | None = Field(None, ge=1, le=100)
    experience: int | None = Field(None, ge=0, le=2**31 - 1)
    classified_access: bool | None = None
    timezone: str | None = Field(None, max_length=64)
    active: bool | None = None
    github: str | None = Field(None, max_length=39, description="null removes the login")
    joined: date | None = Field(
        None, description="a Monday; null for a member there from the start of the history"
    )

    def changes(self) -> dict[str, Any]:
        """The fields the request gave: null clears `github` and `joined`, and nothing else."""
        given = self.model_dump(include=self.model_fields_set)
        clearable = {"github", "joined"}
        return {k: v for k, v in given.items() if v is not None or k in clearable}


class ShiftIn(Strict):
    primary: Handle
    backup: Handle


class DelegationIn(Strict):
    by: Handle
    start: AwareDatetime
    end: AwareDatetime


class HandoffIn(Strict):
    by: Handle | None = Field(
        None, description="who runs it: the signed-in user when omitted; an admin may name another"
    )
    week_start: CalendarDate | None = None
    note: str = ""
    dry_run: bool = False
    # Inquiries this week's earlier handoff kept, to hand over now after all.
    release: list[RecordId] = []


class Created(BaseModel):
    number: int | None = None
    id: int | None = None


class ClockOut(BaseModel):
    state: str
    due: str
    used: float
    remaining_seconds: int


class InquiryOut(BaseModel):
    number: int
    title: str
    state: str
    channel: str
    source: str
    assignee: str | None
    customers: list[str]
    created_at: datetime
    response_due: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    labels: list[str]
    sensitive: bool
    serious: bool
    keep_at_handoff: bool
    response_hours: float | None
    response_days: float | None = None
    message_ids: list[str]
    clock: ClockOut | None


class ResolutionClockOut(BaseModel):
    state: str
    due: str | None
    used: float
    remaining_seconds: int
    paused: bool


class InquiryDetailOut(InquiryOut):
    resolution_clock: ResolutionClockOut | None
    redirected_by: str | None
    redirect_confirmed_at: datetime | None
    comments: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    handoffs: list[dict[str, Any]]
    resolutions: list[dict[str, Any]]
    links: list[dict[str, Any]]
    postmortem: dict[str, Any] | None
    effort: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


class ErrorOut(BaseModel):
    detail: str


class ValidationErrorOut(ErrorOut):
    # Only a request of the wrong shape lists its problems; a refused value has `detail` alone.
    errors: list[dict[str, Any]] = Field([], description="each problem, as pydantic reports it")


# Every route may answer with these; each gives a one-line `detail` for a person.
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not well-formed JSON."},
    401: {"model": ErrorOut, "description": "No valid API token or session."},
    403: {
        "model": ErrorOut,
        "description": "A viewer tried to change something, or `by` names someone else.",
    },
    404: {"model": ErrorOut, "description": "No such inquiry, member or record."},
    409: {"model": ErrorOut, "description": "Not possible in the record's present state."},
    422: {"model": ValidationErrorOut, "description": "The input is invalid; `detail` says why."},
}
