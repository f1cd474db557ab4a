from django.conf import settings
from django.db import migrations


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite numbers conversations from the counter table
    Conversation = apps.get_model("conversations", "Conversation")
    highest = Conversation.objects.order_by("-number").values_list("number", flat=True).first() or 0
    Counter = apps.get_model("core", "Counter")
    counted = Counter.objects.filter(key="conversation_number").values_list("value", flat=True).first() or 0
    last = max(settings.CONVERSATION_NUMBER_START - 1, highest, counted)
    with schema_editor.connection.cursor() as cur:
        cur.execute("CREATE SEQUENCE IF NOT EXISTS kefu_seq_conversation_number")
        if last >= 1:
            cur.execute("SELECT setval('kefu_seq_conversation_number', %s, true)", [last])


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS kefu_seq_conversation_number")


class Migration(migrations.Migration):
    dependencies = [("conversations", "0002_list_indexes"), ("core", "0001_initial")]
    operations = [migrations.RunPython(create_sequence, drop_sequence)]
