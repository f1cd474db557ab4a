"""What each role may do. Checked by selectors (visibility) and actions (writes)."""

from __future__ import annotations

from enum import StrEnum

from kefu.accounts.models import Agent, Role


class Perm(StrEnum):
    CONVERSATION_VIEW_ALL = "conversation.view_all"  # every inbox, not only their teams'
    CONVERSATION_REPLY = "conversation.reply"
    CONVERSATION_NOTE = "conversation.note"
    CONVERSATION_ASSIGN_SELF = "conversation.assign_self"
    CONVERSATION_ASSIGN_OTHERS = "conversation.assign_others"
    CONVERSATION_STATUS = "conversation.status"
    CONVERSATION_EDIT = "conversation.edit"  # subject, priority, tags, attributes
    CONTACT_EDIT = "contact.edit"
    CONTACT_MERGE = "contact.merge"
    INBOX_MANAGE = "inbox.manage"
    AGENT_MANAGE = "agent.manage"
    TEAM_MANAGE = "team.manage"
    REPORT_VIEW = "report.view"
    CONTACT_PRIVACY = "contact.privacy"  # export and erase a contact's data (GDPR)
    SAFETY_MANAGE = "safety.manage"  # set customers' anti-phishing codes (the exchange's job)
    WEBHOOK_MANAGE = "webhook.manage"  # outbound webhooks: endpoints, secrets, delivery log
    ANNOUNCEMENT_MANAGE = "announcement.manage"  # publish notices to widget, help center, console


_AGENT = {
    Perm.CONVERSATION_REPLY,
    Perm.CONVERSATION_NOTE,
    Perm.CONVERSATION_ASSIGN_SELF,
    Perm.CONVERSATION_ASSIGN_OTHERS,
    Perm.CONVERSATION_STATUS,
    Perm.CONVERSATION_EDIT,
    Perm.CONTACT_EDIT,
}
ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.SUPERVISOR: frozenset(
        _AGENT | {Perm.CONTACT_MERGE, Perm.REPORT_VIEW, Perm.ANNOUNCEMENT_MANAGE}
    ),
    Role.AGENT: frozenset(_AGENT),
    Role.ANALYST: frozenset({Perm.REPORT_VIEW}),
}


def agent_can(agent: Agent, perm: Perm) -> bool:
    return agent.is_active and perm in ROLE_PERMS.get(agent.role, frozenset())
