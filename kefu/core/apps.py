from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kefu.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from kefu.core import db

        db.install_sqlite_tuning()
