"""The bot's turn on an inbound customer message: answer, run a flow, or hand off.

It runs after the customer's message has committed (an event subscriber on message.created),
so nothing the bot does, or fails to do, can lose or delay the customer's message. Every
write goes through the conversations actions, which emit their own events.

Order of the rules for one message (first match wins):
1. the bot is off for the inbox, the conversation has an agent, or the bot already let go: silent;
2. an open question from the bot (clarify: "1 or 2", freeze: "yes or no") is answered;
3. the customer asks for a person -> handoff;
4. hacked / stolen funds -> freeze offer (verified customers with an active account), then
   the security team as urgent; scam -> security team at once;
5. anger (kefu.intelligence sentiment) -> handoff;
6. VIP above the inbox's tier -> VIP desk;
7. greeting / thanks -> a short answer;
8. flows with the exchange: withdrawal, deposit, locked account, KYC status;
9. the help center: answer above the threshold, clarify when the top two are close,
   otherwise "say it in other words"; the second miss hands off. With the optional language
   model on (KEFU_LLM_BASE_URL and the inbox's `llm`), the model first writes the answer from
   the retrieved articles, citing them; anything short of a valid, cited, guard-clean answer
   falls back to the rules of step 9 unchanged.

A model call takes seconds. In the web server the turn is therefore split around it: the
rules run in the thread that committed the message, as always, up to the point where the
model is needed (writing nothing); the call is awaited on the server's event loop, holding no
thread; then the turn runs again with the model's answer and writes its reply. The second run
sees whatever happened meanwhile (an agent took over: the bot stays silent). Outside the
server (CLI, eval, tests) the call is made in place.

A flow that ends with the customer back in their account (locked-account status, a password or
2FA reset answered from the help center) or with their withdrawals shown adds a security tip
(kefu.safety.notices; at most one per conversation).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from kefu.bot.intents import NO_RE, YES_RE, Intent, choice_parse, intent_detect
from kefu.bot.models import BotSession
from kefu.bot.strings import bot_language, t
from kefu.conversations import actions as conv
from kefu.conversations.models import Conversation, Direction, Message, Status
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.events import Event
from kefu.exchange.connector import (
    AccountNotFound,
    ExchangeUnavailable,
    Profile,
    Transfer,
    connector_get,
    transfer_find,
)
from kefu.inboxes.models import ChannelType, Inbox

log = logging.getLogger(__name__)

MAX_FAILURES = 2
# Help-center answers after which the customer gets the account security tip: getting back in.
ACCOUNT_TIP_ARTICLES = {
    "reset-2fa-lost-phone",
    "account-locked-frozen",
    "account-hacked",
    "freeze-account-emergency",
    "change-email-phone",
}
_paused: contextvars.ContextVar[bool] = contextvars.ContextVar("kefu_bot_paused", default=False)
# Channels the bot answers on. The widget first; the API channel (the exchange's app) behaves
# like a chat too. Email is not a chat: a bot reply there would be a second email.
BOT_CHANNELS = {ChannelType.WEB_WIDGET, ChannelType.API}


@dataclass(frozen=True)
class BotSettings:
    enabled: bool = False
    threshold: float = 0.5  # help-center confidence needed to answer
    clarify_floor: float = 0.35  # below this even a clarifying question is a guess
    clarify_margin: float = 0.06  # top two closer than this -> ask which one
    handoff_vip_tier: int = 4  # VIP tiers above this go straight to the VIP desk
    flows: tuple[str, ...] = ("withdrawal", "deposit", "security", "account", "kyc")
    security_team: str = "security"  # team slugs the handoffs go to
    vip_team: str = "vip-desk"
    llm: bool = False  # answers written by the language model, when one is configured


def bot_settings(inbox: Inbox) -> BotSettings:
    raw = (inbox.config or {}).get("bot") or {}
    if not isinstance(raw, dict):
        return BotSettings()
    base = BotSettings()
    try:
        return BotSettings(
            enabled=bool(raw.get("enabled", False)),
            threshold=float(raw.get("threshold", base.threshold)),
            clarify_floor=float(raw.get("clarify_floor", base.clarify_floor)),
            clarify_margin=float(raw.get("clarify_margin", base.clarify_margin)),
            handoff_vip_tier=int(raw.get("handoff_vip_tier", base.handoff_vip_tier)),
            flows=tuple(raw.get("flows", base.flows)),
            security_team=str(raw.get("security_team", base.security_team)),
            vip_team=str(raw.get("vip_team", base.vip_team)),
            llm=bool(raw.get("llm", False)),
        )
    except (TypeError, ValueError):
        log.warning("inbox %s has an unreadable bot config; the bot stays off", inbox.pk)
        return BotSettings()


def bot_llm_on(inbox: Inbox) -> bool:
    """The bot of this inbox writes its help-center answers with the language model."""
    from kefu.intelligence.llm import llm_enabled

    cfg = bot_settings(inbox)
    return cfg.enabled and cfg.llm and llm_enabled()


def bot_configure(
    *,
    inbox: Inbox,
    enabled: bool | None = None,
    threshold: float | None = None,
    handoff_vip_tier: int | None = None,
    llm: bool | None = None,
) -> Inbox:
    """Turn the bot on/off for an inbox and tune it. Bad values change nothing."""
    from kefu.core.errors import ValidationFailed

    if threshold is not None and not (0.0 <= float(threshold) <= 1.01):
        raise ValidationFailed("threshold must be between 0 and 1", field="threshold")
    if handoff_vip_tier is not None and int(handoff_vip_tier) < 0:
        raise ValidationFailed("handoff_vip_tier must be 0 or more", field="handoff_vip_tier")
    if llm is not None and not isinstance(llm, bool):
        raise ValidationFailed("llm must be true or false", field="llm")
    with transaction.atomic():
        inbox = Inbox.objects.select_for_update().get(pk=inbox.pk)
        config = dict(inbox.config or {})
        bot = dict(config.get("bot") or {})
        for key, value in (
            ("enabled", enabled),
            ("threshold", threshold),
            ("handoff_vip_tier", handoff_vip_tier),
            ("llm", llm),
        ):
            if value is not None:
                bot[key] = value
        config["bot"] = bot
        inbox.config = config
        inbox.save(update_fields=inbox.touch_fields("config"))
    return inbox


@contextlib.contextmanager
def bot_paused() -> Iterator[None]:
    """Seeding (the demo world) stores customer messages the bot must not answer."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


