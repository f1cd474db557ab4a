"""`kefu bot eval`: scripted conversations (kefu/bot/eval/*.jsonl) played against the bot, the
demo help center and the demo exchange, in a transaction that is rolled back.

Each line: {"id", "lang", "turns": [...], "expect": "contained" | "handoff",
"reason"?: expected handoff reason, "articles"?: help articles that are right answers
([] = no article is right), "uid"?: a signed-in customer's exchange UID}.

Figures: containment (share of conversations the bot resolved without a human), correct
handoffs (expected handoffs made, with the right reason when one is given), unneeded handoffs,
and wrong answers (an article answered that is not among the right ones).
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

EVAL_DIR = Path(__file__).parent / "eval"
_seq = itertools.count()


@dataclass
class Outcome:
    id: str
    lang: str
    expect: str
    handoff: str
    articles: list[str]
    ok_handoff: bool
    wrong_answer: bool
    resolved: bool  # no human, and a right article when the script names the right ones
    replies: list[str]
    expected_reason: str = ""


@dataclass
class EvalReport:
    outcomes: list[Outcome] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    turn_kinds: list[str] = field(default_factory=list)  # per latency: faq | flow | handoff | other

    def figures(self, lang: str | None = None) -> dict[str, Any]:
        rows = [o for o in self.outcomes if lang is None or o.lang == lang]
        n = len(rows)
        expected_handoffs = [o for o in rows if o.expect == "handoff"]
        expected_contained = [o for o in rows if o.expect == "contained"]
        answered = [o for o in rows if o.articles]
        return {
            "conversations": n,
            "containment": sum(1 for o in rows if not o.handoff) / n if n else 0.0,
            "contained_correctly": sum(1 for o in expected_contained if not o.handoff),
            "resolved": sum(1 for o in rows if o.resolved),
            "expected_contained": len(expected_contained),
            "correct_handoffs": sum(1 for o in expected_handoffs if o.ok_handoff),
            "expected_handoffs": len(expected_handoffs),
            "unneeded_handoffs": sum(1 for o in expected_contained if o.handoff),
            "answered_with_article": len(answered),
            "wrong_answers": sum(1 for o in rows if o.wrong_answer),
        }


def _load(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e})") from None
            if row.get("expect") not in {"contained", "handoff"} or not row.get("turns"):
                raise ValueError(f"{path}:{n}: needs turns and expect=contained|handoff")
            rows.append(row)
    return rows


class _Rollback(Exception):
    pass


def bot_eval(
    *, paths: list[Path] | None = None, threshold: float | None = None, llm: bool = False
) -> EvalReport:
    """Play every scripted conversation; nothing stays in the database.

    `llm`: answer with the configured language model. Off by default, whatever the inbox
    says, so the figures measure the rules and stay comparable from run to run.
    """
    rows = _load(paths or sorted(EVAL_DIR.glob("*.jsonl")))
    report = EvalReport()
    try:
        with transaction.atomic():
            _play(rows, report, threshold, llm)
            raise _Rollback
    except _Rollback:
        pass
    return report


def _world_inbox() -> Any:
    from kefu.accounts.models import Agent
    from kefu.exchange.demo import demo_world_build
    from kefu.inboxes.models import ChannelType, Inbox
    from kefu.knowledge.actions import knowledge_demo_load
    from kefu.knowledge.models import Article

    if not Agent.objects.filter(email="ava@lumen.exchange").exists():
        world = demo_world_build()
        ava = world.agents["ava"]
    else:
        ava = Agent.objects.get(email="ava@lumen.exchange")
    if not Article.objects.exists():
        knowledge_demo_load(author=ava)
    return Inbox.objects.filter(channel_type=ChannelType.WEB_WIDGET, name="Website chat").first()


def _play(
    rows: list[dict[str, Any]], report: EvalReport, threshold: float | None, llm: bool
) -> None:
    from kefu.bot.actions import bot_configure, bot_handle
    from kefu.conversations.actions import message_receive
    from kefu.exchange import demo_backend
    from kefu.inboxes.adapters.base import InboundMessage

    inbox = _world_inbox()
    if inbox is None:
        raise RuntimeError("no 'Website chat' inbox: run `kefu demo` or use an empty database")
    # Saved, not only set on this object: a conversation loaded again for a later turn
    # carries the inbox as stored (on a database where `kefu demo` never switched the bot on,
    # every second turn was silent). The eval's transaction rolls it back.
    inbox = bot_configure(inbox=inbox, enabled=True, threshold=threshold)
    for row in rows:
        demo_backend.demo_freezes_reset()
        uid = row.get("uid", "")
        identity = f"uid:{uid}" if uid else f"v_eval{next(_seq)}"
        conversation = None
        handoff, articles, replies = "", [], []
        with transaction.atomic():
            for text in row["turns"]:
                result = message_receive(
                    inbox=inbox,
                    inbound=InboundMessage(
                        identity=identity,
                        body=text,
                        language=row.get("lang", ""),
                        exchange_uid=uid,
                        source_id=f"eval:{row['id']}:{next(_seq)}",
                        thread="new" if conversation is None else "latest",
                        conversation_id=str(conversation.pk) if conversation else None,
                    ),
                )
                conversation = result.conversation
                turn = bot_handle(message=result.message, llm=llm)
                if turn is None:
                    continue
                report.latencies_ms.append(turn.ms)
                report.turn_kinds.append(_kind(turn))
                replies.extend(turn.replies)
                if turn.article:
                    articles.append(turn.article)
                if turn.handoff and not handoff:
                    handoff = turn.handoff
            # Close it so the next script of the same customer starts a new conversation.
            conversation.status = "closed"
            conversation.save(update_fields=["status"])
        right = row.get("articles")
        wrong = right is not None and any(a not in right for a in articles)
        expected_reason = row.get("reason", "")
        # Resolved: a conversation that should stay with the bot did, and got a right answer.
        resolved = (
            row["expect"] == "contained"
            and not handoff
            and not wrong
            and (not right or any(a in right for a in articles))
        )
        ok_handoff = bool(handoff) and (not expected_reason or handoff == expected_reason)
        report.outcomes.append(
            Outcome(
                id=row["id"],
                lang=row.get("lang", ""),
                expect=row["expect"],
                handoff=handoff,
                articles=articles,
                ok_handoff=ok_handoff,
                wrong_answer=wrong,
                resolved=resolved,
                replies=replies,
                expected_reason=expected_reason,
            )
        )


def _kind(turn: Any) -> str:
    if turn.handoff:
        return "handoff"
    if turn.intent in {"faq", "clarified"}:
        return "faq"
    if turn.intent.endswith("_status") or turn.intent in {"security", "account_locked"}:
        return "flow"
    return "other"


def report_lines(report: EvalReport, *, verbose: bool = False) -> list[str]:
    out = [
        f"{'lang':<8} {'convs':>5} {'containment':>11} {'resolved':>8} {'correct handoffs':>17} {'unneeded':>8} {'answers':>7} {'wrong':>5}"
    ]
    langs = sorted({o.lang for o in report.outcomes})
    for lang in [*langs, None]:
        f = report.figures(lang)
        out.append(
            f"{lang or 'all':<8} {f['conversations']:>5} {f['containment']:>11.1%} {f['resolved']:>8} "
            f"{f['correct_handoffs']:>8}/{f['expected_handoffs']:<8} {f['unneeded_handoffs']:>8} "
            f"{f['answered_with_article']:>7} {f['wrong_answers']:>5}"
        )
    if report.latencies_ms:
        lat = sorted(report.latencies_ms)
        p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
        out.append(
            f"bot turn latency: p50 {statistics.median(lat):.1f} ms, p95 {p95:.1f} ms over {len(lat)} turns"
        )
    misses = defaultdict(list)
    for o in report.outcomes:
        if o.wrong_answer:
            misses["wrong answer"].append(f"{o.id}: answered {o.articles}")
        if o.expect == "handoff" and not o.ok_handoff:
            misses["missed/wrong handoff"].append(
                f"{o.id}: got {o.handoff or 'none'}, expected {o.expected_reason or 'any'}"
            )
        if o.expect == "contained" and o.handoff:
            misses["unneeded handoff"].append(f"{o.id}: {o.handoff}")
        if o.expect == "contained" and not o.handoff and not o.resolved and not o.wrong_answer:
            misses["kept but unresolved"].append(
                f"{o.id}: {o.replies[-1][:70]!r}" if o.replies else o.id
            )
    if verbose:
        for kind, items in misses.items():
            out.append(f"{kind}:")
            out.extend(f"  {i}" for i in items)
    f = report.figures()
    out.append(
        f"containment={f['containment']:.4f} resolved={f['resolved']}/{f['conversations']} correct_handoffs={f['correct_handoffs']}/{f['expected_handoffs']} "
        f"unneeded_handoffs={f['unneeded_handoffs']} wrong_answers={f['wrong_answers']}/{f['answered_with_article']}"
    )
    return out
