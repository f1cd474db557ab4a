from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from kefu.accounts.models import Agent, ApiToken, Presence, Role, Team
from kefu.core.clock import now
from kefu.core.db import counter_next
from kefu.core.errors import Conflict, NotFound, ValidationFailed

TOKEN_PREFIX = "kefu_"  # noqa: S105 - a public marker, not a secret


def _support_id() -> str:
    # Public and stable: customers check it on /verify/. Sequential is fine, it is not a secret.
    return f"LS-{counter_next(key='agent_support_id', start=1001)}"


@transaction.atomic
def agent_create(
    *,
    email: str,
    display_name: str,
    password: str | None = None,
    role: str = Role.AGENT,
    languages: list[str] | None = None,
    timezone: str = "UTC",
) -> Agent:
    email = email.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(f"{email!r} is not a valid email address", field="email") from None
    if role not in Role.values:
        raise ValidationFailed(f"role must be one of {', '.join(Role.values)}", field="role")
    if not display_name.strip():
        raise ValidationFailed("display name is required", field="display_name")
    if Agent.objects.filter(email__iexact=email).exists():
        raise Conflict(f"an agent with email {email} exists", field="email")
    agent = Agent(
        email=email,
        display_name=display_name.strip(),
        role=role,
        languages=languages or ["en"],
        timezone=timezone,
        support_id=_support_id(),
        is_superuser=role == Role.ADMIN,
    )
    if password:
        agent.set_password(password)
    else:
        agent.set_unusable_password()
    agent.save()
    return agent


@transaction.atomic
def agent_set_role(*, agent: Agent, role: str) -> Agent:
    if role not in Role.values:
        raise ValidationFailed(f"role must be one of {', '.join(Role.values)}", field="role")
    agent.role = role
    agent.is_superuser = role == Role.ADMIN
    agent.save(update_fields=agent.touch_fields("role", "is_superuser"))
    return agent


def agent_set_presence(*, agent: Agent, presence: str) -> Agent:
    if presence not in Presence.values:
        raise ValidationFailed(
            f"presence must be one of {', '.join(Presence.values)}", field="presence"
        )
    Agent.objects.filter(pk=agent.pk).update(presence=presence, presence_changed_at=now())
    agent.presence = presence
    return agent


@transaction.atomic
def team_create(*, name: str, description: str = "", slug: str | None = None) -> Team:
    name = name.strip()
    if not name:
        raise ValidationFailed("team name is required", field="name")
    slug = slug or slugify(name)
    if Team.objects.filter(slug=slug).exists() or Team.objects.filter(name=name).exists():
        raise Conflict(f"a team named {name!r} exists", field="name")
    return Team.objects.create(name=name, slug=slug, description=description)


def team_add_member(*, team: Team, agent: Agent) -> None:
    team.members.add(agent)


def team_remove_member(*, team: Team, agent: Agent) -> None:
    team.members.remove(agent)


def token_digest(token: str) -> str:
    # Tokens carry 256 bits of randomness: a fast hash is enough and keeps lookups indexed.
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(
    *, agent: Agent, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear value, which is never stored."""
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agent=agent,
        name=name or "api",
        prefix=clear[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(clear),
        expires_at=expires_at,
    )
    return token, clear


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = now()
        token.save(update_fields=token.touch_fields("revoked_at"))
    return token


def token_authenticate(clear: str) -> Agent | None:
    """The agent behind a token, or None when unknown, revoked, expired or inactive."""
    if not clear.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("agent").filter(digest=token_digest(clear)).first()
    if token is None or token.revoked_at is not None or not token.agent.is_active:
        return None
    moment = now()
    if token.expires_at is not None and token.expires_at <= moment:
        return None
    # Throttled bookkeeping: one write per token per minute, not one per request.
    if token.last_used_at is None or (moment - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.agent


def token_get(*, agent: Agent, token_id: str) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, agent=agent).first()
    if token is None:
        raise NotFound("no such token")
    return token
