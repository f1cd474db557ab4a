from django.apps import AppConfig


class BotConfig(AppConfig):
    name = "kefu.bot"
    label = "bot"
    verbose_name = "Support bot"

    def ready(self) -> None:
        from kefu.bot.actions import bot_on_event
        from kefu.core.events import event_subscribe

        # After commit, never inside the customer's transaction: the customer's message is
        # stored and acknowledged whatever the bot does.
        event_subscribe(bot_on_event, deferred=True, types={"message.created"})
