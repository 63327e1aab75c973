from django.urls import include, path

from rainforest.programs.views import applications, calls, proposals, public

app_name = "programs"
urlpatterns = [
    path("", include("rainforest.programs.urls_decision")),
    path("", include("rainforest.programs.urls_execution")),
    path("", include("rainforest.programs.urls_modes")),
    # Anyone, without signing in
    path("public/calls/", public.call_list, name="public_call_list"),
    path("public/calls/<int:call_id>/", public.call_detail, name="public_call_detail"),
    # Proposals (项目建议)
    path("windows/", proposals.window_list, name="window_list"),
    path("windows/new/", proposals.window_new, name="window_new"),
    path("windows/<int:window_id>/propose/", proposals.propose, name="propose"),
    path("proposals/", proposals.proposal_list, name="proposal_list"),
    path("proposals/<int:proposal_id>/", proposals.proposal_detail, name="proposal_detail"),
    # Guidelines for programme officers (申请指南)
    path("calls/", calls.call_admin_list, name="call_admin_list"),
    path("calls/new/", calls.call_new, name="call_new"),
    path("calls/<int:call_id>/", calls.call_admin_detail, name="call_admin_detail"),
    path("calls/<int:call_id>/publish/", calls.call_publish, name="call_publish"),
    path("calls/<int:call_id>/apply/", applications.application_start, name="application_start"),
    # Applications (项目申请)
    path("applications/", applications.application_list, name="application_list"),
    path(
        "applications/<int:application_id>/",
        applications.application_tasks,
        name="application_tasks",
    ),
    path(
        "applications/<int:application_id>/basic/",
        applications.application_basic,
        name="application_basic",
    ),
    path(
        "applications/<int:application_id>/team/",
        applications.application_team,
        name="application_team",
    ),
    path(
        "applications/<int:application_id>/consortium/",
        applications.application_consortium,
        name="application_consortium",
    ),
    path(
        "applications/<int:application_id>/budget/",
        applications.application_budget,
        name="application_budget",
    ),
    path(
        "applications/<int:application_id>/milestones/",
        applications.application_milestones,
        name="application_milestones",
    ),
    path(
        "applications/<int:application_id>/attachments/",
        applications.application_attachments,
        name="application_attachments",
    ),
    path(
        "applications/<int:application_id>/attachments/<int:attachment_id>/",
        applications.attachment_download,
        name="application_attachment",
    ),
    path(
        "applications/<int:application_id>/check/",
        applications.application_check,
        name="application_check",
    ),
    path(
        "applications/<int:application_id>/done/",
        applications.application_done,
        name="application_done",
    ),
    path(
        "applications/<int:application_id>/review/",
        applications.application_review,
        name="application_review",
    ),
]
