from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "kefu.exchange"
    label = "exchange"
    verbose_name = "Exchange connector"
