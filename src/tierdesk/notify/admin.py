from django.contrib import admin

from .models import Notification, OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "state", "attempts", "send_after", "sent_at")
    list_filter = ("state",)
    search_fields = ("subject", "message_id", "to")
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("text", "user", "kind", "created_at", "read_at")
    list_filter = ("kind",)
