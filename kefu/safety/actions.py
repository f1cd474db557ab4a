"""Writes of the safety layer: the outbound guard's verdict (and its audited override), the
official-channel registry and customers' anti-phishing codes."""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from kefu.contacts.models import Contact
from kefu.core.actors import Actor, ActorKind
from kefu.core.clock import now
from kefu.core.errors import KefuError, PermissionDenied, ValidationFailed
from kefu.core.models import AuditRecord
from kefu.safety.crypto import RotationCount
from kefu.safety.guard import GuardResult, outbound_check
from kefu.safety.models import AntiPhishingCode, CodeSource, OfficialChannel
from kefu.safety.selectors import guard_rules, official_domains
from kefu.safety.verify import channel_normalize

MAX_OVERRIDE_REASON_CHARS = 500


class GuardBlocked(KefuError):
    """An outbound message the guard stopped. `violations` says what and why, for the agent."""

    code = "guard_blocked"
    status = 422

    def __init__(self, result: GuardResult, *, overridable: bool) -> None:
        summary = " ".join(dict.fromkeys(v.message for v in result.violations))
        super().__init__(
            "Not sent: this reply looks like what scammers send. " + summary, field="body"
        )
        self.violations = result.violations
        self.overridable = overridable

    @property
    def details(self) -> dict[str, Any]:
        return {
            "violations": [asdict(v) for v in self.violations],
            "overridable": self.overridable,
        }


def audit_record(
    *, actor: Actor, action: str, object_type: str, object_id: str, data: dict[str, Any]
) -> AuditRecord:
    """One line of the staff audit log."""
    return AuditRecord.objects.create(
        actor_type=str(actor.kind),
        actor_id=actor.id[:64],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        data=data,
    )


def outbound_guard(*, body: str, actor: Actor, override_reason: str = "") -> GuardResult | None:
    """Check text about to reach a customer. Raises GuardBlocked unless it is clean or the
    sender overrides with a reason; returns the result to audit when overridden, else None.

    System notices (the safety layer's own warnings) are written by kefu and not checked.
    """
    if actor.kind == ActorKind.SYSTEM or not body:
        return None
    allowed_sites = [*official_domains(), *settings.SAFETY_TRUSTED_LINK_DOMAINS]
    result = outbound_check(body, official_domains=allowed_sites, rules=guard_rules())
    if not result.blocked:
        return None
    allowed = settings.SAFETY_GUARD_ALLOW_OVERRIDE and actor.kind == ActorKind.AGENT
    reason = (override_reason or "").strip()
    if not reason:
        raise GuardBlocked(result, overridable=allowed)
    if not allowed:
        raise PermissionDenied(
            "the safety guard cannot be overridden here; rewrite the reply", code="guard_blocked"
        )
    if len(reason) > MAX_OVERRIDE_REASON_CHARS:
        raise ValidationFailed(
            f"the override reason is at most {MAX_OVERRIDE_REASON_CHARS} characters",
            field="override_reason",
        )
    return result


def guard_override_audit(
    *, message_id: Any, conversation_id: Any, actor: Actor, result: GuardResult, reason: str
) -> AuditRecord:
    return audit_record(
        actor=actor,
        action="guard.override",
        object_type="message",
        object_id=str(message_id),
        data={
            "conversation_id": str(conversation_id),
            "reason": reason.strip(),
            "rules": sorted({v.rule for v in result.violations}),
        },
    )


def guard_override_metadata(result: GuardResult, reason: str) -> dict[str, Any]:
    return {
        "guard_override": {
            "rules": sorted({v.rule for v in result.violations}),
            "reason": reason.strip(),
        }
    }


# --- official channels -----------------------------------------------------------------------


@transaction.atomic
def official_channel_add(*, kind: str, value: str, label: str = "") -> OfficialChannel:
    if kind == "agent":
        raise ValidationFailed(
            "agents are official through their support ID; add the agent instead", field="kind"
        )
    normalized = channel_normalize(kind, value)
    row, created = OfficialChannel.objects.get_or_create(
        kind=kind, value=normalized, defaults={"label": label[:120]}
    )
    if not created and (row.label != label[:120] or not row.active):
        row.label, row.active = label[:120], True
        row.save(update_fields=row.touch_fields("label", "active"))
    return row


