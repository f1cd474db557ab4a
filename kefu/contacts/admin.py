from django.contrib import admin

from kefu.contacts.models import Contact, ContactEmail, Identity


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "email",
        "exchange_uid",
        "vip_tier",
        "kyc_level",
        "country",
        "created_at",
    )
    list_filter = ("vip_tier", "kyc_level")
    search_fields = ("name", "email", "exchange_uid", "phone")
    inlines = [ContactEmailInline, IdentityInline]
    readonly_fields = ("merged_into",)


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ("external_id", "inbox", "contact", "verified")
    search_fields = ("external_id",)
    raw_id_fields = ("contact",)
