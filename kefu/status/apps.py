from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "kefu.status"
    label = "status"
    verbose_name = "Status and announcements"
