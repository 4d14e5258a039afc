"""The shapes the API reads and writes, shared by the routers.

Conventions, the same everywhere:

* instants are ISO 8601 with a UTC offset (``2026-11-23T11:50:00Z``); inputs must carry one;
* durations are ISO 8601 in hours, minutes and seconds (``PT17H``, ``PT30M``) because business time
  has no calendar days; a negative duration (``-PT25M``) is time past a due time;
* things are named by their stable codes, never by database ids where a code exists: a plan is
  ``provider/plan`` (``nexstor/silver``), a customer its code, a contact its e-mail address, an
  agent their user name, a team its slug;
* text fields refuse NUL characters (no database stores them) and have a maximum length;
* request bodies are JSON objects read strictly: `"1"` is not a number, `0` is not a date, and
  dates and instants are text in ISO 8601 / RFC 3339 form only. Unknown properties are ignored.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

# -- building blocks ------------------------------------------------------------------------------

_NO_NUL = r"^[^\x00]*$"


_NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"


def _text(max_length: int, required: bool = False) -> Any:
    """Free text: any characters but NUL; `required` text must have one that is not a space."""
    return StringConstraints(
        min_length=1 if required else 0, max_length=max_length, pattern=_NOT_BLANK if required else _NO_NUL
    )


Name = Annotated[str, _text(160, required=True)]
Subject = Annotated[str, _text(255, required=True)]
Body = Annotated[str, _text(100_000)]
Message = Annotated[str, _text(100_000, required=True)]
Reason = Annotated[str, _text(2000)]
RequiredReason = Annotated[str, _text(2000, required=True)]
Phone = Annotated[str, _text(40)]
Reference = Annotated[str, _text(64)]
TimezoneName = Annotated[str, _text(64, required=True), Field(examples=["Europe/London"])]
Domain = Annotated[str, _text(253, required=True), Field(examples=["acme.example"])]


Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$"),
    Field(description="A stable code: letters, digits, hyphens and underscores.", examples=["acme"]),
]
PlanKey = Annotated[
    str,
    StringConstraints(max_length=101, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*$"),
    Field(description="A plan as `provider/plan`.", examples=["nexstor/silver"]),
]
Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=254, pattern=r"^[^\x00\s@]+@[^\x00\s@]+$"),
    Field(description="An e-mail address.", examples=["it@acme.example"]),
]
Username = Annotated[str, StringConstraints(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")]
CaseNumber = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _instant(value: Any) -> Any:
    """RFC 3339 text only: pydantic alone would also take a number as seconds since 1970."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("Give an instant as RFC 3339 text with its UTC offset, e.g. 2026-11-20T17:50:00Z")
    return datetime.fromisoformat(value.upper())


