"""The admin edits monitoring's rows; checks and alert sources are added with `tierdesk monitoring`
(which vets targets and prints the one-time secrets), so the admin does not add them."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Alert, AlertSource, Check, CheckResult, MaintenanceWindow, MonitoredAsset, SilenceRequest


class CheckInline(admin.TabularInline):
    model = Check
    extra = 0
    max_num = 0  # shown and edited here, added with the command
    fields = ("name", "kind", "target", "interval", "retries", "state", "is_active")
    readonly_fields = ("state",)
    show_change_link = True


@admin.register(MonitoredAsset)
class MonitoredAssetAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "customer__name")
    inlines = [CheckInline]


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ("name", "asset", "kind", "state", "last_checked_at", "is_active")

    def has_add_permission(self, request, obj=None):
        return False  # `tierdesk monitoring check-add`: it vets the target and makes the heartbeat secret

    list_filter = ("kind", "state", "is_active")
    readonly_fields = (
        "state",
        "failures",
        "state_changed_at",
        "last_checked_at",
        "last_ping_at",
        "last_message",
    )


@admin.register(CheckResult)
class CheckResultAdmin(admin.ModelAdmin):
    list_display = ("check_ref", "at", "ok", "duration_ms", "message")
    list_filter = ("ok",)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ("asset", "starts_at", "ends_at", "reason")


@admin.register(AlertSource)
class AlertSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "kind", "prefix", "is_active", "last_used_at")
    list_filter = ("kind", "is_active")
    readonly_fields = ("prefix", "last_used_at")
    actions = ["rotate_token"]

    def has_add_permission(self, request):
        return False  # `tierdesk monitoring source-add`: it prints the token, once

    @admin.action(description=gettext_lazy("Issue a new token (the old one stops working)"))
    def rotate_token(self, request, queryset):
        from .services import MonitoringError, alert_source_token_rotate

        for source in queryset:
            try:
                token = alert_source_token_rotate(source=source)
            except MonitoringError as exc:
                self.message_user(request, f"{source}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                _("New token for %(source)s (shown once): %(token)s") % {"source": source, "token": token},
            )


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "status", "started_at", "ticket", "acknowledged_at")
    list_filter = ("status",)
    search_fields = ("name", "fingerprint")
    raw_id_fields = ("ticket", "check_ref", "source")


@admin.register(SilenceRequest)
class SilenceRequestAdmin(admin.ModelAdmin):
    list_display = ("alert", "url", "state", "attempts", "sent_at")
    list_filter = ("state",)
