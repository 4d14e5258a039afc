from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "tierdesk.catalog"
    verbose_name = _("Catalog: plans, calendars and SLA targets")
