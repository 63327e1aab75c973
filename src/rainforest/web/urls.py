from django.urls import path

from rainforest.cases.attachments import attachment_download
from rainforest.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.tasks, name="tasks"),
    path("services/", views.services, name="services"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/act/", views.case_act, name="case_act"),
    path(
        "cases/attachments/<int:attachment_id>/",
        attachment_download,
        name="attachment_download",
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
]
