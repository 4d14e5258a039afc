from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import ImapFolderState, InboundMessage, MailParticipant


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Every message received, and what became of it; failed ones can be processed again."""

    list_display = ("received_at", "state", "outcome", "from_address", "subject", "ticket", "short_error")
    list_filter = ("state", "outcome", "source")
    search_fields = ("from_address", "subject", "message_id", "ticket__number")
    list_select_related = ("ticket",)
    actions = ["process_again"]
    exclude = ("raw",)
    readonly_fields = [f.name for f in InboundMessage._meta.fields if f.name != "raw"] + ["raw_text"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return obj.error.splitlines()[0][:100] if obj.error else ""

    @admin.display(description=_("raw message (start)"))
    def raw_text(self, obj):
        # Shown escaped, as text: the raw bytes are attacker input.
        return bytes(InboundMessage.objects.values_list("raw", flat=True).get(pk=obj.pk))[:20000].decode(
            "utf-8", "replace"
        )

    @admin.action(description=_("Process the selected messages again"))
    def process_again(self, request, queryset):
        from .services import inbound_retry

        rows = inbound_retry(ids=list(queryset.values_list("pk", flat=True)))
        failed = sum(r.state == InboundMessage.State.FAILED for r in rows)
        self.message_user(
            request,
            _("%(n)d processed again, %(failed)d still failing.") % {"n": len(rows), "failed": failed},
            messages.WARNING if failed else messages.SUCCESS,
        )


@admin.register(ImapFolderState)
class ImapFolderStateAdmin(admin.ModelAdmin):
    list_display = ("mailbox", "polled_at", "last_uid", "error_at", "error")
    readonly_fields = ("mailbox", "uidvalidity", "last_uid", "polled_at", "error", "error_at")

    def has_add_permission(self, request):
        return False


@admin.register(MailParticipant)
class MailParticipantAdmin(admin.ModelAdmin):
    list_display = ("ticket", "address", "contact", "added_at")
    search_fields = ("address", "ticket__number")
    raw_id_fields = ("ticket", "contact")
