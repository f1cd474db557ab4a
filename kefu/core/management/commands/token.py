from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kefu.accounts.actions import token_issue, token_revoke
from kefu.accounts.models import Agent, ApiToken


class Command(BaseCommand):
    help = (
        "Issue, list or revoke API tokens: `kefu token issue EMAIL`, `list EMAIL`, `revoke PREFIX`."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        issue = sub.add_parser("issue")
        issue.add_argument("email")
        issue.add_argument("--name", default="cli")
        lst = sub.add_parser("list")
        lst.add_argument("email")
        revoke = sub.add_parser("revoke")
        revoke.add_argument(
            "prefix", help="the token's prefix as `list` shows it, or the whole token"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        op = opts["op"]
        if op in ("issue", "list"):
            agent = Agent.objects.filter(email__iexact=opts["email"]).first()
            if agent is None:
                raise CommandError(f"no agent with email {opts['email']}")
            if op == "issue":
                _, clear = token_issue(agent=agent, name=opts["name"])
                self.stdout.write(clear)
                return
            for t in ApiToken.objects.filter(agent=agent).order_by("created_at"):
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(
                    f"{t.prefix}  {t.name:20}  {state:8} created {t.created_at:%Y-%m-%d} last used {t.last_used_at or '-'}"
                )
            return
        prefix = opts["prefix"]
        tokens = list(ApiToken.objects.filter(prefix=prefix[:11], revoked_at__isnull=True))
        if not tokens:
            raise CommandError(f"no active token with prefix {prefix}")
        if len(tokens) > 1:
            raise CommandError(
                f"{len(tokens)} tokens share prefix {prefix}; revoke it in the admin"
            )
        token_revoke(token=tokens[0])
        self.stdout.write(f"revoked {tokens[0].prefix}")