def _day(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("Give a date as YYYY-MM-DD")
    return date.fromisoformat(value)


Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_instant),
    Field(
        ge=datetime(2000, 1, 1, tzinfo=UTC),
        description="An instant with its UTC offset, from 2000 until now.",
        examples=["2026-11-20T17:50:00+00:00"],
    ),
]
Day = Annotated[date, BeforeValidator(_day), Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
IsoDuration = Annotated[
    str,
    Field(
        description="ISO 8601 duration in hours, minutes and seconds; negative once overdue.",
        json_schema_extra={"format": "duration"},
        examples=["PT4H", "PT17H30M", "-PT25M"],
    ),
]

Channel = Literal["email", "phone", "portal", "monitoring", "api"]
TicketType = Literal["incident", "service_request", "information", "enhancement"]
TicketStatus = Literal[
    "new", "acknowledged", "in_progress", "waiting_customer", "waiting_vendor", "resolved", "closed"
]
SlaState = Literal["running", "paused", "met", "breached"]
Metric = Literal["first_response", "resolution", "update", "onsite"]
Queue = Literal["mine", "team", "unassigned", "all"]
UnitName = Literal["port", "seat", "user", "server", "device", "site"]


def iso_duration(value: timedelta) -> str:
    """``PT4H``, ``PT17H30M``, ``PT0S``, ``-PT25M``: hours may exceed 24 (business time has no days)."""
    total = round(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "".join(
        f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if amount
    )
    return f"{sign}PT{text or '0S'}"


class In(BaseModel):
    """A request body: a JSON object, its values taken as they are typed (see the module docstring).

    A plain pydantic model, not ninja's `Schema`, which reads attributes of any value and so would
    accept a JSON array as an object whose fields are all missing."""

    model_config = ConfigDict(strict=True, extra="ignore")


# -- errors ---------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in words for people.")


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(description='Where: e.g. ["body", "payload", "customer"].')
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


# -- catalog --------------------------------------------------------------------------------------


class SeverityOut(Schema):
    level: int = Field(description="1 is the most severe.")
    label: str
    description: str


class CalendarOut(Schema):
    slug: str
    name: str
    timezone: str


class ChannelOut(Schema):
    channel: Channel
    hours: CalendarOut = Field(description="When the channel is open or staffed.")
    note: str


class FeatureOut(Schema):
    code: str
    label: str
    options: dict[str, Any]
    note: str


class TargetOut(Schema):
    severity: int
    severity_label: str
    metric: Metric
    within: IsoDuration = Field(description="The business time allowed, on `calendar`.")
    within_text: str = Field(description='As the catalog states it, e.g. "30m", "4h", "2bd".')
    business_days: int | None
    calendar: CalendarOut
    hours: Literal["any", "in_hours", "out_of_hours"] = Field(
        description="When it applies, judged on the plan's coverage calendar when the clock starts."
    )
    channels: list[Channel] = Field(description="Only for cases opened through these; empty: any.")
    note: str


class PriceOut(Schema):
    code: str
    label: str
    kind: str
    amount: str | None = Field(description="A decimal as text; null: on quote.")
    currency: str
    unit: str
    period: str
    from_year: int
    max_hours: str | None
    excludes_vat: bool
    indicative: bool
    note: str


class PlanSummaryOut(Schema):
    key: PlanKey
    provider: str
    slug: str
    name: str
    rank: int
    adhoc: bool
    description: str


class PlanOut(PlanSummaryOut):
    calendar: CalendarOut = Field(description="The coverage calendar: the plan's business hours.")
    pause_on: list[TicketStatus] = Field(description="Statuses that stop the SLA clocks.")
    reopen_within: IsoDuration
    severities: list[SeverityOut] = Field(description="The provider's severity scale.")
    channels: list[ChannelOut]
    features: list[FeatureOut]
    targets: list[TargetOut]
    prices: list[PriceOut]


# -- customers ------------------------------------------------------------------------------------


class CustomerIn(In):
    provider: Code
    code: Code
    name: Name
    language: Literal["en", "fr", "de", "nb"] | None = Field(None, description="Default: the provider's.")
    timezone: TimezoneName | None = Field(
        None, description="IANA time zone; default: the provider's.", examples=["Europe/London"]
    )
    email_domains: list[Domain] = Field(default_factory=list, max_length=50)


class CustomerOut(Schema):
    provider: str
    code: str
    name: str
    language: str
    timezone: str
    email_domains: list[str]
    is_active: bool
    created_at: datetime


class CustomerPageOut(Schema):
    count: int = Field(description="How many customers match, on all pages.")
    limit: int
    offset: int
    items: list[CustomerOut]


class ContactIn(In):
    name: Name
    email: Email
    phone: Phone = ""
    role: Literal["technical", "manager", "billing", "user"] = "user"
    language: Literal["en", "fr", "de", "nb"] | None = None
    timezone: TimezoneName | None = None
    sees_company_cases: bool = False


class ContactOut(Schema):
    id: int
    provider: str
    customer: str
    name: str
    email: str
    phone: str
    role: str
    language: str | None
    timezone: str | None
    sees_company_cases: bool
    is_active: bool


class ContactPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ContactOut]


class ContractIn(In):
    plan: PlanKey
    starts_on: Day
    ends_on: Day | None = None
    units: dict[
        Annotated[str, StringConstraints(max_length=16)], Annotated[int, Field(ge=1, le=1_000_000)]
    ] = Field(default_factory=dict, max_length=10, examples=[{"port": 24}])
    reference: Reference = Field(
        "", description="Your reference (e.g. an order number); unique per customer."
    )


class ContractOut(Schema):
    id: int
    provider: str
    customer: str
    plan: str
    reference: str
    starts_on: date
    ends_on: date | None
    units: dict[str, int]


class ContractPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ContractOut]


# -- tickets --------------------------------------------------------------------------------------


