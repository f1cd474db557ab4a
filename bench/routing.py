"""Routing and SLA benchmark on PostgreSQL.

1. Assignment: N agents (online, skills, languages, capacity) and M waiting conversations in
   language queues; each decision is one `conversation_route` call (lock the conversation with
   SKIP LOCKED, read the best candidates by their load counters, lock the first one's profile,
   recount its load, assign, emit the events).
   Reports decisions per second and latency percentiles.
2. SLA sweep: K open conversations with running clocks (due times spread over the next days,
   a few hundred due during the run). The sweep runs every 2 s, as the scheduler does; reports
   the time per sweep, how late each breach was detected after its due time, and the query
   plan of the sweep's selection (it must be an index scan on sla_clock_due_idx).

    .venv/bin/python bench/routing.py            # small: 100 agents, 2,000 waiting, 50,000 open
    .venv/bin/python bench/routing.py --full     # 500 agents, 10,000 waiting, 1,000,000 open

`--profile` prints where the assignment's time goes (cProfile, top 40 by cumulative time).
`--seed-cache` keeps the seeded world as a template database and clones it on later runs
with the same sizes (seconds instead of minutes; migrations still run on the clone, but a
change to the seeding code needs `--reseed`).

Targets: an assignment decision <= 10 ms p95; a breach detected within 5 s of its due time.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile, table, write_json

PG_ADMIN_URL = os.environ.get("KEFU_BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = "kefu_bench_routing"
LANGS = ["en", "zh-Hans", "es", "ja", "ko", "ru", "tr", "pt", "fr", "de"]
TOPICS = ["deposits", "withdrawals", "account", "trading", "fees-vip", "security"]


def pg_fresh_database(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


SEED_DB = f"{DB_NAME}_seed"


def pg_database_from_seed(name: str, tag: str, *, reseed: bool) -> tuple[str, bool]:
    """A fresh `name`, cloned from the seed template when it was seeded with `tag`."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [SEED_DB],
        ).fetchone()
        if reseed or row is None or row[0] != tag:
            return pg_fresh_database(name), False
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{SEED_DB}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", True


def pg_seed_keep(name: str, tag: str) -> None:
    """Copy the freshly seeded `name` into the seed template (no connection may be open on it)."""
    import psycopg
    from django.db import connections

    connections.close_all()
    for conn in connections.all():
        conn.close_pool()  # the pool keeps its connections open otherwise
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SEED_DB}" TEMPLATE "{name}"')
        conn.execute(f"COMMENT ON DATABASE \"{SEED_DB}\" IS '{tag}'")


