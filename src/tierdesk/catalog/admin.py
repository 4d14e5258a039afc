"""The admin edits the same rows a catalog file loads (DESIGN.md, principle 7).

An edit to a calendar, a plan or a provider's scale changes due times: after it commits, the
provider's open tickets have their clocks recomputed by the job queue.
"""

from django.contrib import admin
from django.db import transaction

from .models import (
    Calendar,
    CalendarDay,
    ChannelAccess,
    Impact,
    Plan,
    PlanFeature,
    Price,
    Provider,
    Severity,
    SeverityRule,
    SlaTarget,
    Urgency,
    Vendor,
)


class RecomputesClocks(admin.ModelAdmin):
    def provider_id_of(self, obj) -> int:
        return obj.provider_id if hasattr(obj, "provider_id") else obj.pk

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        provider_id = self.provider_id_of(form.instance)

        def recompute() -> None:
            from tierdesk.jobs import clocks_recompute_provider

            clocks_recompute_provider(provider_id)

        transaction.on_commit(recompute)


class SeverityInline(admin.TabularInline):
    model = Severity
    extra = 0


class ImpactInline(admin.TabularInline):
    model = Impact
    extra = 0


class UrgencyInline(admin.TabularInline):
    model = Urgency
    extra = 0


class VendorInline(admin.TabularInline):
    model = Vendor
    extra = 0


@admin.register(Provider)
class ProviderAdmin(RecomputesClocks):
    list_display = ("name", "slug", "timezone", "language", "case_prefix")
    search_fields = ("name", "slug")
    inlines = [SeverityInline, ImpactInline, UrgencyInline, VendorInline]


@admin.register(SeverityRule)
class SeverityRuleAdmin(admin.ModelAdmin):
    list_display = ("provider", "impact", "urgency", "severity")
    list_filter = ("provider",)


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(RecomputesClocks):
    list_display = ("__str__", "name", "timezone", "holiday_country", "holiday_subdiv", "day_length")
    list_filter = ("provider",)
    inlines = [CalendarDayInline]


class PlanFeatureInline(admin.TabularInline):
    model = PlanFeature
    extra = 0


class ChannelAccessInline(admin.TabularInline):
    model = ChannelAccess
    extra = 0


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0


@admin.register(Plan)
class PlanAdmin(RecomputesClocks):
    list_display = ("name", "provider", "slug", "rank", "calendar", "adhoc")
    list_filter = ("provider",)
    search_fields = ("name", "slug", "provider__name")
    inlines = [PlanFeatureInline, ChannelAccessInline, SlaTargetInline, PriceInline]
