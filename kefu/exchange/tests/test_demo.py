from __future__ import annotations

import pytest

from kefu.conversations.models import Conversation

pytestmark = pytest.mark.django_db


def test_demo_world_is_one_customer_per_person_across_channels(demo):
    james = demo.contacts["james"]
    james.refresh_from_db()
    assert james.vip_tier == 7 and james.exchange_uid == "100077215"
    # his chat case and his in-app case (a verified UID from the app) belong to one contact
    channels = set(
        Conversation.objects.filter(contact=james).values_list("inbox__channel_type", flat=True)
    )
    assert channels == {"web_widget", "api"}


def test_demo_world_covers_every_status_and_several_languages(demo):
    statuses = set(Conversation.objects.values_list("status", flat=True))
    assert statuses == {"open", "pending", "snoozed", "resolved", "closed"}
    languages = set(Conversation.objects.values_list("language", flat=True))
    assert {"en", "zh-Hans", "zh-Hant", "es", "ja", "ru", "pt"} <= languages