class ClockOut(Schema):
    metric: Metric
    state: SlaState
    target: IsoDuration = Field(description="The business time allowed.")
    target_text: str = Field(description='The promise as the catalog states it, e.g. "4h" or "2bd".')
    hours: Literal["any", "in_hours", "out_of_hours"] = Field(
        description="Which variant of the target applies."
    )
    calendar: str = Field(description="The calendar the clock counts on.")
    started_at: datetime
    due_at: datetime | None = Field(description="Null while paused.")
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    elapsed: IsoDuration = Field(description="Business time counted so far, pauses excluded.")
    remaining: IsoDuration = Field(description="target − elapsed; negative once breached.")
    paused: bool
    cycle: int = Field(description="For the update cadence: which update is due (1 = the first).")
    misses: int = Field(description="For the update cadence: updates that came late.")


class TicketOut(Schema):
    number: str
    provider: str
    customer: str = Field(description="The customer's code.")
    contact: str | None = Field(description="The contact's e-mail address.")
    plan: str | None = Field(description="`provider/plan` whose promises apply.")
    contract: int | None = Field(description="The id of the contract the case falls under; null: ad hoc.")
    type: TicketType
    channel: Channel
    impact: str | None
    urgency: str | None
    severity: int = Field(description="Level in the provider's scale; 1 is the most severe.")
    severity_label: str
    status: TicketStatus
    subject: str
    opened_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    assignee: str | None = Field(description="The assigned agent's user name.")
    team: str | None = Field(description="The team's slug.")
    adhoc_status: Literal["pending", "accepted", "declined"] | None = Field(
        description="For a case outside any contract: awaiting acceptance, accepted as chargeable, declined."
    )
    sla_state: SlaState | None
    next_due_at: datetime | None
    sla: list[ClockOut]


class TicketPageOut(Schema):
    count: int = Field(description="How many tickets match, on all pages.")
    limit: int
    offset: int
    items: list[TicketOut]


class TicketCreateIn(In):
    customer: Code = Field(description="The customer's code.")
    provider: Code | None = Field(
        None, description="The customer's provider: needed only if two providers have customers of that code."
    )
    contact: Email | None = Field(None, description="The contact's e-mail address (one of the customer's).")
    subject: Subject
    body: Body = ""
    channel: Channel = "api"
    type: TicketType = "incident"
    impact: Code | None = Field(None, description="An impact code of the customer's provider.")
    urgency: Code | None = Field(None, description="An urgency code of the customer's provider.")
    severity: int | None = Field(
        None, ge=1, le=99, description="Overrides the impact × urgency matrix (give `severity_reason`)."
    )
    severity_reason: Reason = ""
    opened_at: Instant | None = Field(
        None, description="When the case was opened, for imports from another desk; default: now."
    )


class TicketUpdateIn(In):
    subject: Subject | None = None
    type: TicketType | None = None


class ReplyIn(In):
    body: Message
    at: Instant | None = Field(None, description="When it was sent, for imports; default: now.")


class NoteIn(ReplyIn):
    pass


class CallIn(In):
    body: Body = ""
    direction: Literal["inbound", "outbound"] = "outbound"
    minutes: int | None = Field(None, ge=0, le=1440)
    at: Instant | None = None


class StatusIn(In):
    status: TicketStatus
    reason: Reason = ""
    at: Instant | None = None


class SeverityIn(In):
    level: int = Field(ge=1, le=99, description="The new level in the provider's scale.")
    reason: RequiredReason
    at: Instant | None = None


class AssignmentIn(In):
    assignee: Username | None = Field(
        None, description="An agent's user name; null takes the case from its agent; absent: unchanged."
    )
    team: Code | None = Field(None, description="A team's slug; null: no team; absent: unchanged.")
    at: Instant | None = None


class NoteOnlyIn(In):
    note: Reason = ""


class DeclineIn(In):
    reason: RequiredReason


class EventOut(Schema):
    kind: str
    at: datetime
    recorded_at: datetime
    actor: str | None = Field(
        description="An agent's user name, or a contact's e-mail address; null: Tierdesk."
    )
    actor_kind: Literal["agent", "contact", "system"]
    public: bool = Field(description="Whether the customer sees it.")
    body: str
    data: dict[str, Any]


class MeOut(Schema):
    username: str
    name: str
    email: str
    superuser: bool
    teams: list[str]
    providers: list[str] | None = Field(description="The providers you serve; null: all.")
