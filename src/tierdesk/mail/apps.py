from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "tierdesk.mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tierdesk.catalog.models import ChannelAccess, Plan, Price, Provider, SlaTarget

        from .outbound import caches_clear

        for model in (Provider, Plan, SlaTarget, ChannelAccess, Price):
            post_save.connect(caches_clear, sender=model, dispatch_uid=f"mail-cache-{model.__name__}")
            post_delete.connect(caches_clear, sender=model, dispatch_uid=f"mail-cache-del-{model.__name__}")
