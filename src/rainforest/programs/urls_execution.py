"""Pages of execution to closure and of the organisation modes, in the ``programs``
namespace (``programs.urls`` adds these patterns to its own)."""

from django.urls import path

from rainforest.programs.views import execution, modes

urlpatterns = [
    # Running projects (全过程)
    path("projects/", execution.project_list, name="project_list"),
    path("projects/<int:project_id>/", execution.project_detail, name="project_detail"),
    path("projects/<int:project_id>/begin/", execution.project_begin, name="project_begin"),
    path(
        "projects/<int:project_id>/tranches/<int:order>/release/",
        execution.tranche_release,
        name="tranche_release",
    ),
    path(
        "projects/<int:project_id>/reports/<int:report_id>/",
        execution.report_submit,
        name="report_submit",
    ),
    path(
        "projects/<int:project_id>/reports/<int:report_id>/review/",
        execution.report_review,
        name="report_review",
    ),
    path("projects/<int:project_id>/changes/new/", execution.change_new, name="change_new"),
    path("changes/<int:change_id>/decide/", execution.change_decide, name="change_decide"),
    path("projects/<int:project_id>/midterm/", execution.midterm, name="midterm"),
    path(
        "projects/<int:project_id>/acceptance/request/",
        execution.acceptance_request,
        name="acceptance_request",
    ),
    path(
        "projects/<int:project_id>/acceptance/decide/",
        execution.acceptance_decide,
        name="acceptance_decide",
    ),
    path("projects/<int:project_id>/terminate/", execution.terminate, name="terminate"),
    # 揭榜挂帅: the public list, the bureau's pages, the teams' pages
    path("public/challenges/", modes.challenge_list, name="challenge_list"),
    path("public/challenges/<int:challenge_id>/", modes.challenge_detail, name="challenge_detail"),
    path("challenges/new/", modes.challenge_new, name="challenge_new"),
    path("challenges/<int:challenge_id>/manage/", modes.challenge_manage, name="challenge_manage"),
    path("challenges/<int:challenge_id>/act/", modes.challenge_act, name="challenge_act"),
    path(
        "challenges/<int:challenge_id>/take-up/", modes.challenge_take_up, name="challenge_take_up"
    ),
    path("challenge-teams/<int:team_id>/", modes.team_detail, name="team_detail"),
    path(
        "challenge-teams/<int:team_id>/gates/<int:gate_id>/report/",
        modes.gate_report,
        name="gate_report",
    ),
    # 配套资助 and 创新联合体
    path("national/", modes.national_list, name="national_list"),
    path("national/new/", modes.national_new, name="national_new"),
    path("consortia/", modes.consortium_list, name="consortium_list"),
    path("consortia/new/", modes.consortium_new, name="consortium_new"),
]
