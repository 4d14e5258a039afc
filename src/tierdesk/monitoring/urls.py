from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.board, name="board"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("hooks/alertmanager/", views.alertmanager_webhook, name="hook-alertmanager"),
    path("hooks/generic/", views.generic_webhook, name="hook-generic"),
    path("heartbeat/<str:secret>", views.heartbeat, name="heartbeat"),
    path("heartbeat/<str:secret>/", views.heartbeat),
]
