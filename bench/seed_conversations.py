"""Seed a benchmark database: the demo world, then N conversations bulk-loaded.

Bulk inserts are deliberate here: 100k conversations through the actions would take longer
than the benchmark. The rows have the same shape the actions write (numbers from the counter,
priority rank, last activity) so the list queries see realistic data.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from kefu.accounts.actions import token_issue  # noqa: E402
from kefu.contacts.models import Contact  # noqa: E402
from kefu.conversations.models import PRIORITY_RANK, Conversation, Tag  # noqa: E402
from kefu.core.clock import now  # noqa: E402
from kefu.core.db import sequence_next  # noqa: E402
from kefu.exchange.demo import demo_world_build  # noqa: E402


def main(n: int) -> None:
    rng = random.Random(7)
    world = demo_world_build()
    agents = [world.agents[k] for k in ("mei", "sam", "lucia", "dmitri", "priya")] + [None] * 3
    inboxes = list(world.inboxes.values())
    teams = [*world.teams.values(), None]
    statuses = ["open"] * 4 + ["pending", "resolved", "resolved", "resolved", "closed", "closed"]
    priorities = ["low", "normal", "normal", "normal", "normal", "high", "urgent"]
    languages = ["en", "en", "en", "zh-Hans", "zh-Hans", "es", "ja", "ko", "ru", "tr", "pt"]
    tags = [
        Tag.objects.get_or_create(name=t)[0]
        for t in ("withdrawal", "deposit", "kyc", "2fa", "p2p", "futures", "vip")
    ]
    moment = now()
    batch = 5000
    contacts_n = max(1, n // 5)
    for start in range(0, contacts_n, batch):
        Contact.objects.bulk_create(
            [
                Contact(name=f"Bench Trader {i}", email=f"trader{i}@bench.example")
                for i in range(start, min(start + batch, contacts_n))
            ]
        )
    contact_ids = list(
        Contact.objects.filter(email__endswith="@bench.example").values_list("pk", flat=True)
    )
    Through = Conversation.tags.through
    for start in range(0, n, batch):
        with transaction.atomic():
            first = sequence_next(name="conversation_number", start=1001)
            size = min(batch, n - start)
            # Reserve the block of numbers the batch uses (where message_receive takes them:
            # a PostgreSQL sequence, the counter table on SQLite). One writer: no race.
            from django.db import connection

            with connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    cur.execute(
                        "SELECT setval('kefu_seq_conversation_number', %s, true)",
                        [first + size - 1],
                    )
                else:
                    cur.execute(
                        "UPDATE core_counter SET value = value + %s WHERE key = %s",
                        [size - 1, "conversation_number"],
                    )
            rows = []
            for j in range(size):
                status = rng.choice(statuses)
                priority = rng.choice(priorities)
                last = moment - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
                rows.append(
                    Conversation(
                        number=first + j,
                        inbox=rng.choice(inboxes),
                        contact_id=rng.choice(contact_ids),
                        subject=f"Case {first + j}",
                        status=status,
                        priority=priority,
                        priority_rank=PRIORITY_RANK[priority],
                        assignee=rng.choice(agents),
                        team=rng.choice(teams),
                        language=rng.choice(languages),
                        waiting_since=last if status == "open" and rng.random() < 0.6 else None,
                        resolved_at=last if status in ("resolved", "closed") else None,
                        snoozed_until=None,
                        last_activity_at=last,
                        created_at=last - timedelta(hours=1),
                        updated_at=last,
                    )
                )
            created = Conversation.objects.bulk_create(rows)
            links = [
                Through(conversation_id=c.pk, tag_id=rng.choice(tags).pk)
                for c in created
                if rng.random() < 0.5
            ]
            Through.objects.bulk_create(links)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    _, admin = token_issue(agent=world.agents["ava"], name="bench")
    _, agent = token_issue(agent=world.agents["mei"], name="bench")
    print(f"admin_token={admin}")
    print(f"agent_token={agent}")
    print(f"api_inbox={world.inboxes['api'].pk}")


if __name__ == "__main__":
    main(int(sys.argv[1]))
