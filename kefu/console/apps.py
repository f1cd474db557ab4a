from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "kefu.console"
    label = "console"
    verbose_name = "Agent console"

    def ready(self) -> None:
        from kefu.console import checks  # noqa: F401 - registers the system check
