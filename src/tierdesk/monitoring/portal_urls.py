from django.urls import path

from . import views

app_name = "portal-monitoring"
urlpatterns = [
    path("", views.portal_board, name="board"),
    path("alerts/<int:pk>/", views.portal_alert, name="alert"),
    path("alerts/<int:pk>/acknowledge/", views.portal_alert_acknowledge, name="alert-acknowledge"),
]
