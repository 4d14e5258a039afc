from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "tierdesk.console"
    verbose_name = _("Agents' console")