def django_setup(url: str) -> None:
    os.environ["KEFU_DATABASE_URL"] = url
    os.environ["KEFU_ROUTING_AUTO"] = "0"  # the bench calls the actions itself
    os.environ["KEFU_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def build_world(agents: int, waiting: int) -> dict:
    from django.db import transaction

    from kefu.accounts.models import Agent, Presence, Team
    from kefu.contacts.models import Contact
    from kefu.conversations.models import Conversation
    from kefu.core.clock import now
    from kefu.inboxes.models import ChannelType, Inbox
    from kefu.routing.actions import conversation_prioritize
    from kefu.routing.models import ConversationRouting, Queue, RoutingProfile

    rng = random.Random(7)
    moment = now()
    with transaction.atomic():
        inbox = Inbox.objects.create(name="Bench chat", channel_type=ChannelType.WEB_WIDGET)
        teams = {}
        for lang in LANGS:
            teams[lang] = Team.objects.create(name=f"L1 {lang}", slug=f"l1-{lang}")
        inbox.teams.set(teams.values())
        english = None
        for i, lang in enumerate(["en", *[x for x in LANGS if x != "en"]]):
            q = Queue.objects.create(
                name=f"L1 {lang}",
                slug=f"l1-{lang}",
                team=teams[lang],
                languages=[] if lang == "en" else [lang],
                position=90 if lang == "en" else 10 + i,
                fallback=english,
            )
            if lang == "en":
                english = q
        agent_rows = [
            Agent(
                email=f"agent{i}@bench.test",
                display_name=f"Agent {i}",
                support_id=f"B{i:05d}",
                languages=[LANGS[i % len(LANGS)], "en"],
                presence=Presence.ONLINE,
            )
            for i in range(agents)
        ]
        Agent.objects.bulk_create(agent_rows, batch_size=1000)
        agent_rows = list(Agent.objects.filter(email__endswith="@bench.test"))
        through = Team.members.through
        links = []
        for a in agent_rows:
            links.append(through(team_id=teams[a.languages[0]].pk, agent_id=a.pk))
            if a.languages[0] != "en":
                links.append(through(team_id=teams["en"].pk, agent_id=a.pk))
        through.objects.bulk_create(links, batch_size=2000)
        RoutingProfile.objects.bulk_create(
            [
                RoutingProfile(
                    agent=a,
                    skills=rng.sample(TOPICS, 3) if i % 3 else [],
                    capacity={"chat": 4, "ticket": 20},
                )
                for i, a in enumerate(agent_rows)
            ],
            batch_size=1000,
        )
        contacts = Contact.objects.bulk_create(
            [
                Contact(name=f"Customer {i}", vip_tier=rng.choice([0, 0, 0, 1, 2, 5, 7]))
                for i in range(waiting)
            ],
            batch_size=2000,
        )
        convs = Conversation.objects.bulk_create(
            [
                Conversation(
                    number=100_000 + i,
                    inbox=inbox,
                    contact=contacts[i],
                    language=rng.choice(LANGS),
                    topic=rng.choice(TOPICS),
                    waiting_since=moment - timedelta(seconds=rng.randint(0, 7200)),
                )
                for i in range(waiting)
            ],
            batch_size=2000,
        )
    for c in convs:  # the real scoring and queueing, once per conversation
        c.contact = contacts[c.number - 100_000]
        conversation_prioritize(conversation=c)
    # A live database has planner statistics (autovacuum analyzes changed tables); a seeded
    # one measured seconds later would not, and would be planned blind.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {
        "conversations": [c.pk for c in convs],
        "waiting": ConversationRouting.objects.filter(waiting=True).count(),
    }


def bench_assignment(decisions: int, *, profile: bool = False) -> dict:
    from django.db import connection

    from kefu.conversations.models import Conversation
    from kefu.routing.actions import conversation_route
    from kefu.routing.models import ConversationRouting

    order = list(
        ConversationRouting.objects.filter(waiting=True)
        .order_by("-urgency_key")
        .values_list("conversation_id", flat=True)[:decisions]
    )
    latencies, decided, assigned = [], [], 0
    connection.ensure_connection()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    for cid in order:
        t = time.perf_counter()
        res = conversation_route(conversation=Conversation(pk=cid))
        latencies.append((time.perf_counter() - t) * 1000)
        assigned += bool(res and res.assignee)
        if res is not None:
            decided.append(res.decided_in_ms)
    wall = time.perf_counter() - start
    if profiler is not None:
        import pstats

        profiler.disable()
        print("\nWhere the assignments' time goes (timings below are inflated by the profiler):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return {
        "decisions": len(order),
        "assigned": assigned,
        "decisions_per_s": len(order) / wall,
        "decide_p50_ms": percentile(decided, 50),
        "decide_p95_ms": percentile(decided, 95),
        "assign_p50_ms": percentile(latencies, 50),
        "assign_p95_ms": percentile(latencies, 95),
        "assign_max_ms": max(latencies),
    }


