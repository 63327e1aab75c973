"""URLs of stages 6-9 (included from programs/urls.py, so names are ``programs:...``)."""

from django.urls import path

from rainforest.programs.views import contract, decision, notice

urlpatterns = [
    # Anyone, without signing in: the public notice and the objection form (社会公示)
    path("public/notices/", notice.notice_list, name="public_notice_list"),
    path("public/notices/<int:notice_id>/", notice.notice_detail, name="public_notice_detail"),
    path(
        "public/notices/<int:notice_id>/object/", notice.notice_object, name="public_notice_object"
    ),
    # Programme officers: scores, ranking, the notice, approval
    path("decision/calls/<int:call_id>/", decision.call_decision, name="decision_call"),
    path("decision/calls/<int:call_id>/rank/", decision.ranking_draw, name="decision_rank"),
    path("decision/calls/<int:call_id>/adjust/", decision.ranking_adjust, name="decision_adjust"),
    path("decision/calls/<int:call_id>/publish/", decision.notice_publish, name="decision_publish"),
    path(
        "decision/applications/<int:application_id>/scores/",
        decision.application_scores,
        name="decision_scores",
    ),
    path(
        "decision/applications/<int:application_id>/approve/",
        decision.application_approve,
        name="decision_approve",
    ),
    path("decision/notices/<int:notice_id>/", decision.notice_manage, name="decision_notice"),
    path("decision/notices/<int:notice_id>/close/", decision.notice_close, name="decision_close"),
    path(
        "decision/objections/<int:objection_id>/settle/",
        decision.objection_settle,
        name="decision_settle",
    ),
    # The approved project and its task contract (staff and the undertaker)
    path("contracts/<int:project_id>/", contract.project_detail, name="contract_detail"),
    path(
        "contracts/<int:project_id>/generate/",
        contract.contract_generate,
        name="contract_generate",
    ),
    path("contracts/<int:project_id>/sign/", contract.contract_sign, name="contract_sign"),
    path("contracts/<int:project_id>/contract.pdf", contract.contract_pdf, name="contract_pdf"),
]
