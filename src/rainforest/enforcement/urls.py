from django.urls import path

from rainforest.enforcement import views

app_name = "enforcement"
urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/controls/", views.request_controls, name="request_controls"),
    path("requests/<int:request_id>/documents/", views.request_document, name="request_document"),
    path(
        "requests/<int:request_id>/documents/<int:attachment_id>/",
        views.document_download,
        name="document_download",
    ),
    path("requests/<int:request_id>/act/", views.request_act, name="request_act"),
    path("reports/monthly/", views.report_monthly, name="report_monthly"),
]
