from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from tierdesk.api.api import api
from tierdesk.health import healthz

admin.site.site_header = "Tierdesk administration"
admin.site.site_title = "Tierdesk"

urlpatterns = [
    path("", include("tierdesk.console.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("portal/monitoring/", include("tierdesk.monitoring.portal_urls")),
    path("portal/", include("tierdesk.portal.urls")),
    path("monitoring/", include("tierdesk.monitoring.urls")),
    path("kb/", include("tierdesk.kb.urls")),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler404 = "tierdesk.errors.not_found"
handler403 = "tierdesk.errors.forbidden"
handler500 = "tierdesk.errors.server_error"