def seed_open_clocks(n: int, due_soon: int) -> None:
    """n open conversations with running clocks, bulk-loaded in SQL (generate_series)."""
    from django.db import connection

    from kefu.accounts.models import Team
    from kefu.contacts.models import Contact
    from kefu.core.actors import Actor
    from kefu.inboxes.models import ChannelType, Inbox
    from kefu.sla.actions import sla_policy_create

    inbox = Inbox.objects.create(name="Bench sweep", channel_type=ChannelType.EMAIL)
    inbox.teams.set(Team.objects.all()[:1])
    contact = Contact.objects.create(name="Sweep customer")
    policy = sla_policy_create(
        name="Bench 24/7", actor=Actor.system("bench"), first_response_seconds=3600, warn_share=0.8
    )
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO conversations_conversation (id, created_at, updated_at, number, inbox_id,
                contact_id, subject, status, priority, priority_rank, topic, language,
                custom_attributes, waiting_since, last_activity_at)
            SELECT gen_random_uuid(), now(), now(), 10000000 + g, %s, %s, '', 'open', 'normal',
                1, '', 'en', '{}', now(), now()
            FROM generate_series(1, %s) g
            """,
            [inbox.pk, contact.pk, n],
        )
        # Due times: `due_soon` clocks spread over the next 10 s (the run), the rest over days;
        # warnings already given, so each clock has one check left: its breach.
        cur.execute(
            """
            INSERT INTO sla_slaclock (id, created_at, updated_at, conversation_id, policy_id, kind,
                state, target_seconds, elapsed_seconds, running_since, started_at, due_at, warn_at,
                warned_at, next_check_at)
            SELECT gen_random_uuid(), now(), now(), c.id, %s, 'first_response', 'running', 3600, 0,
                now(), now(), d.due, d.due, now(), d.due
            FROM (SELECT id, row_number() OVER () AS rn FROM conversations_conversation
                  WHERE inbox_id = %s) c
            CROSS JOIN LATERAL (SELECT CASE WHEN c.rn <= %s
                THEN now() + make_interval(secs => 3 + 10.0 * c.rn / %s)
                ELSE now() + make_interval(secs => 600 + (c.rn %% 259200)) END AS due) d
            """,
            [policy.pk, inbox.pk, due_soon, due_soon],
        )
        cur.execute("ANALYZE sla_slaclock")
        cur.execute("ANALYZE conversations_conversation")


def rearm_due_soon(due_soon: int) -> None:
    """--sweep-only: make `due_soon` already-seeded clocks due over the next 10 s again."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            WITH pick AS (SELECT id, row_number() OVER () AS rn FROM sla_slaclock
                          WHERE state = 'running' LIMIT %s)
            UPDATE sla_slaclock k SET breached_at = NULL,
                due_at = now() + make_interval(secs => 3 + 10.0 * pick.rn / %s),
                next_check_at = now() + make_interval(secs => 3 + 10.0 * pick.rn / %s)
            FROM pick WHERE k.id = pick.id
            """,
            [due_soon, due_soon, due_soon],
        )


def bench_sweep(n: int, due_soon: int, seconds: float = 16.0, every: float = 2.0) -> dict:
    from django.db import connection

    from kefu.core.clock import now
    from kefu.sla.actions import sla_sweep
    from kefu.sla.models import SlaClock

    qs = (
        SlaClock.objects.filter(next_check_at__isnull=False, next_check_at__lte=now())
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:1000]
    )
    plan = qs.explain()
    sweeps, breached = [], 0
    started = now()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        done = sla_sweep()
        sweeps.append((time.perf_counter() - t) * 1000)
        breached += done["breached"]
        time.sleep(max(0.0, every - (time.perf_counter() - t)))
    lateness = [
        (b - d).total_seconds()
        for b, d in SlaClock.objects.filter(
            breached_at__gte=started, due_at__gte=started
        ).values_list("breached_at", "due_at")
    ]
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM sla_slaclock WHERE state = 'running'")
        running = cur.fetchone()[0]
    return {
        "open_clocks": running,
        "due_during_run": due_soon,
        "breached": breached,
        "sweeps": len(sweeps),
        "sweep_p50_ms": percentile(sweeps, 50),
        "sweep_max_ms": max(sweeps),
        "detect_p95_s": percentile(lateness, 95) if lateness else None,
        "detect_max_s": max(lateness) if lateness else None,
        "index_scan": "sla_clock_due_idx" in plan and "Seq Scan" not in plan,
        "plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="the issue's scale (slow to seed)")
    parser.add_argument("--agents", type=int)
    parser.add_argument("--waiting", type=int)
    parser.add_argument("--decisions", type=int)
    parser.add_argument("--open", type=int, dest="open_clocks")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the assignments; print the top 40"
    )
    parser.add_argument(
        "--seed-cache",
        action="store_true",
        help="clone the world seeded by an earlier --seed-cache run of the same sizes",
    )
    parser.add_argument(
        "--reseed", action="store_true", help="with --seed-cache: seed again and keep that"
    )
    parser.add_argument(
        "--sweep-only",
        action="store_true",
        help="reuse the last run's database: re-arm 300 clocks and time the sweep again",
    )
    args = parser.parse_args()
    agents = args.agents or (500 if args.full else 100)
    waiting = args.waiting or (10_000 if args.full else 2_000)
    decisions = args.decisions or (1_500 if args.full else 200)
    open_clocks = args.open_clocks or (1_000_000 if args.full else 50_000)

    if args.sweep_only:
        django_setup(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}")
        rearm_due_soon(300)
        s = bench_sweep(0, 300)
        print("\nSLA sweep every 2 s (PostgreSQL; reused database)")
        print(
            table(
                [s],
                [
                    "open_clocks",
                    "due_during_run",
                    "breached",
                    "sweeps",
                    "sweep_p50_ms",
                    "sweep_max_ms",
                    "detect_p95_s",
                    "detect_max_s",
                    "index_scan",
                ],
            )
        )
        print("\nPlan of the sweep's selection:\n" + s["plan"])
        print(f"\nwritten {write_json('routing-sweep', {'sweep': s})}")
        return
    tag = f"agents={agents} waiting={waiting}"
    if args.seed_cache:
        url, cloned = pg_database_from_seed(DB_NAME, tag, reseed=args.reseed)
    else:
        url, cloned = pg_fresh_database(DB_NAME), False
    django_setup(url)
    t = time.perf_counter()
    if cloned:
        from django.db import connection

        from kefu.routing.models import ConversationRouting

        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # what the migrations just created, if anything
        world = {"waiting": ConversationRouting.objects.filter(waiting=True).count()}
    else:
        world = build_world(agents, waiting)
        if args.seed_cache:
            pg_seed_keep(DB_NAME, tag)
    seed_s = time.perf_counter() - t
    a = bench_assignment(decisions, profile=args.profile)
    rows = [
        {
            "agents": agents,
            "waiting": world["waiting"],
            **a,
        }
    ]
    how = "cloned from the seed" if cloned else "seeded"
    print(f"\nAssignment (PostgreSQL; {how} in {seed_s:.0f} s)")
    print(
        table(
            rows,
            [
                "agents",
                "waiting",
                "decisions",
                "assigned",
                "decisions_per_s",
                "decide_p50_ms",
                "decide_p95_ms",
                "assign_p50_ms",
                "assign_p95_ms",
                "assign_max_ms",
            ],
        )
    )
    t = time.perf_counter()
    seed_open_clocks(open_clocks, due_soon=300)
    seed2_s = time.perf_counter() - t
    rearm_due_soon(300)  # due from now on, however long the seeding took
    s = bench_sweep(open_clocks, 300)
    print(
        f"\nSLA sweep every 2 s (PostgreSQL; {open_clocks:,} open conversations seeded in {seed2_s:.0f} s)"
    )
    print(
        table(
            [s],
            [
                "open_clocks",
                "due_during_run",
                "breached",
                "sweeps",
                "sweep_p50_ms",
                "sweep_max_ms",
                "detect_p95_s",
                "detect_max_s",
                "index_scan",
            ],
        )
    )
    print("\nPlan of the sweep's selection:\n" + s["plan"])
    path = write_json(
        "routing" + ("-full" if args.full else ""),
        {"assignment": rows[0], "sweep": s, "seed_seconds": [seed_s, seed2_s]},
    )
    print(f"\nwritten {path}")
    from django.db import connections

    connections.close_all()


if __name__ == "__main__":
    main()
