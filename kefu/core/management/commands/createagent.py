from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kefu.accounts.actions import agent_create, token_issue
from kefu.accounts.models import Role
from kefu.core.errors import KefuError


class Command(BaseCommand):
    help = "Create an agent. With --token, print an API token for them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", required=True, help="display name")
        parser.add_argument("--role", choices=Role.values, default=Role.AGENT)
        parser.add_argument("--languages", default="en", help="comma-separated, e.g. en,zh-Hans")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument(
            "--password", help="omit to be asked; --no-password for token-only agents"
        )
        parser.add_argument("--no-password", action="store_true")
        parser.add_argument("--token", action="store_true", help="issue and print an API token")

    def handle(self, *args: Any, **opts: Any) -> None:
        password = opts["password"]
        if not password and not opts["no_password"]:
            password = getpass.getpass("Password: ")
        try:
            agent = agent_create(
                email=opts["email"],
                display_name=opts["name"],
                role=opts["role"],
                password=password or None,
                languages=[x.strip() for x in opts["languages"].split(",") if x.strip()],
                timezone=opts["timezone"],
            )
        except KefuError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"created {agent.role} {agent.email} (support id {agent.support_id})")
        if opts["token"]:
            _, clear = token_issue(agent=agent, name="createagent")
            self.stdout.write(clear)
