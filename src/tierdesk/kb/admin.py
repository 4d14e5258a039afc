from django.contrib import admin

from .models import Article, ArticleVersion, Category, Deflection


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "provider", "position")
    list_filter = ("provider",)


class VersionInline(admin.StackedInline):
    model = ArticleVersion
    extra = 0
    readonly_fields = ("title", "language", "body", "updated_at", "updated_by")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Versions are written through the KB pages, which keep the search index in step.
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "provider", "visibility", "updated_at")
    list_filter = ("provider", "visibility")
    inlines = [VersionInline]
    readonly_fields = ("created_at", "updated_at", "published_at", "source_ticket", "created_by")


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):
    list_display = ("article", "customer", "subject", "created_at")
    list_filter = ("provider",)
    readonly_fields = [f.name for f in Deflection._meta.fields]

    def has_add_permission(self, request):
        return False