@dataclass
class BotTurn:
    """What the bot did with one message (for tests, the eval and the bench)."""

    replies: list[str] = field(default_factory=list)
    handoff: str = ""  # the reason, when it handed off on this turn
    article: str = ""  # slug answered with
    intent: str = ""
    ms: float = 0.0
    tip: str = ""  # the security tip sent after this turn's flow ("account", "withdrawal")
    llm: bool = False  # the answer was written by the language model
    # The turn stopped where it needs the model (nothing written): ask it, then bot_handle again
    # with its answer (bot_model_finish does both).
    pending: ModelRequest | None = None


@dataclass(frozen=True)
class ModelRequest:
    message_id: Any
    prompt: list[dict[str, str]]
    sources: list[Any]  # kefu.intelligence.grounding.Source, numbered as in the prompt


# What a turn gets back from the model: the sources it was given, and its answer or failure.
ModelAnswer = tuple[list[Any], Any]

# Turns waiting on the model in this process (a reference, so the loop cannot drop them).
_in_flight: set[asyncio.Task[Any]] = set()


def bot_on_event(event: Event) -> None:
    if event.type != "message.created" or _paused.get():
        return
    message = event.payload.get("message") or {}
    if message.get("direction") != Direction.INCOMING or message.get("private"):
        return
    conversation = event.payload.get("conversation") or {}
    if (
        not settings.BOT_ENABLED
        or conversation.get("channel") not in BOT_CHANNELS
        or conversation.get("assignee")
    ):
        return  # what bot_handle would decide, without loading the message
    msg = (
        Message.objects.select_related("conversation__inbox", "conversation__contact")
        .filter(pk=message.get("id"))
        .first()
    )
    if msg is None:
        return
    from kefu.realtime.publisher import server_loop

    loop = server_loop()
    try:
        turn = bot_handle(message=msg, defer_model=loop is not None)
    except Exception:
        # The customer's message is committed whatever happens here; an agent still sees it.
        log.exception("bot failed on message %s", msg.pk)
        return
    if turn is not None and turn.pending is not None and loop is not None:
        # A fresh context: this thread runs inside sync_to_async, whose context says so, and a
        # task inheriting it could not hand its database work back to a sync thread.
        loop.call_soon_threadsafe(_model_task_start, turn.pending, context=contextvars.Context())


def _model_task_start(request: ModelRequest) -> None:
    task = asyncio.get_running_loop().create_task(bot_model_finish(request))
    _in_flight.add(task)
    task.add_done_callback(_in_flight.discard)


