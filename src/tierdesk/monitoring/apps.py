from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tierdesk.monitoring"
    verbose_name = _("Infrastructure monitoring")

    def ready(self) -> None:
        from .models import AlertSource
        from .services import email_senders_clear

        post_save.connect(email_senders_clear, sender=AlertSource, dispatch_uid="monitoring-senders-save")
        post_delete.connect(email_senders_clear, sender=AlertSource, dispatch_uid="monitoring-senders-delete")
