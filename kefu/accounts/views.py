"""Second step of signing in: the TOTP code, or enrolment when 2FA is required and not set up."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.accounts.forms import client_ip
from kefu.accounts.security import (
    SESSION_2FA_KEY,
    login_failure_record,
    login_locked_for,
    two_factor_active,
    two_factor_check,
    two_factor_enrol_start,
    two_factor_enrolment_pending,
    two_factor_required,
)

_ENROL_SESSION_KEY = "kefu_2fa_enrol"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/console/"
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else "/console/"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    agent = request.user
    if request.session.get(SESSION_2FA_KEY) or not two_factor_required(agent):
        return redirect(_next(request))
    enrolling = not two_factor_active(agent)
    context: dict[str, object] = {"next": _next(request), "enrolling": enrolling}
    enrolment = two_factor_enrolment_pending(agent=agent) if enrolling else None
    if enrolling and (
        request.method == "GET" or not request.session.get(_ENROL_SESSION_KEY) or not enrolment
    ):
        enrolment = two_factor_enrol_start(agent=agent)
        # Only a marker: the seed stays encrypted in its row (sessions are stored in clear).
        request.session[_ENROL_SESSION_KEY] = True
    if enrolment is not None:
        context.update(secret=enrolment.secret, uri=enrolment.uri)
    if request.method == "POST":
        ip = client_ip(request)
        if login_locked_for(email=agent.email, ip=ip):
            context["error"] = _("Too many wrong codes. Sign-in is paused; try again later.")
        elif two_factor_check(agent=agent, code=request.POST.get("code", "")):
            request.session.cycle_key()
            request.session[SESSION_2FA_KEY] = True
            request.session.pop(_ENROL_SESSION_KEY, None)
            return redirect(context["next"])
        else:
            login_failure_record(email=agent.email, ip=ip)
            context["error"] = _(
                "That code is not right. Check the clock on your phone and enter the newest code."
            )
    return render(request, "accounts/two_factor.html", context, status=200)