async def bot_model_finish(request: ModelRequest) -> BotTurn | None:
    """The rest of a turn that stopped for the model: ask it (no thread held), then run the
    turn again with its answer, in a sync thread like any database work. Never raises."""
    from channels.db import database_sync_to_async

    outcome = await bot_model_ask(request)
    try:
        # Outside any request: database_sync_to_async closes the connection it used, as a
        # request would, so the pool gets it back.
        return await database_sync_to_async(bot_model_apply)(request, outcome)
    except Exception:
        log.exception("bot failed on message %s after the model answered", request.message_id)
        return None


async def bot_model_ask(request: ModelRequest) -> Any:
    """The model's completion, or the LlmError that stands for its failure (never raises)."""
    from kefu.intelligence.llm import LlmError, chat_complete_async

    try:
        return await chat_complete_async(request.prompt)
    except LlmError as exc:
        return exc
    except Exception as exc:
        log.exception("bot: the model call for message %s failed", request.message_id)
        return LlmError("error", type(exc).__name__)


def bot_model_apply(request: ModelRequest, outcome: Any) -> BotTurn | None:
    """The second run of the turn, with the model's answer (or failure) to its request."""
    msg = (
        Message.objects.select_related("conversation__inbox", "conversation__contact")
        .filter(pk=request.message_id)
        .first()
    )
    if msg is None:
        return None
    return bot_handle(message=msg, model_answer=(request.sources, outcome))


def bot_handle(
    *,
    message: Message,
    llm: bool | None = None,
    defer_model: bool = False,
    model_answer: ModelAnswer | None = None,
) -> BotTurn | None:
    """The bot's turn on one stored inbound message; None when the bot stays silent.

    `llm`: None follows the inbox's setting; True or False overrides it (the eval). Either
    way only with a configured model. `defer_model`: where the model is needed, stop before
    writing anything and return the request in `pending`. `model_answer`: the model's answer
    (or LlmError) to that request, for the second run.
    """
    conversation = message.conversation
    inbox = conversation.inbox
    cfg = bot_settings(inbox)
    if not cfg.enabled or inbox.channel_type not in BOT_CHANNELS:
        return None
    if conversation.assignee_id is not None or conversation.status == Status.CLOSED:
        return None
    if not settings.BOT_ENABLED:
        return None
    if Message.objects.filter(
        conversation=conversation, direction=Direction.OUTGOING, author_agent__isnull=False
    ).exists():
        # An agent has stepped in: the conversation is theirs, even before anyone assigns it.
        return None
    started = time.perf_counter()
    with transaction.atomic():
        session, _ = BotSession.objects.select_for_update().get_or_create(conversation=conversation)
    if session.handed_off_at is not None:
        return None
    from kefu.intelligence.llm import llm_enabled

    use_llm = model_answer is not None or ((cfg.llm if llm is None else llm) and llm_enabled())
    turn = _Turn(
        message=message,
        conversation=conversation,
        session=session,
        cfg=cfg,
        use_llm=use_llm,
        defer_model=defer_model,
        model_answer=model_answer,
    )
    result = turn.run()
    result.ms = (time.perf_counter() - started) * 1000
    return result


