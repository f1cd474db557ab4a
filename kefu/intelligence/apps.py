from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "kefu.intelligence"
    label = "intelligence"
    verbose_name = "Intelligence"
