"""Who may do what in the knowledge base.

Every active agent may read internal articles (they are the agents' procedures), search them,
see the content-gap report and draft articles; publishing, unpublishing and restoring what
customers read is for admins and supervisors. Analysts read only.
"""

from __future__ import annotations

from kefu.accounts.models import Agent, Role
from kefu.core.actors import Actor, ActorKind
from kefu.core.errors import PermissionDenied

_DRAFT = {Role.ADMIN, Role.SUPERVISOR, Role.AGENT}
_PUBLISH = {Role.ADMIN, Role.SUPERVISOR}


def kb_can_read_internal(agent: Agent | None) -> bool:
    return agent is not None and agent.is_active


def kb_can_draft(agent: Agent) -> bool:
    return agent.is_active and agent.role in _DRAFT


def kb_can_publish(agent: Agent) -> bool:
    return agent.is_active and agent.role in _PUBLISH


def kb_require(actor: Actor, *, publish: bool = False) -> None:
    """Agents need the role; the system, the bot and the CLI (imports) act with full rights."""
    if actor.kind != ActorKind.AGENT:
        return
    assert actor.agent is not None
    ok = kb_can_publish(actor.agent) if publish else kb_can_draft(actor.agent)
    if not ok:
        what = "publish help-center articles" if publish else "edit help-center articles"
        raise PermissionDenied(f"your role ({actor.agent.role}) may not {what}")
