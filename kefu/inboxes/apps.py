from django.apps import AppConfig


class InboxesConfig(AppConfig):
    name = "kefu.inboxes"
    label = "inboxes"
    verbose_name = "Inboxes"
