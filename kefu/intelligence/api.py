"""Agent-assist API: `POST /conversations/{id}/reply-draft`, a reply drafted by the optional
language model from the help center (the console's "Draft reply" button).

Async: the model can take seconds, and a sync view would hold the web process's one shared
sync thread for all of them. The reads before and the checks after run in that thread
(sync_to_async); only the HTTP call to the model is awaited on the event loop.
"""

from __future__ import annotations

import logging
import uuid
from typing import Literal

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from ninja import Router, Schema

from kefu.api import agent_of
from kefu.intelligence.assist import (
    LlmUnavailable,
    ReplyDraft,
    reply_draft_finish,
    reply_draft_plan,
)
from kefu.intelligence.llm import LlmError, chat_complete_async

log = logging.getLogger(__name__)
router = Router(tags=["assist"])


class DraftSource(Schema):
    number: int
    slug: str
    title: str
    url: str


class GuardNote(Schema):
    rule: str
    message: str


class ReplyDraftOut(Schema):
    outcome: Literal["drafted", "no_answer"]
    body: str  # empty unless drafted
    sources: list[DraftSource]  # the articles the draft cites
    model: str
    latency_ms: int
    # Non-empty: sending the draft as it is would be blocked by the outbound guard.
    violations: list[GuardNote]


@router.post(
    "/{conversation_id}/reply-draft",
    response=ReplyDraftOut,
    summary="Draft a reply from the help center with the language model",
)
async def reply_draft(request: HttpRequest, conversation_id: uuid.UUID) -> ReplyDraftOut:
    """A draft for the agent to edit; nothing is sent or stored. 409 `llm_off` without a
    configured model, 503 `llm_unavailable` / `llm_ungrounded` when the model gave nothing
    usable."""
    agent = agent_of(request)
    plan = await sync_to_async(reply_draft_plan)(agent=agent, conversation_id=conversation_id)
    if not plan.sources:
        return _out(ReplyDraft(outcome="no_answer"))
    try:
        completion = await chat_complete_async(plan.prompt)
    except LlmError as exc:
        raise LlmUnavailable(
            "The language model did not answer; write this reply yourself or insert an "
            f"article from the help center ({exc.reason})."
        ) from exc
    draft = await sync_to_async(reply_draft_finish)(agent=agent, plan=plan, completion=completion)
    log.info(
        "reply draft for conversation %s by agent %s: %s in %d ms",
        plan.conversation_id,
        agent.pk,
        draft.outcome,
        draft.latency_ms,
    )
    return _out(draft)


def _out(draft: ReplyDraft) -> ReplyDraftOut:
    return ReplyDraftOut(
        outcome=draft.outcome,  # type: ignore[arg-type]
        body=draft.body,
        sources=[
            DraftSource(number=s.number, slug=s.slug, title=s.title, url=s.url) for s in draft.cited
        ],
        model=draft.model,
        latency_ms=draft.latency_ms,
        violations=[GuardNote(**v) for v in draft.violations],
    )
