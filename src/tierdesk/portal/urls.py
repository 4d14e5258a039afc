from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.case_list, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("password/reset/", views.reset_request, name="reset"),
    path("password/reset/done/", views.reset_done, name="reset-done"),
    path("password/reset/<uidb64>/<token>/", views.ResetConfirmView.as_view(), name="reset-confirm"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/new/promise/", views.case_promise, name="case-promise"),
    path("cases/new/suggestions/", views.case_suggest, name="case-suggest"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reply/", views.case_reply, name="case-reply"),
    path("cases/<str:number>/confirm/", views.case_confirm, name="case-confirm"),
    path("cases/<str:number>/reopen/", views.case_reopen, name="case-reopen"),
    path("cases/<str:number>/files/<int:pk>/", views.attachment, name="attachment"),
    path("kb/", views.kb_index, name="kb"),
    path("kb/<int:pk>/", views.kb_article, name="kb-article"),
    path("kb/<int:pk>/solved/", views.kb_solved, name="kb-solved"),
    path("account/", views.account, name="account"),
    path("account/password/", views.account_password, name="account-password"),
    path("account/two-step/", views.two_step, name="two-step"),
    path("account/two-step/off/", views.two_step_disable, name="two-step-off"),
]
