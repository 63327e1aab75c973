"""Pages of 业主制 (owner-run plans) and 项目经理人制 (portfolios and stage gates), in the
``programs`` namespace (``programs.urls`` adds these patterns to its own)."""

from django.urls import path

from rainforest.programs.views import execution, owner, portfolio

urlpatterns = [
    # 业主制: the owner drafts, submits and manages; the bureau approves and audits
    path("owner-plans/", owner.owner_plan_list, name="owner_plan_list"),
    path("owner-plans/new/", owner.owner_plan_new, name="owner_plan_new"),
    path("owner-plans/<int:plan_id>/", owner.owner_plan_detail, name="owner_plan_detail"),
    path("owner-plans/<int:plan_id>/edit/", owner.owner_plan_edit, name="owner_plan_edit"),
    path("owner-plans/<int:plan_id>/submit/", owner.owner_plan_submit, name="owner_plan_submit"),
    path("owner-plans/<int:plan_id>/act/", owner.owner_plan_act, name="owner_plan_act"),
    path(
        "owner-plans/<int:plan_id>/subprojects/new/",
        owner.subproject_new,
        name="subproject_new",
    ),
    # 项目经理人制: portfolios, their stage gates, the undertaker's request
    path("portfolios/", portfolio.portfolio_list, name="portfolio_list"),
    path("portfolios/new/", portfolio.portfolio_new, name="portfolio_new"),
    path("portfolios/<int:portfolio_id>/", portfolio.portfolio_detail, name="portfolio_detail"),
    path(
        "portfolios/<int:portfolio_id>/projects/",
        portfolio.portfolio_add_project,
        name="portfolio_add_project",
    ),
    path(
        "portfolios/<int:portfolio_id>/gates/<int:gate_id>/decide/",
        portfolio.stage_gate_decide,
        name="stage_gate_decide",
    ),
    path(
        "projects/<int:project_id>/stage-gate/",
        execution.stage_gate_request,
        name="stage_gate_request",
    ),
]
