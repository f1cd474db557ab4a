from django.contrib import admin

from kefu.inboxes.models import Inbox


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = ("name", "channel_type", "enabled")
    list_filter = ("channel_type", "enabled")
    filter_horizontal = ("teams",)
    readonly_fields = ("secret",)
