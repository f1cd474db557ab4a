from django.contrib import admin

from kefu.core.models import AuditRecord, EventLogEntry


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "action",
        "object_type",
        "object_id",
        "actor_type",
        "actor_id",
        "reverted_at",
    )
    list_filter = ("action", "actor_type")
    search_fields = ("object_id", "actor_id")
    readonly_fields = [f.name for f in AuditRecord._meta.fields]

    def has_add_permission(self, request):  # the audit trail is written by actions only
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EventLogEntry)
class EventLogEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "stream", "seq", "type")
    list_filter = ("type",)
    search_fields = ("stream",)
    readonly_fields = [f.name for f in EventLogEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