class _Turn:
    def __init__(
        self,
        *,
        message: Message,
        conversation: Conversation,
        session: BotSession,
        cfg: BotSettings,
        use_llm: bool = False,
        defer_model: bool = False,
        model_answer: ModelAnswer | None = None,
    ) -> None:
        self.message = message
        self.conversation = conversation
        self.session = session
        self.cfg = cfg
        self.use_llm = use_llm
        self.defer_model = defer_model
        self.model_answer = model_answer
        self.text = message.body or ""
        self.nlp: dict[str, Any] = (message.metadata or {}).get("nlp") or {}
        detected = self.nlp.get("language")
        # The customer's own language: the model writes in it even where the bot's templates
        # fall back to English.
        self.customer_language = (
            conversation.language or detected or conversation.contact.preferred_language or "en"
        )
        self.language = bot_language(self.customer_language)
        self.uid = conversation.contact.exchange_uid or ""
        self.result = BotTurn()
        self.actor = Actor.bot()
        self._connector_failed = False
        self.intent = Intent()

    # --- the rules, in order ----------------------------------------------------------------

    def run(self) -> BotTurn:
        s = self.session
        intent = self.intent = intent_detect(self.text)
        if s.awaiting == "confirm_freeze":
            return self._freeze_answer(intent)
        if self.message.redactions:
            # kefu/safety already warned the customer and put the case in front of Security.
            return self._handoff("secret_shared", intent="secret", say=False)
        # Scams and takeovers first: they route to Security as urgent, which a plain "human"
        # handoff would not ("我被假客服骗了" names 客服 but is a scam report).
        if intent.scam:
            return self._handoff("high_risk_scam", team="security", urgent=True, intent="scam")
        if intent.hacked and intent.human:
            return self._handoff(
                "high_risk_hacked", team="security", urgent=True, intent="security"
            )
        if intent.hacked and "security" in self.cfg.flows:
            return self._security(intent)
        if intent.human:
            return self._handoff("asked_for_human", intent="human")
        if self._angry():
            return self._handoff("anger", intent="anger")
        vip = self._vip_tier()
        if vip is not None and vip > self.cfg.handoff_vip_tier:
            return self._handoff("vip", team="vip", intent="vip")
        if s.awaiting == "clarify":
            choice = choice_parse(self.text)
            if choice is not None and len(s.options) >= choice:
                return self._answer_article(s.options[choice - 1], intent="clarified")
        if intent.greeting_only:
            self._say(t("greeting", self.language))
            s.greeted = True
            self._tried("greeting", "greeted")
            return self._save()
        if intent.thanks_only:
            self._say(t("anything_else", self.language))
            self._tried("thanks", "acknowledged")
            return self._save()
        if intent.withdrawal_problem and "withdrawal" in self.cfg.flows:
            return self._transfers_flow("withdrawal", intent)
        if intent.deposit_problem and "deposit" in self.cfg.flows:
            return self._transfers_flow("deposit", intent)
        if intent.locked and "account" in self.cfg.flows:
            return self._locked_flow()
        if intent.kyc and "kyc" in self.cfg.flows and self.uid:
            return self._kyc_flow()
        return self._faq()

    def _angry(self) -> bool:
        # One cue alone ("close my account", "注销账户") is often a how-to question; anger with
        # a strong score or several cues is a customer who wants a person now.
        nlp = self.nlp
        if not nlp.get("anger"):
            return False
        return float(nlp.get("score") or 0) <= -0.8 or len(nlp.get("reasons") or []) >= 2

    # --- help center -----------------------------------------------------------------------

    def _search(self, query: str, limit: int = 3) -> list[Any]:
        from kefu.knowledge.selectors import PUBLIC, articles_search

        return list(
            articles_search(reader=PUBLIC, query=query, language=self.language, limit=limit).items
        )

    def _faq(self) -> BotTurn:
        hits = self._search(self.text)
        top = hits[0] if hits else None
        second = hits[1] if len(hits) > 1 else None
        self.result.intent = "faq"
        if self.use_llm:
            written = self._llm_answer(hits)
            if written is not None:
                return written
        if (
            top is not None
            and top.confidence >= self.cfg.threshold
            and (second is None or top.confidence - second.confidence >= self.cfg.clarify_margin)
        ):
            return self._answer(top, intent="faq")
        if (
            top is not None
            and second is not None
            and second.confidence >= self.cfg.clarify_floor
            and top.confidence - second.confidence < self.cfg.clarify_margin
            and self.session.awaiting != "clarify"
        ):
            self.session.awaiting = "clarify"
            self.session.options = [top.card.slug, second.card.slug]
            self._say(t("clarify", self.language, first=top.card.title, second=second.card.title))
            self._tried("faq", f"asked which: {top.card.slug} or {second.card.slug}")
            return self._save()
        return self._miss(top)

    def _miss(self, top: Any) -> BotTurn:
        self.session.failures += 1
        self.session.awaiting = ""
        self.session.options = []
        best = f" (best guess {top.card.slug} at {top.confidence:.2f})" if top is not None else ""
        self._tried("faq", f"no confident answer{best}")
        if self.session.failures >= MAX_FAILURES:
            return self._handoff("bot_failed_twice", intent="faq")
        self._say(t("not_sure", self.language))
        return self._save()

    def _llm_answer(self, hits: list[Any]) -> BotTurn | None:
        """The model's answer from the retrieved articles, or None to answer by the rules.

        Returns a turn when the model answered (cited, guard-clean) or said the articles do
        not answer (a miss, as the rules would count it). A failed call, an uncited answer or
        one the outbound guard blocks is discarded: the customer never sees it.
        """
        from kefu.intelligence import grounding
        from kefu.intelligence.llm import LlmError, chat_complete
        from kefu.safety.actions import GuardBlocked, outbound_guard

        if self.model_answer is not None:
            # Second run: the model has answered the request the first run made.
            sources, outcome = self.model_answer
        else:
            sources = grounding.sources_from_hits(
                hits, language=self.language, floor=self.cfg.clarify_floor
            )
            if not sources:
                return None  # nothing close enough to ground an answer on
            names, identifiers = grounding.contact_identifiers(self.conversation.contact)
            question = grounding.prompt_text(self.text, names=names, identifiers=identifiers)
            prompt = grounding.bot_prompt(
                question=question, language=self.customer_language, sources=sources
            )
            if self.defer_model:
                # Nothing written so far on this path: the second run starts clean.
                self.result.pending = ModelRequest(
                    message_id=self.message.pk, prompt=prompt, sources=sources
                )
                return self.result
            try:
                outcome = chat_complete(prompt)
            except LlmError as exc:
                outcome = exc
        try:
            if isinstance(outcome, LlmError):
                raise outcome
            completion = outcome
            answer = grounding.grounded_parse(completion.text, sources)
        except LlmError as exc:
            self._tried("llm", f"no usable answer from the model ({exc.reason})")
            return None
        if answer is None:
            self._tried("llm", "the model found no answer in the help center")
            return self._miss(hits[0] if hits else None)
        body = t(
            "llm_answer",
            self.language,
            answer=answer.text,
            sources=grounding.sources_lines(answer.cited),
        )
        try:
            outbound_guard(body=body, actor=self.actor)
        except GuardBlocked as blocked:
            rules = ", ".join(sorted({v.rule for v in blocked.violations}))
            log.warning(
                "bot: the model's answer in conversation %s was blocked by the outbound guard (%s)",
                self.conversation.pk,
                rules,
            )
            self._tried("llm", f"the model's answer was blocked by the safety guard ({rules})")
            return None
        cited = [s.slug for s in answer.cited]
        self._say(
            body,
            metadata={
                "llm": {
                    "model": completion.model,
                    "cited": cited,
                    "sources": [s.slug for s in sources],
                    "latency_ms": round(completion.latency_ms),
                    "completion_id": completion.id,
                }
            },
        )
        self.session.awaiting = ""
        self.session.options = []
        self.result.article = cited[0]
        self.result.llm = True
        self._tried("faq", f"the model answered from {', '.join(cited)}")
        return self._save()

    def _answer(self, hit: Any, *, intent: str) -> BotTurn:
        excerpt = (hit.card.excerpt or "").strip()
        if len(excerpt) > 220:
            excerpt = excerpt[:217].rsplit(" ", 1)[0] + "…"
        self._say(
            t(
                "faq_answer",
                self.language,
                title=hit.card.title,
                excerpt=excerpt,
                url=_abs(hit.card.url),
            )
        )
        self.session.awaiting = ""
        self.session.options = []
        self.result.article = hit.card.slug
        self.result.intent = intent
        self._tried(intent, f"answered with {hit.card.slug} ({hit.confidence:.2f})")
        if hit.card.slug in ACCOUNT_TIP_ARTICLES or self.intent.credentials_reset:
            self._tip("account")
        return self._save()

    def _answer_article(self, slug: str, *, intent: str) -> BotTurn:
        from kefu.bot.selectors import article_card
        from kefu.knowledge.selectors import PUBLIC

        card = article_card(reader=PUBLIC, slug=slug, language=self.language)
        if card is None:
            return self._miss(None)
        hit = _Hit(card=card, confidence=1.0)
        return self._answer(hit, intent=intent)

    def _article_link(self, slug: str) -> tuple[str, str] | None:
        from kefu.bot.selectors import article_card
        from kefu.knowledge.selectors import PUBLIC

        card = article_card(reader=PUBLIC, slug=slug, language=self.language)
        return (card.title, _abs(card.url)) if card is not None else None

    # --- flows with the exchange -----------------------------------------------------------

    def _connector(self) -> Any:
        return connector_get()

    def _profile(self) -> Profile | None:
        connector = self._connector()
        if connector is None or not self.uid:
            return None
        try:
            profile = connector.profile(self.uid)
        except AccountNotFound:
            return None
        self.session.facts["profile"] = profile.as_dict()
        return profile

    def _vip_tier(self) -> int | None:
        # The tier kefu already stores (exchange profile sync, demo seeding); no exchange call on
        # every message of every customer.
        tier = self.conversation.contact.vip_tier
        return int(tier) if tier is not None else None

    def _login_needed(self, slug: str, intent: str) -> BotTurn:
        link = self._article_link(slug)
        if link is None:
            return self._faq()
        self._say(t("login_needed", self.language, title=link[0], url=link[1]))
        self._tried(intent, "not signed in: sent the help article")
        self.result.article = slug
        self.result.intent = intent
        return self._save()

    def _exchange_down(self, intent: str) -> BotTurn:
        self._connector_failed = True
        self._say(t("exchange_down", self.language))
        self._tried(intent, "exchange unavailable")
        return self._handoff("exchange_unavailable", intent=intent, say=False)

    def _transfers_flow(self, kind: str, intent: Intent) -> BotTurn:
        name = f"{kind}_status"
        self.result.intent = name
        if not self.uid or self._connector() is None:
            return self._login_needed(
                "withdrawal-pending" if kind == "withdrawal" else "deposit-not-credited", name
            )
        connector = self._connector()
        try:
            found = transfer_find(connector, self.uid, intent.txid) if intent.txid else None
            items = [] if found is not None else connector.transfers(self.uid, kind=kind, limit=3)
        except ExchangeUnavailable:
            return self._exchange_down(name)
        except AccountNotFound:
            return self._login_needed(
                "withdrawal-pending" if kind == "withdrawal" else "deposit-not-credited", name
            )
        lines: list[str] = []
        if intent.txid and found is None:
            lines.append(t("txid_unknown", self.language))
        if found is not None:
            lines.append(self._transfer_text(found, "transfer_found"))
            shown = [found]
        elif items:
            lines.append(
                t("withdrawals_intro" if kind == "withdrawal" else "deposits_intro", self.language)
            )
            lines.extend(self._transfer_text(x, "transfer_line") for x in items)
            shown = items
        else:
            lines.append(
                t("no_withdrawals" if kind == "withdrawal" else "no_deposits", self.language)
            )
            shown = []
        if kind == "withdrawal" and any(x.status == "completed" for x in shown):
            lines.append(t("withdrawal_completed_hint", self.language))
        if kind == "deposit":
            lines.append(t("deposit_hint", self.language))
        self.session.facts[f"{kind}s"] = [x.as_dict() for x in shown]
        self._say("\n".join(lines))
        if kind == "withdrawal":
            self._tip("withdrawal")
        self._tried(
            name,
            f"showed {len(shown)} {kind}(s)"
            + (f" for TxID {intent.txid[:12]}…" if intent.txid else ""),
        )
        held = [x for x in shown if x.kind == "deposit" and x.status == "pending" and x.note]
        if held:
            # Only a person can credit a deposit held for manual matching.
            return self._handoff("needs_manual_action", intent=name)
        return self._save()

    def _transfer_text(self, x: Transfer, key: str) -> str:
        note = f" ({x.note})" if x.note else ""
        status = t(
            f"status_{x.status}",
            self.language,
            note=note,
            confirmations=x.confirmations,
            required=x.required_confirmations,
        )
        text = t(
            key,
            self.language,
            amount=x.amount,
            coin=x.coin,
            network=x.network,
            date=x.created_at[:16].replace("T", " ") + " UTC",
            status=status,
        )
        if x.kind == "deposit" and x.status == "pending" and x.note and not x.memo:
            text += "\n" + t("memo_missing", self.language, coin=x.coin)
        if x.explorer_url and x.txid:
            text += "\n" + t("explorer", self.language, url=x.explorer_url)
        return text

    def _locked_flow(self) -> BotTurn:
        self.result.intent = "account_locked"
        if not self.uid or self._connector() is None:
            return self._login_needed("account-locked-frozen", "account_locked")
        try:
            profile = self._profile()
        except ExchangeUnavailable:
            return self._exchange_down("account_locked")
        if profile is None:
            return self._login_needed("account-locked-frozen", "account_locked")
        reason = f" ({profile.lock_reason})" if profile.lock_reason else ""
        lines = [
            t(
                "account_status",
                self.language,
                status=t(f"account_{profile.account_status}", self.language),
                reason=reason,
            )
        ]
        link = self._article_link("account-locked-frozen")
        if link:
            lines.append(t("see_also", self.language, title=link[0], url=link[1]))
        self._say("\n".join(lines))
        self._tried("account_locked", f"account is {profile.account_status}")
        if profile.account_status == "frozen":
            # Only the security team unfreezes (the tip comes when they resolve the case).
            return self._handoff(
                "account_frozen", team="security", intent="account_locked", say=True
            )
        self._tip("account")
        return self._save()

    def _kyc_flow(self) -> BotTurn:
        self.result.intent = "kyc_status"
        try:
            profile = self._profile()
        except ExchangeUnavailable:
            return self._exchange_down("kyc_status")
        if profile is None:
            return self._faq()
        status = (
            profile.kyc_status
            if profile.kyc_status in {"approved", "pending", "rejected", "none"}
            else "none"
        )
        lines = [
            t(
                "kyc_status",
                self.language,
                level=profile.kyc_level,
                status=t(f"kyc_{status}", self.language),
            )
        ]
        slug = "kyc-rejected" if status == "rejected" else "kyc-levels"
        link = self._article_link(slug)
        if link:
            lines.append(t("see_also", self.language, title=link[0], url=link[1]))
            self.result.article = slug
        self._say("\n".join(lines))
        self._tried("kyc_status", f"KYC level {profile.kyc_level}, {status}")
        return self._save()

    # --- security ----------------------------------------------------------------------------

    def _security(self, intent: Intent) -> BotTurn:
        self.result.intent = "security"
        if not self.uid or self._connector() is None:
            return self._handoff(
                "high_risk_hacked", team="security", urgent=True, intent="security"
            )
        try:
            profile = self._profile()
        except ExchangeUnavailable:
            self._tried("security", "exchange unavailable: could not offer a freeze")
            return self._handoff(
                "high_risk_hacked", team="security", urgent=True, intent="security"
            )
        if profile is None:
            return self._handoff(
                "high_risk_hacked", team="security", urgent=True, intent="security"
            )
        if profile.account_status == "frozen":
            self._say(t("freeze_already", self.language))
            self._tried("security", "account already frozen")
            return self._handoff(
                "high_risk_hacked", team="security", urgent=True, intent="security"
            )
        self.session.awaiting = "confirm_freeze"
        self._say(t("freeze_offer", self.language))
        self._tried("security", "offered a freeze")
        return self._save()

    def _freeze_answer(self, intent: Intent) -> BotTurn:
        self.result.intent = "security"
        self.session.awaiting = ""
        if YES_RE.match(self.text):
            try:
                outcome = self._connector().account_freeze(
                    self.uid, reason=f"customer confirmed in chat #{self.conversation.number}"
                )
            except (ExchangeUnavailable, AccountNotFound):
                self._say(t("freeze_failed", self.language))
                self._tried("security", "freeze FAILED: exchange unavailable")
            else:
                self.session.facts["profile"] = outcome.profile.as_dict()
                self._say(
                    t("freeze_already" if outcome.already_frozen else "freeze_done", self.language)
                )
                self._tried("security", "account frozen at the customer's request")
        elif NO_RE.match(self.text):
            self._say(t("freeze_declined", self.language))
            self._tried("security", "customer declined the freeze")
        else:
            self._tried("security", "no clear yes/no to the freeze offer")
        return self._handoff("high_risk_hacked", team="security", urgent=True, intent="security")

    # --- handoff ---------------------------------------------------------------------------

    def _handoff(
        self,
        reason: str,
        *,
        team: str = "",
        urgent: bool = False,
        intent: str = "",
        say: bool = True,
    ) -> BotTurn:
        from kefu.accounts.models import Team

        s = self.session
        s.awaiting = ""
        s.handed_off_at = now()
        s.handoff_reason = reason
        self.result.handoff = reason
        self.result.intent = self.result.intent or intent
        if say:
            key = (
                "handoff_security"
                if team == "security"
                else "handoff_vip"
                if team == "vip"
                else "handoff"
            )
            self._say(t(key, self.language))
        with transaction.atomic():
            conv.note_add(conversation=self.conversation, actor=self.actor, body=self._note(reason))
            if urgent:
                conv.conversation_update(
                    conversation=self.conversation, actor=self.actor, priority="urgent"
                )
            slug = {"security": self.cfg.security_team, "vip": self.cfg.vip_team}.get(team, team)
            target = Team.objects.filter(slug=slug).first() if slug else None
            if target is not None:
                conv.conversation_assign(
                    conversation=self.conversation, actor=self.actor, team=target
                )
            conv.tag_add(conversation=self.conversation, actor=self.actor, names=["bot-handoff"])
            s.save(
                update_fields=s.touch_fields(
                    "awaiting",
                    "options",
                    "failures",
                    "greeted",
                    "handed_off_at",
                    "handoff_reason",
                    "tried",
                    "facts",
                )
            )
        return self.result

    def _note(self, reason: str) -> str:
        nlp = self.nlp
        sentiment = f"score {nlp.get('score', 'n/a')}"
        if nlp.get("anger"):
            sentiment += ", ANGER"
        if nlp.get("urgency") and nlp.get("urgency") != "normal":
            sentiment += f", urgency {nlp['urgency']}"
        if nlp.get("reasons"):
            sentiment += f" ({'; '.join(map(str, nlp['reasons']))})"
        customer_said = [
            m.body
            for m in Message.objects.filter(
                conversation=self.conversation, direction=Direction.INCOMING, private=False
            ).order_by("-created_at")[:5]
        ][::-1]
        lines = [
            f"Bot handoff: {_REASONS.get(reason, reason)}",
            f"Language: {self.conversation.language or nlp.get('language') or 'unknown'}"
            f" (bot replied in {self.language})",
            f"Topic: {self.conversation.topic or 'none detected'}",
            f"Sentiment: {sentiment}",
            "Customer said:",
            *[f"  > {body[:300]}" for body in customer_said],
            "Bot tried:",
            *(
                [f"  - {x['intent']}: {x['outcome']}" for x in self.session.tried]
                or ["  - nothing yet"]
            ),
            "Account facts:",
            *_facts_lines(self.session.facts, self.uid, self._connector_failed),
        ]
        return "\n".join(lines)

    # --- plumbing ----------------------------------------------------------------------------

    def _say(self, text: str, *, metadata: dict[str, Any] | None = None) -> None:
        text = _guarded(text)
        conv.message_send(
            conversation=self.conversation, actor=self.actor, body=text, metadata=metadata
        )
        self.result.replies.append(text)

    def _tip(self, kind: str) -> None:
        """The security tip after a flow, in the customer's own language (the bot's may be a
        fallback); security_tip_send keeps it to one per conversation."""
        language = self.conversation.language or self.nlp.get("language") or ""
        sent = conv.security_tip_send(conversation=self.conversation, kind=kind, language=language)
        if sent is not None:
            self.result.tip = kind

    def _tried(self, intent: str, outcome: str) -> None:
        self.session.tried = [*self.session.tried, {"intent": intent, "outcome": outcome}][-20:]

    def _save(self) -> BotTurn:
        s = self.session
        s.save(
            update_fields=s.touch_fields(
                "awaiting", "options", "failures", "greeted", "tried", "facts"
            )
        )
        return self.result


