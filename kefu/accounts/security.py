"""Staff sign-in security: TOTP two-factor authentication and login throttling / lockout.

Writes here follow the actions rules (named `<noun>_<verb>`, keyword-only); they live in their
own module so the security surface is read in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from kefu.accounts.models import Agent, LoginThrottle, TwoFactor
from kefu.accounts.totp import otpauth_uri, totp_match, totp_secret_new
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import Conflict, ValidationFailed

SESSION_2FA_KEY = "kefu_2fa_verified"


def _audit(agent: Agent | None, action: str, object_id: str, data: dict[str, Any]) -> None:
    from kefu.safety.actions import audit_record

    actor = Actor.of_agent(agent) if agent is not None else Actor.system("auth")
    audit_record(actor=actor, action=action, object_type="agent", object_id=object_id, data=data)


# --- two-factor ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str  # shown once, for typing into the app
    uri: str  # otpauth:// for apps that take a link


def two_factor_active(agent: Agent) -> bool:
    return TwoFactor.objects.filter(agent=agent, confirmed_at__isnull=False).exists()


def two_factor_required(agent: Agent) -> bool:
    return settings.REQUIRE_2FA or two_factor_active(agent)


@transaction.atomic
def two_factor_enrol_start(*, agent: Agent) -> Enrolment:
    """A new (unconfirmed) seed. Replaces an earlier unconfirmed one; never a confirmed one."""
    from kefu.safety.crypto import secret_encrypt

    existing = TwoFactor.objects.select_for_update().filter(agent=agent).first()
    if existing is not None and existing.confirmed_at is not None:
        raise Conflict("two-factor authentication is already on; turn it off first")
    secret = totp_secret_new()
    if existing is None:
        TwoFactor.objects.create(agent=agent, secret=secret_encrypt(secret))
    else:
        existing.secret, existing.last_step = secret_encrypt(secret), None
        existing.save(update_fields=existing.touch_fields("secret", "last_step"))
    issuer = settings.SAFETY_BRAND or "kefu"
    return Enrolment(secret=secret, uri=otpauth_uri(secret, account=agent.email, issuer=issuer))


def two_factor_enrolment_pending(*, agent: Agent) -> Enrolment | None:
    """The seed of an enrolment started and not confirmed yet, for showing it again.

    Read back from its encrypted row rather than kept in the session: sessions are stored in
    the database in clear, and this seed becomes the agent's second factor."""
    from kefu.safety.crypto import secret_decrypt

    row = TwoFactor.objects.filter(agent=agent, confirmed_at__isnull=True).first()
    if row is None:
        return None
    secret = secret_decrypt(row.secret)
    issuer = settings.SAFETY_BRAND or "kefu"
    return Enrolment(secret=secret, uri=otpauth_uri(secret, account=agent.email, issuer=issuer))


@transaction.atomic
def two_factor_check(*, agent: Agent, code: str) -> bool:
    """Whether `code` is the agent's current code; confirms a pending enrolment on success."""
    from kefu.safety.crypto import secret_decrypt

    row = TwoFactor.objects.select_for_update().filter(agent=agent).first()
    if row is None:
        return False
    step = totp_match(
        secret_decrypt(row.secret), code, at=now().timestamp(), after_step=row.last_step
    )
    if step is None:
        _audit(agent, "2fa.failed", str(agent.pk), {})
        return False
    fields = ["last_step"]
    row.last_step = step
    if row.confirmed_at is None:
        row.confirmed_at = now()
        fields.append("confirmed_at")
        _audit(agent, "2fa.enabled", str(agent.pk), {})
    row.save(update_fields=row.touch_fields(*fields))
    return True


@transaction.atomic
def two_factor_disable(*, agent: Agent, actor: Actor) -> None:
    """An admin resets a lost device; the agent enrols again at next sign-in if required."""
    deleted, _ = TwoFactor.objects.filter(agent=agent).delete()
    if deleted:
        from kefu.safety.actions import audit_record

        audit_record(
            actor=actor,
            action="2fa.disabled",
            object_type="agent",
            object_id=str(agent.pk),
            data={},
        )


# --- login throttling ------------------------------------------------------------------------


def _keys(email: str, ip: str) -> list[tuple[str, int]]:
    per_account = settings.LOGIN_MAX_FAILURES
    # Many people can share an address (an office NAT): it gets a higher bar.
    per_ip = per_account * 10
    keys = [(f"email:{email.strip().lower()[:254]}", per_account)]
    if ip:
        keys.append((f"ip:{ip}", per_ip))
    return keys


def login_locked_for(*, email: str, ip: str) -> int:
    """Seconds until sign-in may be tried again for this account or address (0: now)."""
    moment = now()
    keys = [k for k, _ in _keys(email, ip)]
    until = (
        LoginThrottle.objects.filter(key__in=keys, locked_until__gt=moment)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return int((until - moment).total_seconds()) + 1 if until else 0


@transaction.atomic
def login_failure_record(*, email: str, ip: str) -> None:
    moment = now()
    window = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    for key, limit in _keys(email, ip):
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"window_started_at": moment}
        )
        if moment - row.window_started_at > window:
            row.failures, row.window_started_at = 0, moment
        row.failures += 1
        fields = ["failures", "window_started_at"]
        if row.failures >= limit:
            row.locked_until = moment + window
            fields.append("locked_until")
            _audit(None, "login.locked", key[:64], {"failures": row.failures})
        row.save(update_fields=row.touch_fields(*fields))


def login_success_record(*, email: str) -> None:
    LoginThrottle.objects.filter(key=f"email:{email.strip().lower()[:254]}").delete()


def two_factor_code_required(code: str) -> str:
    code = "".join((code or "").split())
    if not code.isdigit() or len(code) != 6:
        raise ValidationFailed("enter the 6-digit code from your authenticator app", field="code")
    return code
