"""Answers grounded in the help center: what kefu sends the model, and what it accepts back.

Sent: the public help-center articles retrieved for the question (title, summary and the start
of the body, numbered [1], [2] …), the conversation's language and the customer's words, already
redacted when they were stored and scrubbed again here of what identifies the customer (e-mail
addresses, phone numbers and other long numbers such as exchange UIDs, wallet addresses, TxIDs,
links, the contact's name). Nothing from the customer's account, no private notes, no agent names.

Accepted back, or the caller falls back to kefu without a model:

* exactly `NO_ANSWER` when the sources do not answer (the model is told to say so);
* otherwise a text that cites at least one source, only sources it was given, and carries no
  link of its own: the citations become the links, to the articles kefu chose.

The outbound guard (kefu/safety) still reads the result before any customer sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from kefu.intelligence.llm import LlmError

NO_ANSWER = "NO_ANSWER"
SOURCE_CHARS = 2000  # of each article's text: its opening answers most questions
MESSAGE_CHARS = 800  # of each message sent
MAX_SOURCES = 3

LANGUAGE_NAMES = {
    "en": "English",
    "zh-Hans": "Simplified Chinese",
    "zh-Hant": "Traditional Chinese",
    "es": "Spanish",
    "ja": "Japanese",
    "ko": "Korean",
    "ru": "Russian",
    "tr": "Turkish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "vi": "Vietnamese",
    "id": "Indonesian",
    "ar": "Arabic",
    "th": "Thai",
}


@dataclass(frozen=True)
class Source:
    number: int  # as the model sees it: [1], [2] …
    article_id: Any
    slug: str
    title: str
    url: str  # absolute, for the customer
    text: str  # what the model reads


@dataclass(frozen=True)
class Grounded:
    text: str  # the model's answer, citations as it wrote them
    cited: list[Source]


class Ungrounded(LlmError):
    """The model answered, but not from the sources (no citation, an unknown one, a link)."""


# --- sources ----------------------------------------------------------------------------------


def sources_from_hits(hits: list[Any], *, language: str, floor: float) -> list[Source]:
    """Numbered sources from help-center search results (public articles only), best first.

    Hits under `floor` are left out: a loosely related article invites the model to stretch it.
    """
    from kefu.knowledge.selectors import display_translations

    kept = [h for h in hits if h.confidence >= floor and not h.card.internal][:MAX_SOURCES]
    if not kept:
        return []
    shown = display_translations([h.card.id for h in kept], language)
    sources: list[Source] = []
    for hit in kept:
        translation = shown.get(hit.card.id)
        body = translation.body_text if translation is not None else ""
        text = "\n".join(x for x in (hit.card.excerpt, body) if x).strip()[:SOURCE_CHARS]
        url = (
            hit.card.url if hit.card.url.startswith("http") else settings.PUBLIC_URL + hit.card.url
        )
        sources.append(
            Source(
                number=len(sources) + 1,
                article_id=hit.card.id,
                slug=hit.card.slug,
                title=hit.card.title,
                url=url,
                text=text,
            )
        )
    return sources


def sources_find(*, query: str, language: str, floor: float = 0.35) -> list[Source]:
    """Search the public help center for `query` and number what is worth sending."""
    from kefu.knowledge.selectors import PUBLIC, articles_search

    if not query.strip():
        return []
    found = articles_search(reader=PUBLIC, query=query, language=language, limit=MAX_SOURCES)
    return sources_from_hits(list(found.items), language=language, floor=floor)


# --- what leaves kefu -------------------------------------------------------------------------

_URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_]{3,}")
_HEX_RE = re.compile(r"\b(?:0x)?[0-9a-fA-F]{24,}\b")
_ADDRESS_RE = re.compile(r"\b(?:bc1|tb1|T|0x|r|U|EQ|UQ|[13])[A-HJ-NP-Za-km-z1-9_-]{24,}\b")
# Phone numbers, UIDs, order and card-like numbers: 7+ digits, maybe grouped.
# Not part of a decimal ("2500.00") or a word; a full stop after it is the sentence's.
_NUMBER_RE = re.compile(r"(?<![\w.])\+?\d(?:[\s().-]{0,2}\d){6,}(?!\w|\.\d)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def prompt_text(
    text: str, *, names: tuple[str, ...] = (), identifiers: tuple[str, ...] = ()
) -> str:
    """Customer or agent text as the model may read it.

    The stored text is already redacted (kefu/safety); redaction runs again here so that a
    message stored before a rule existed cannot leak either. Then what identifies the person
    goes: the answer never needs it.
    """
    from kefu.safety.redaction import redact

    text = redact(text or "").text
    text = _URL_RE.sub("[link]", text)
    text = _EMAIL_RE.sub("[email]", text)
    text = _HANDLE_RE.sub("[handle]", text)
    text = _HEX_RE.sub("[transaction id]", text)
    text = _ADDRESS_RE.sub("[address]", text)
    text = _NUMBER_RE.sub(
        lambda m: m.group() if _DATE_RE.fullmatch(m.group()) else "[number]", text
    )
    for value in identifiers:  # what the patterns above missed: a short UID, an odd handle
        if value and len(value) >= 3:
            text = re.sub(re.escape(value), "[id]", text, flags=re.I)
    for name in sorted(set(names), key=len, reverse=True):
        if _CJK_RE.search(name) and len(name) >= 2:
            # No spaces between words in Chinese or Japanese: the name is a substring.
            text = text.replace(name, "[customer]")
        elif len(name) >= 3:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[customer]", text, flags=re.I)
    text = text.strip()
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def contact_identifiers(contact: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names, identifiers) of a contact, for prompt_text."""
    name = (getattr(contact, "name", "") or "").strip()
    names = tuple(x for x in (name, *name.split()) if x)
    identifiers = tuple(
        str(x)
        for x in (
            getattr(contact, "exchange_uid", ""),
            getattr(contact, "email", ""),
            getattr(contact, "phone", ""),
        )
        if x
    )
    return names, identifiers


