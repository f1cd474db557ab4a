"""Draft replies for agents: the language model writes the next reply from the help center.

The draft goes into the agent's reply box, never to the customer: the agent edits it and sends
it like any reply, through the outbound guard. What the model reads is the conversation's
recent public messages (customer, agents, bot; never private notes, never the account facts),
scrubbed of what identifies the customer (kefu/intelligence/grounding.py), and the public
help-center articles retrieved for the customer's latest words.

Split in two around the model call so the web view can await the call without holding a
database connection or the web process's sync thread: `reply_draft_plan` (reads, permission
checked) and `reply_draft_finish` (checks the answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kefu.core.errors import Conflict, KefuError, PermissionDenied
from kefu.intelligence import grounding
from kefu.intelligence.llm import Completion, llm_enabled

RECENT_MESSAGES = 12
SOURCES_LABEL = {
    "en": "Sources:",
    "zh-Hans": "来源：",
    "zh-Hant": "來源：",
    "es": "Fuentes:",
    "ja": "出典：",
    "ko": "출처:",
    "ru": "Источники:",
    "tr": "Kaynaklar:",
    "fr": "Sources :",
    "de": "Quellen:",
    "pt": "Fontes:",
    "it": "Fonti:",
}


class LlmUnavailable(KefuError):
    code = "llm_unavailable"
    status = 503


@dataclass
class DraftPlan:
    conversation_id: Any
    language: str
    sources: list[grounding.Source]
    prompt: list[dict[str, str]]


@dataclass
class ReplyDraft:
    outcome: str  # "drafted" | "no_answer" (the help center has nothing that answers it)
    body: str = ""
    cited: list[grounding.Source] = field(default_factory=list)
    model: str = ""
    latency_ms: int = 0
    # What the outbound guard would say if the draft were sent as it is.
    violations: list[dict[str, str]] = field(default_factory=list)


def reply_draft_plan(*, agent: Any, conversation_id: Any) -> DraftPlan:
    """What to ask the model for this conversation. Raises NotFound for a conversation the
    agent cannot see, PermissionDenied without the right to reply, Conflict without a model
    or without anything from the customer to answer."""
    from kefu.accounts.permissions import Perm, agent_can
    from kefu.conversations.models import Direction
    from kefu.conversations.selectors import access_conversation, messages_of

    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    if not agent_can(agent, Perm.CONVERSATION_REPLY):
        raise PermissionDenied("you may not reply in this conversation")
    if not llm_enabled():
        raise Conflict("no language model is configured", code="llm_off")
    recent = (
        messages_of(conversation, include_private=False)
        .filter(direction__in=[Direction.INCOMING, Direction.OUTGOING])
        .exclude(body="")
        .order_by("-created_at", "-id")[:RECENT_MESSAGES]
    )
    public = [m for m in reversed(recent) if m.body.strip()]
    if not any(m.direction == Direction.INCOMING for m in public):
        raise Conflict("the customer has not written anything to answer", code="nothing_to_draft")
    contact = conversation.contact
    names, identifiers = grounding.contact_identifiers(contact)
    transcript = [
        (_speaker(m), grounding.prompt_text(m.body, names=names, identifiers=identifiers))
        for m in public
    ]
    language = conversation.language or contact.preferred_language or "en"
    # Search with what the customer wrote since we last answered: that is the open question.
    latest: list[str] = []
    for m in reversed(public):
        if m.direction != Direction.INCOMING:
            if latest:
                break
            continue
        latest.insert(0, m.body)
    sources = grounding.sources_find(query=" ".join(latest)[-500:], language=language)
    prompt = (
        grounding.draft_prompt(transcript=transcript, language=language, sources=sources)
        if sources
        else []
    )
    return DraftPlan(
        conversation_id=conversation.pk, language=language, sources=sources, prompt=prompt
    )


def _speaker(message: Any) -> str:
    from kefu.conversations.models import Direction

    if message.direction == Direction.INCOMING:
        return "Customer"
    return "Agent" if message.author_agent_id else "Bot"


def reply_draft_finish(*, agent: Any, plan: DraftPlan, completion: Completion) -> ReplyDraft:
    """The model's answer as a draft: cited, its sources listed as links, and what the guard
    would say about it. An answer not grounded in the sources is refused (LlmUnavailable)."""
    from kefu.core.actors import Actor
    from kefu.safety.actions import GuardBlocked, outbound_guard

    try:
        answer = grounding.grounded_parse(completion.text, plan.sources)
    except grounding.Ungrounded as exc:
        raise LlmUnavailable(
            "The model's draft did not keep to the help center, so it was dropped; "
            "write this reply yourself or insert an article.",
            code="llm_ungrounded",
        ) from exc
    if answer is None:
        return ReplyDraft(outcome="no_answer", model=completion.model)
    label = SOURCES_LABEL.get(plan.language, SOURCES_LABEL.get(plan.language.split("-")[0], ""))
    body = grounding.grounded_render(answer, sources_label=label or SOURCES_LABEL["en"])
    violations: list[dict[str, str]] = []
    try:
        outbound_guard(body=body, actor=Actor.of_agent(agent))
    except GuardBlocked as blocked:
        violations = [{"rule": str(v.rule), "message": v.message} for v in blocked.violations]
    return ReplyDraft(
        outcome="drafted",
        body=body,
        cited=answer.cited,
        model=completion.model,
        latency_ms=round(completion.latency_ms),
        violations=violations,
    )