DEMO_CHANNELS = [
    ("website", "lumen.exchange", "Lumen Exchange (web and app)"),
    ("website", "lumenex.com", "Short links and status page"),
    ("email", "support@lumen.exchange", "Customer support"),
    ("email", "security@lumen.exchange", "Security team"),
    ("email", "*@lumen.exchange", "Any address at lumen.exchange"),
    ("telegram", "@LumenExchange", "Announcements channel"),
    ("telegram", "@LumenSupportBot", "Support bot"),
    ("x", "@LumenExchange", "News"),
    ("x", "@LumenSupport", "Support"),
    ("phone", "+44 20 7946 0321", "Phone support (EU)"),
    ("phone", "+65 6800 1234", "Phone support (Asia)"),
]


def official_channels_seed_demo() -> list[OfficialChannel]:
    """The registry of the demo exchange, "Lumen Exchange" (called by `kefu demo`)."""
    return [official_channel_add(kind=k, value=v, label=label) for k, v, label in DEMO_CHANNELS]


# --- anti-phishing codes ---------------------------------------------------------------------

_CODE_RE = re.compile(r"^[A-Za-z0-9]{4,20}$")


@transaction.atomic
def anti_phishing_code_set(
    *, contact: Contact, code: str, source: str, actor: Actor
) -> AntiPhishingCode:
    """Set (or replace) the contact's code. Only letters and digits: it is shown verbatim in
    emails and chat, where markup or look-alike characters would defeat its purpose."""
    if source not in CodeSource.values:
        raise ValidationFailed(f"source must be one of {', '.join(CodeSource.values)}")
    code = (code or "").strip()
    if not _CODE_RE.match(code):
        raise ValidationFailed("the code is 4 to 20 letters or digits", field="code")
    row, created = AntiPhishingCode.objects.select_for_update().get_or_create(
        contact=contact, defaults={"code": code, "source": source}
    )
    if not created:
        row.code, row.source = code, source
        row.save(update_fields=row.touch_fields("code", "source"))
    # The code itself is not logged: it is what a scammer would need to look genuine.
    audit_record(
        actor=actor,
        action="anti_phishing_code.set",
        object_type="contact",
        object_id=str(contact.pk),
        data={"source": source},
    )
    return row


def anti_phishing_code_generate() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def outgoing_metadata(contact: Contact | None) -> dict[str, Any]:
    """What a message kefu sends to `contact` carries for safety: their anti-phishing code,
    kept on the message as it was when sent (the widget and email show it)."""
    from kefu.safety.selectors import anti_phishing_code_of

    code = anti_phishing_code_of(contact)
    return {"anti_phishing_code": code} if code else {}


# --- staff audit -----------------------------------------------------------------------------

# Looking at the same contact again within this window is one viewing, not a new record: the
# console re-renders the sidebar on every live update.
CONTACT_VIEW_DEDUP = timedelta(minutes=10)


def contact_view_audit(*, agent: Any, contact: Contact, via: str) -> AuditRecord | None:
    """An agent saw a contact's personal data (name, email, phone, exchange profile)."""
    since = now() - CONTACT_VIEW_DEDUP
    if AuditRecord.objects.filter(
        action="contact.viewed",
        object_id=str(contact.pk),
        actor_id=str(agent.pk),
        created_at__gte=since,
    ).exists():
        return None
    return audit_record(
        actor=Actor.of_agent(agent),
        action="contact.viewed",
        object_type="contact",
        object_id=str(contact.pk),
        data={"via": via},
    )


def secrets_rotate(*, actor: Actor) -> dict[str, RotationCount]:
    """Re-encrypt every secret at rest under the newest KEFU_ENCRYPTION_KEY (run after putting
    a new key first; drop the old key once this reports nothing unreadable). Safe to re-run."""
    from kefu.safety.crypto import SECRET_STORES

    counts = {name: rotate() for name, rotate in sorted(SECRET_STORES.items())}
    audit_record(
        actor=actor,
        action="secrets.rotated",
        object_type="encryption_key",
        object_id="",
        data={name: asdict(c) for name, c in counts.items()},
    )
    return counts