_RULES = """Rules:
- Use only facts stated in the sources. Do not add anything from general knowledge.
- If the sources do not answer the question, reply with exactly {no_answer} and nothing else.
- After every statement, cite the source it comes from by its number in square brackets, like [1] or [2].
- Write in {language}, plain text without Markdown, at most {words} words.
- Never ask for a password, seed phrase, recovery phrase, private key, 2FA or SMS code, or for remote access to a device. Never tell the customer to send funds anywhere.
- Do not write links, e-mail addresses or wallet addresses; kefu turns the citations into links.
- Do not promise refunds, times or account actions the sources do not state."""


def _sources_block(sources: list[Source]) -> str:
    return "\n\n".join(f"[{s.number}] {s.title}\n{s.text}" for s in sources)


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, LANGUAGE_NAMES.get(language.split("-")[0], "English"))


def bot_prompt(*, question: str, language: str, sources: list[Source]) -> list[dict[str, str]]:
    """Messages for the bot: answer the customer's question from the sources, or NO_ANSWER."""
    system = (
        "You are the support assistant of a cryptocurrency exchange, answering a customer in a "
        "chat. You answer only from the numbered help-center sources you are given.\n"
        + _RULES.format(no_answer=NO_ANSWER, language=language_name(language), words=120)
    )
    user = (
        f"Sources:\n\n{_sources_block(sources)}\n\n"
        f"Customer's language: {language_name(language)} ({language})\n"
        f"Customer's question:\n{question}"
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def draft_prompt(
    *, transcript: list[tuple[str, str]], language: str, sources: list[Source]
) -> list[dict[str, str]]:
    """Messages for an agent's draft: the next reply to the customer, from the sources only.

    `transcript` is (speaker, text) with speaker "Customer", "Agent" or "Bot", oldest first.
    """
    system = (
        "You draft the next reply of a support agent of a cryptocurrency exchange to a "
        "customer. The agent reads and edits your draft before sending it. You use only the "
        "numbered help-center sources you are given.\n"
        + _RULES.format(no_answer=NO_ANSWER, language=language_name(language), words=160)
    )
    lines = "\n".join(f"{who}: {text}" for who, text in transcript)
    user = (
        f"Sources:\n\n{_sources_block(sources)}\n\n"
        f"Customer's language: {language_name(language)} ({language})\n"
        f"Conversation so far (oldest first):\n{lines}\n\n"
        "Draft the agent's next reply to the customer."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


# --- what kefu accepts back -------------------------------------------------------------------

# Models writing CJK often use full-width brackets: 【1】, ［1］.
_CITE_RE = re.compile(r"[\[【［]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】］]")
# A bare domain copied from an article ("etherscan.io") is left to the outbound guard.
_LINK_RE = re.compile(r"://|www\.", re.I)


def grounded_parse(reply: str, sources: list[Source]) -> Grounded | None:
    """The model's reply checked against the sources it was given.

    None when it says the sources do not answer; raises Ungrounded when it answered anyway
    without them (no citation, a citation of a source it was not given, a link of its own).
    """
    text = reply.strip()
    if NO_ANSWER in text:
        return None
    if _LINK_RE.search(text):
        raise Ungrounded("link", "the answer carries a link of its own")
    numbers = [int(n) for m in _CITE_RE.finditer(text) for n in re.split(r"[,，、]", m.group(1))]
    if not numbers:
        raise Ungrounded("uncited", "the answer cites no source")
    by_number = {s.number: s for s in sources}
    unknown = sorted({n for n in numbers if n not in by_number})
    if unknown:
        raise Ungrounded("bad_citation", f"cites [{unknown[0]}], which it was not given")
    text = _CITE_RE.sub(
        lambda m: "[" + "][".join(re.split(r"\s*[,，、]\s*", m.group(1))) + "]", text
    )
    cited = [by_number[n] for n in sorted(set(numbers))]
    return Grounded(text=text, cited=cited)


def sources_lines(cited: list[Source]) -> str:
    """One line per cited source, numbered as in the text: "[2] Title: https://…"."""
    return "\n".join(f"[{s.number}] {s.title}: {s.url}" for s in cited)


def grounded_render(answer: Grounded, *, sources_label: str) -> str:
    """The answer with its cited sources listed under it as links."""
    return f"{answer.text}\n\n{sources_label}\n{sources_lines(answer.cited)}"
