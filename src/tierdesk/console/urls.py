from django.urls import path

from . import views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="home"),
    path("customers/suggest/", views.customer_suggest, name="customer-suggest"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/sla/", views.ticket_sla, name="ticket-sla"),
    *(
        path(
            f"tickets/<str:number>/{action}/",
            views.ticket_action,
            {"action": action},
            name=f"ticket-{action}",
        )
        for action in views.ACTIONS
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications-read"),
]
