from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tierdesk.tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # Register the Huey tasks with the consumer (djhuey only autodiscovers "tasks" modules).
        from tierdesk import jobs  # noqa: F401
