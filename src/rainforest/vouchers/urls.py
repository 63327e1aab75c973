from django.urls import path

from rainforest.vouchers import views

app_name = "vouchers"
urlpatterns = [
    path("", views.home, name="home"),
    # enterprise
    path("apply/", views.apply, name="apply"),
    path("apply/check/", views.apply_check, name="apply_check"),
    path("applications/<int:application_id>/done/", views.apply_done, name="apply_done"),
    path("mine/", views.mine, name="mine"),
    path(
        "redemptions/<int:redemption_id>/confirm/",
        views.redemption_confirm,
        name="redemption_confirm",
    ),
    path(
        "redemptions/<int:redemption_id>/dispute/",
        views.redemption_dispute,
        name="redemption_dispute",
    ),
    # provider
    path("provider/", views.provider_home, name="provider_home"),
    path("provider/register/", views.provider_register, name="provider_register"),
    path("provider/redeem/", views.redeem, name="redeem"),
    path(
        "provider/redemptions/<int:redemption_id>/", views.redemption_done, name="redemption_done"
    ),
    # staff
    path("staff/", views.staff_home, name="staff_home"),
    path(
        "staff/providers/<int:provider_id>/suspend/",
        views.staff_provider_suspend,
        name="staff_provider_suspend",
    ),
    path("staff/expire-due/", views.staff_expire_due, name="staff_expire_due"),
    path("staff/settlements/", views.staff_settlements, name="staff_settlements"),
    path(
        "staff/settlements/<int:settlement_id>/paid/",
        views.staff_settlement_paid,
        name="staff_settlement_paid",
    ),
    path(
        "settlements/<int:settlement_id>/list.xlsx",
        views.settlement_download,
        name="settlement_download",
    ),
    path("staff/oversight/", views.oversight, name="oversight"),
    path("staff/report/<int:year>/", views.year_report, name="year_report"),
    # anyone, no sign-in
    path("public/figures/", views.public_figures, name="public_figures"),
]
