from django.contrib import admin

from .models import Contact, Contract, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "email", "phone", "role", "language", "sees_company_cases", "is_active")


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ("plan", "reference", "starts_on", "ends_on", "units")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "provider", "language", "is_active")
    list_filter = ("provider", "is_active")
    search_fields = ("name", "slug")
    inlines = [ContactInline, ContractInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "customer", "role", "is_active")
    list_filter = ("customer__provider", "role")
    search_fields = ("name", "email", "customer__name")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer", "user")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("customer", "plan", "reference", "starts_on", "ends_on")
    list_filter = ("plan__provider", "plan")
    search_fields = ("customer__name", "reference")
    list_select_related = ("customer", "plan__provider")
    autocomplete_fields = ("customer", "plan")
