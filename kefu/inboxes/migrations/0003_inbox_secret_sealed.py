# The inbox HMAC key (widget user_hash, signed API calls) was stored in clear: encrypt it at
# rest with kefu.safety.crypto. The column is renamed so a reader left on the old clear field
# fails loudly instead of signing with ciphertext.

import kefu.inboxes.models
from django.db import migrations, models


def seal(apps, schema_editor):
    from kefu.safety.crypto import PREFIX, secret_encrypt

    Inbox = apps.get_model("inboxes", "Inbox")
    for pk, value in Inbox.objects.values_list("pk", "secret_sealed"):
        if value and not value.startswith(PREFIX):
            Inbox.objects.filter(pk=pk).update(secret_sealed=secret_encrypt(value))


def unseal(apps, schema_editor):
    from kefu.safety.crypto import PREFIX, secret_decrypt

    Inbox = apps.get_model("inboxes", "Inbox")
    for pk, value in Inbox.objects.values_list("pk", "secret_sealed"):
        if value.startswith(PREFIX):
            Inbox.objects.filter(pk=pk).update(secret_sealed=secret_decrypt(value))


class Migration(migrations.Migration):
    dependencies = [
        ("inboxes", "0002_email_transport"),
    ]

    operations = [
        # A sealed 64-character key is about 190 characters: past the old varchar(128).
        migrations.AlterField(
            model_name="inbox",
            name="secret",
            field=models.TextField(default=kefu.inboxes.models._inbox_secret),
        ),
        migrations.RenameField(model_name="inbox", old_name="secret", new_name="secret_sealed"),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.AlterField(
            model_name="inbox",
            name="secret_sealed",
            field=models.TextField(
                default=kefu.inboxes.models._inbox_secret_sealed, editable=False
            ),
        ),
    ]
