from django.urls import path

from rainforest.portrait import views

app_name = "portrait"
urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("consents/", views.consents, name="consents"),
    path("consents/<int:consent_id>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("reads/", views.reads, name="reads"),
    path("bank/", views.bank, name="bank"),
    path("view/<str:uscc>/", views.view, name="view"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("links/", views.links, name="links"),
    path("runs/", views.runs_page, name="runs"),
]