_REASONS = {
    "asked_for_human": "the customer asked for a person",
    "bot_failed_twice": "the bot could not answer twice",
    "anger": "anger detected",
    "high_risk_hacked": "HIGH RISK: account takeover / stolen funds (security, urgent)",
    "high_risk_scam": "HIGH RISK: scam or fraud reported (security, urgent)",
    "vip": "VIP customer above the bot's tier",
    "exchange_unavailable": "the exchange backend did not answer; account not checked",
    "account_frozen": "the account is frozen; only security can unfreeze",
    "needs_manual_action": "a deposit needs manual matching",
    "secret_shared": "the customer pasted a secret (removed before storage; safety warned them)",
}


def _facts_lines(facts: dict[str, Any], uid: str, failed: bool) -> list[str]:
    if not uid:
        return ["  - customer not signed in (no verified exchange UID)"]
    lines = [f"  - UID {uid}"]
    if failed:
        lines.append("  - exchange unavailable when the bot asked")
    p = facts.get("profile")
    if p:
        lines.append(
            f"  - VIP {p['vip_tier']}, KYC level {p['kyc_level']} ({p['kyc_status']}), account {p['account_status']}"
            + (f" ({p['lock_reason']})" if p.get("lock_reason") else "")
            + f", 2FA {'on' if p['two_factor_enabled'] else 'off'}"
        )
    for kind in ("withdrawals", "deposits"):
        for x in facts.get(kind, []):
            lines.append(
                f"  - {kind[:-1]} {x['amount']} {x['coin']} {x['network']} {x['status']}"
                f" {x['confirmations']}/{x['required_confirmations']} txid {x['txid'] or '-'}"
                + (f" ({x['note']})" if x.get("note") else "")
            )
    return lines


@dataclass
class _Hit:
    card: Any
    confidence: float


def _abs(url: str) -> str:
    return url if url.startswith("http") else settings.PUBLIC_URL + url


def _guarded(text: str) -> str:
    """Run the bot's text through the outbound guard's "asks for a secret" rules.

    Links (help center, block explorers) and masked addresses are the bot's own; only the
    ask rules apply. A blocked text is a bug in a template: it is never sent.
    """
    from kefu.safety.guard import GuardRules, outbound_check

    rules = GuardRules(foreign_link=False, wallet_address=False)
    result = outbound_check(text, official_domains=[], rules=rules)
    if result.blocked:
        raise RuntimeError(f"bot text blocked by the outbound guard: {result.violations[0].rule}")
    return text
