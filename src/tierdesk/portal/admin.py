"""Portal accounts in the admin: invite contacts, and the documented way back in for a contact who
lost both their phone and their recovery codes (remove two-step verification, after checking who
they are by phone)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .auth import two_step_remove
from .models import PortalAccount, TwoStep
from .services import PortalError, portal_invite


@admin.register(PortalAccount)
class PortalAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "customer", "user", "sees_company_cases", "is_active")
    list_filter = ("customer__provider", "is_active", "sees_company_cases")
    search_fields = ("name", "email", "customer__name")
    fields = ("customer", "name", "email", "user", "sees_company_cases", "language", "timezone", "is_active")
    readonly_fields = ("customer", "name", "email", "user")
    actions = ["invite", "remove_two_step"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send a portal invitation (or a new link)"))
    def invite(self, request, queryset):
        for contact in queryset.select_related("customer__provider", "user"):
            try:
                portal_invite(contact=contact)
            except PortalError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _("Invitation written for %(email)s.") % {"email": contact.email})

    @admin.action(description=_("Remove two-step verification (after checking who they are)"))
    def remove_two_step(self, request, queryset):
        for contact in queryset.exclude(user=None).select_related("user"):
            if two_step_remove(user=contact.user):
                self.message_user(
                    request, _("Two-step verification removed for %(email)s.") % {"email": contact.email}
                )


@admin.register(TwoStep)
class TwoStepAdmin(admin.ModelAdmin):
    list_display = ("user", "confirmed_at")
    fields = ("user", "confirmed_at")
    readonly_fields = ("user", "confirmed_at")

    def has_add_permission(self, request):
        return False
