from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_new, name="new"),
    path("categories/", views.category_list, name="categories"),
    path("<int:pk>/", views.article_detail, name="article"),
    path("<int:pk>/publish/", views.article_publish, name="publish"),
    path("<int:pk>/<str:language>/", views.version_edit, name="edit"),
]
