"""The sign-in form with throttling: too many failures lock the account (and the address)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from kefu.accounts.security import login_failure_record, login_locked_for, login_success_record


def client_ip(request: Any) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a trusted proxy
    # rewrote it, and a spoofable key would let an attacker lock others out or dodge the limit.
    return (request.META.get("REMOTE_ADDR") or "")[:64] if request is not None else ""


class ThrottledLoginMixin:
    locked = False

    def clean(self) -> dict[str, Any]:
        email = self.data.get("username", "") or ""
        ip = client_ip(self.request)
        wait = login_locked_for(email=email, ip=ip)
        if wait:
            self.locked = True
            minutes = max(1, round(wait / 60))
            raise forms.ValidationError(
                _(
                    "Too many failed sign-ins. For your security, sign-in is paused for about "
                    "%(minutes)d minutes."
                )
                % {"minutes": minutes},
                code="locked",
            )
        try:
            data = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            login_failure_record(email=email, ip=ip)
            raise
        login_success_record(email=email)
        return data


class SecureAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class SecureAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
