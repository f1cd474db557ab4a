from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "kefu.safety"
    label = "safety"
    verbose_name = "Safety and verification"
