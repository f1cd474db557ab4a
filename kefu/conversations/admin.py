from django.contrib import admin

from kefu.conversations.models import Attachment, Conversation, Message, Tag


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = (
        "created_at",
        "direction",
        "private",
        "author_agent",
        "author_contact",
        "body",
        "delivery_status",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    # Status, assignment and messages change through actions (console/API) so events fire;
    # the admin shows them read-only.
    list_display = (
        "number",
        "subject",
        "inbox",
        "contact",
        "status",
        "priority",
        "assignee",
        "last_activity_at",
    )
    list_filter = ("status", "priority", "inbox")
    search_fields = ("=number", "subject", "contact__name", "contact__email")
    readonly_fields = [f.name for f in Conversation._meta.fields] + ["tags"]
    inlines = [MessageInline]

    def has_add_permission(self, request):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "conversation", "direction", "private", "delivery_status")
    list_filter = ("direction", "private", "delivery_status")
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("filename", "content_type", "size", "message", "created_at")
    readonly_fields = [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
