"""Two-factor gate: a signed-in session that has not passed 2FA reaches only the 2FA pages."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from kefu.accounts.security import SESSION_2FA_KEY, two_factor_required

# Paths a half-signed-in agent may reach: the 2FA pages, signing out, and public pages.
_OPEN = ("/login/", "/logout/", "/static/", "/verify/", "/healthz", "/readyz", "/api/v1/verify")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(SESSION_2FA_KEY)
            and not request.path.startswith(_OPEN)
            and two_factor_required(user)
        ):
            if request.path.startswith("/api/") or request.headers.get("HX-Request"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "two_factor_required",
                            "message": "finish signing in with your 2FA code at /login/2fa/",
                        }
                    },
                    status=401,
                )
            return redirect(f"/login/2fa/?next={quote(request.get_full_path())}")
        return self.get_response(request)


def session_two_factor_ok(session: object, user: object) -> bool:
    """For websockets (no middleware): the session passed 2FA, or the agent needs none."""
    if session is not None and session.get(SESSION_2FA_KEY):  # type: ignore[attr-defined]
        return True
    return not two_factor_required(user)  # type: ignore[arg-type]
