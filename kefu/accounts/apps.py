from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kefu.accounts"
    label = "accounts"
    verbose_name = "Agents and teams"

    def ready(self) -> None:
        from kefu.accounts.models import TwoFactor
        from kefu.safety.crypto import sealed_column, secret_store_register

        secret_store_register("2FA seeds", sealed_column(TwoFactor, "secret"))
