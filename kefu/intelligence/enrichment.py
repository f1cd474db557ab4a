"""Enrichment of every inbound message: language, sentiment, urgency, and a first topic.

`enrichment_compute` is called by `message_receive` (kefu/conversations/actions.py) once per
stored customer message, on the redacted body, under the conversation's row lock so that
the sticky language rule sees the language the previous message left. It is pure (no
database): the triage model is fetched by `enrichment_model` before the transaction. The
caller stores the result and emits it.

Cost: language id and sentiment are a fraction of a millisecond; the topic (a sentence
embedding plus the linear model) is only computed while a conversation has no topic yet
and is young, i.e. on its first messages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from kefu.intelligence.langid import conversation_language_decide, detect
from kefu.intelligence.selectors import triage_classifier_active, triage_predict
from kefu.intelligence.sentiment import analyze
from kefu.intelligence.triage import TopicClassifier

# A conversation without a topic keeps asking the classifier for this long after it opened
# ("hi" first, the actual question second); after that, agents set topics by hand.
TOPIC_WINDOW = timedelta(minutes=10)
# Letters (or CJK characters) of real content, greetings and jargon aside, before a message
# is worth classifying.
MIN_TOPIC_EVIDENCE = 3


@dataclass(frozen=True)
class Enrichment:
    message: dict[str, Any]  # stored as message.metadata["nlp"]; sent with message.created
    language: str  # the conversation's language after this message
    topic: str  # the conversation's topic after this message ("" = none yet)


def enrichment_model() -> TopicClassifier | None:
    """The triage model enrichment will use, fetched (at most one query every few seconds)
    before the caller takes any row lock; None when there is none or it cannot be read."""
    if not settings.ENRICHMENT_ENABLED:
        return None
    active = triage_classifier_active()
    return active[1] if active is not None else None


def enrichment_compute(
    *,
    body: str,
    classifier: TopicClassifier | None,
    conversation_language: str,
    conversation_topic: str,
    conversation_created_at: datetime,
    moment: datetime,
) -> Enrichment | None:
    if not settings.ENRICHMENT_ENABLED or not body.strip():
        return None
    started = time.perf_counter()
    detection = detect(body)
    sentiment = analyze(body)
    language = conversation_language_decide(conversation_language, detection)
    topic = conversation_topic
    prediction = None
    # "hi", "ok", an emoji or a TxID name no topic: skip the embedding and wait for the
    # customer's actual question (the window keeps it open).
    has_words = detection.language is not None and detection.evidence >= MIN_TOPIC_EVIDENCE
    if has_words and not conversation_topic and moment - conversation_created_at <= TOPIC_WINDOW:
        prediction = triage_predict(body, classifier=classifier)
        if prediction is not None and prediction.topic:
            topic = prediction.topic
    message = {
        "language": detection.language,
        "language_confidence": round(detection.confidence, 3),
        "mixed": list(detection.mixed),
        **sentiment.as_payload(),
        "topic": prediction.as_payload() if prediction is not None else None,
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }
    return Enrichment(message=message, language=language, topic=topic)


def enrichment_warm_up() -> None:
    """Load the language, sentiment and topic models and the sentence encoder now, and
    cache the encoder's pieces of the topic model's words.

    They load lazily (seconds on a busy machine, the encoder's table is 65 MB); a server calls
    this at start in a background thread so its first customers do not wait for it.
    """
    from django.db import close_old_connections

    from kefu.core.clock import now
    from kefu.intelligence.embeddings import pieces_warm

    try:
        classifier = enrichment_model()
        moment = now()
        for text in (
            "My withdrawal has been pending for three hours",
            "我的提现一直在处理中",
            "Mi retiro sigue pendiente desde ayer",
        ):
            enrichment_compute(
                body=text,
                classifier=classifier,
                conversation_language="",
                conversation_topic="",
                conversation_created_at=moment,
                moment=moment,
            )
        if classifier is not None:
            pieces_warm(classifier.common_words())
    finally:
        close_old_connections()
