from django.contrib import admin

from .models import Ticket, TicketEvent


class TicketEventInline(admin.TabularInline):
    """History is append-only: shown, never edited here."""

    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor_user", "actor_contact", "public", "body", "data")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change through the console and the services, which keep the history."""

    list_display = ("number", "subject", "customer", "plan", "severity", "status", "opened_at")
    list_filter = ("provider", "status", "type", "channel")
    search_fields = ("number", "subject", "customer__name")
    list_select_related = ("customer", "plan__provider", "severity")
    inlines = [TicketEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
