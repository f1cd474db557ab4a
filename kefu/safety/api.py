"""`GET /api/v1/verify?kind=&value=`: the /verify/ check for apps, bots and browser extensions.

Public (no auth): it answers only what the public page answers.
"""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from kefu.safety.selectors import channel_verify

router = Router(tags=["verify"])


class VerifyQuery(Schema):
    kind: str = Field(..., description="website, email, telegram, x, phone or agent")
    value: str = Field(..., max_length=255)


class VerifyOut(Schema):
    kind: str
    value: str = Field(description="what was checked, normalized")
    official: bool
    label: str = Field("", description="what the official channel is, or the agent's name")
    lookalike_of: str | None = Field(None, description="the official domain this imitates")
    reasons: list[str] = Field(default_factory=list)


@router.get("/verify", response=VerifyOut, auth=None, summary="Is this channel official?")
def verify(request, query: Query[VerifyQuery]) -> VerifyOut:  # type: ignore[no-untyped-def]
    r = channel_verify(kind=query.kind, value=query.value)
    return VerifyOut(
        kind=r.kind,
        value=r.value,
        official=r.official,
        label=r.label,
        lookalike_of=r.lookalike_of,
        reasons=r.reasons,
    )
