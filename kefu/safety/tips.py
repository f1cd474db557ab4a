"""When the customer gets a security tip after a case: a conversation about a locked or
compromised account that was just resolved. (The bot sends its own tips at the end of its
account and withdrawal flows: kefu/bot/actions.py.)

It runs as an event subscriber, after the resolution committed, so a tip that fails never
undoes or delays the resolution.
"""

from __future__ import annotations

import logging

from kefu.conversations.models import Conversation, Direction, Message
from kefu.core.events import Event

log = logging.getLogger(__name__)

# Tags that mark an account-security case (kefu.safety adds secret-shared itself).
SECURITY_TAGS = {
    "secret-shared",
    "hacked",
    "compromised",
    "account-takeover",
    "account-locked",
    "phishing",
}
# What the bot's handoff note and memory say about such cases.
SECURITY_HANDOFFS = {"high_risk_hacked", "high_risk_scam", "account_frozen", "secret_shared"}
SECURITY_FLOWS = {"security", "account_locked", "scam"}


def conversation_about_account_security(conversation: Conversation) -> bool:
    """Was this case about a locked, frozen, hacked or scammed account? Any of: the triage
    topic "security", a security tag, the bot's security flows or handoffs, or the customer's
    own words (the bot's intent rules, in every language they cover)."""
    from kefu.bot.intents import HACKED_RE, LOCKED_RE, SCAM_RE
    from kefu.bot.models import BotSession

    if conversation.topic == "security":
        return True
    if SECURITY_TAGS & set(conversation.tags.values_list("name", flat=True)):
        return True
    session = BotSession.objects.filter(conversation_id=conversation.pk).first()
    if session is not None and (
        session.handoff_reason in SECURITY_HANDOFFS
        or SECURITY_FLOWS & {str(t.get("intent")) for t in session.tried}
    ):
        return True
    said = Message.objects.filter(
        conversation_id=conversation.pk, direction=Direction.INCOMING, private=False
    ).values_list("body", flat=True)[:20]
    return any(r.search(body or "") for body in said for r in (HACKED_RE, LOCKED_RE, SCAM_RE))


def security_tip_on_event(event: Event) -> None:
    """Subscriber: a conversation about account security became resolved -> the account tip."""
    from kefu.conversations.actions import security_tip_send

    if event.type != "conversation.status_changed":
        return
    state = event.payload.get("conversation") or {}
    if state.get("status") != "resolved" or event.payload.get("previous_status") == "resolved":
        return
    conversation = (
        Conversation.objects.select_related("inbox", "contact").filter(pk=state.get("id")).first()
    )
    if conversation is None:
        return
    try:
        if conversation_about_account_security(conversation):
            security_tip_send(conversation=conversation, kind="account")
    except Exception:
        # The case is resolved whatever happens here.
        log.exception("security tip after resolving %s failed", conversation.pk)
