from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from kefu.accounts.models import Agent
from kefu.exchange.demo import DEMO_PASSWORD, demo_world_build


class Command(BaseCommand):
    help = "Seed the demo exchange (Lumen Exchange). --reset wipes the database first."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="seed only when there are no agents yet"
        )
        parser.add_argument("--reset", action="store_true", help="delete ALL data, then seed")
        parser.add_argument(
            "--no-help-center", action="store_true", help="skip the help center (and the topic model built from it)"
        )
        parser.add_argument("--no-triage", action="store_true", help="skip training the first topic model")
        parser.add_argument(
            "--no-announcements", action="store_true", help="skip the example phishing-wave announcement"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["reset"]:
            call_command("flush", interactive=False, verbosity=0)
        elif Agent.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("demo: data exists, leaving it as it is")
                return
            self.stderr.write("the database has data; use --reset to wipe it and seed the demo")
            return
        world = demo_world_build()
        # The help center is seeded here, not in demo_world_build: embedding ~100 translations
        # takes seconds, which every test that builds the demo world would pay.
        from kefu.knowledge.actions import knowledge_demo_load

        if not opts["no_help_center"]:
            kb = knowledge_demo_load(author=world.agents["ava"])
            self.stdout.write(f"Help center: {kb.summary()}.")
        # A first topic classifier, cold-started from the help center's questions, so the demo's
        # new conversations get topics before anyone has labelled any.
        from kefu.intelligence.actions import triage_model_train
        from kefu.intelligence.models import TriageSource
        from kefu.intelligence.triage import examples_from_help_center

        if not (opts["no_help_center"] or opts["no_triage"]):
            model = triage_model_train(examples=examples_from_help_center(), source=TriageSource.HELP_CENTER)
            self.stdout.write(f"Topic triage: model v{model.version} from {len(model.labels)} help-center topics.")
        if not opts["no_help_center"]:  # the bot answers from the help center
            from kefu.bot.actions import bot_configure

            bot_configure(inbox=world.inboxes["chat"], enabled=True)
            self.stdout.write("Support bot: on in the Website chat inbox (KEFU_BOT=0 silences it).")
        if not opts["no_announcements"]:
            # Here, not in demo_world_build: tests built on the demo world see no banner.
            from kefu.status.actions import announcements_seed_demo

            announcements_seed_demo()
            self.stdout.write("Announcements: a phishing-wave alert on the widget, help center and console.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Lumen Exchange demo: {len(world.agents)} agents, {len(world.inboxes)} inboxes, "
                f"{len(world.contacts)} contacts, {len(world.conversations)} conversations."
            )
        )
        self.stdout.write(
            f"Sign in to /admin/ as ava@lumen.exchange (admin) with password {DEMO_PASSWORD!r};"
        )
        self.stdout.write(
            "every demo agent (mei@, sam@, lucia@, dmitri@, priya@, noor@lumen.exchange) has the same password."
        )
