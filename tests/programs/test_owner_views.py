"""业主制 pages: the owner drafts, submits and manages its sub-projects; the bureau
approves and audits; another enterprise never sees the plan or its sub-projects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.programs.models import OwnerPlan, OwnerSubProject, SubProjectStatus
from rainforest.programs.services import modes_owner as mo
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SECRET_TITLE = "新型显示产业链攻关（保密）"
SECRET_SUB = "量子点材料子课题（保密）"


def _approved_plan(applicant: Any, lab: Any, officer: Any, budget: str = "5000000") -> Any:
    plan = mo.owner_plan_create(
        actor=applicant,
        owner=lab,
        title=SECRET_TITLE,
        plan="三个子课题，公开遴选承担单位。",
        budget_total=Decimal(budget),
    )
    return mo.owner_plan_decide(actor=officer, plan=plan, approve=True)


def _page(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.content.decode()


# --- the owner drafts and submits ----------------------------------------------------


def test_owner_drafts_then_submits_and_staff_see_it_only_once_submitted(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    sign_in(client, applicant)
    saved = client.post(
        "/programs/owner-plans/new/",
        {"title": SECRET_TITLE, "plan": "", "budget_total": "500万"},
        follow=True,
    )
    plan = OwnerPlan.objects.get()
    sign_in(client, officer)
    draft_seen_by_staff = client.get(f"/programs/owner-plans/{plan.pk}/").status_code
    staff_list_while_draft = client.get("/programs/owner-plans/").content.decode()
    sign_in(client, applicant)
    client.post(
        f"/programs/owner-plans/{plan.pk}/edit/",
        {"title": SECRET_TITLE, "plan": "三个子课题。", "budget_total": "5,000,000"},
    )
    client.post(f"/programs/owner-plans/{plan.pk}/submit/")
    plan.refresh_from_db()
    sign_in(client, officer)
    status, page = _page(client, f"/programs/owner-plans/{plan.pk}/")

    assert "实施方案草稿已保存" in saved.content.decode()
    assert draft_seen_by_staff == 404
    assert SECRET_TITLE not in staff_list_while_draft
    assert (plan.case.stage, plan.budget_total, plan.plan) == (
        "plan_review",
        Decimal("5000000.00"),
        "三个子课题。",
    )
    assert status == 200
    assert 'value="approve_plan"' in page


def test_submitting_an_incomplete_draft_names_what_is_missing_and_opens_no_case(
    client: Client, applicant: Any, lab: Any
) -> None:
    draft = mo.owner_plan_save(
        actor=applicant, owner=lab, title="方案", plan="内容", budget_total=None
    )
    sign_in(client, applicant)

    response = client.post(f"/programs/owner-plans/{draft.pk}/submit/")

    page = response.content.decode()
    draft.refresh_from_db()
    assert response.status_code == 422
    assert "<title>错误：" in page
    assert 'href="#budget_total"' in page
    assert "请填写财政资金总额" in page
    assert draft.case is None


def test_draft_form_keeps_what_was_typed_when_the_amount_is_wrong(
    client: Client, applicant: Any
) -> None:
    sign_in(client, applicant)

    response = client.post(
        "/programs/owner-plans/new/",
        {"title": "方案甲", "plan": "内容乙", "budget_total": "很多"},
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert 'href="#budget_total"' in page
    assert 'value="方案甲"' in page
    assert "内容乙" in page
    assert OwnerPlan.objects.count() == 0


def test_a_submitted_plan_can_no_longer_be_edited(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    plan = _approved_plan(applicant, lab, officer)
    sign_in(client, applicant)

    response = client.post(f"/programs/owner-plans/{plan.pk}/edit/", {"title": "改", "plan": "改"})

    plan.refresh_from_db()
    assert response.status_code == 404
    assert plan.title == SECRET_TITLE


# --- the bureau approves; the owner manages its sub-projects --------------------------


def test_officer_approves_the_plan_from_its_page(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    plan = mo.owner_plan_create(
        actor=applicant, owner=lab, title="方案", plan="内容", budget_total=Decimal("100")
    )
    sign_in(client, officer)

    client.post(f"/programs/owner-plans/{plan.pk}/act/", {"action": "approve_plan"})

    plan.case.refresh_from_db()
    assert plan.case.stage == "owner_managing"


def test_rejecting_a_plan_without_reasons_is_refused_on_the_page(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    plan = mo.owner_plan_create(
        actor=applicant, owner=lab, title="方案", plan="内容", budget_total=Decimal("100")
    )
    sign_in(client, officer)

    response = client.post(f"/programs/owner-plans/{plan.pk}/act/", {"action": "reject_plan"})

    plan.case.refresh_from_db()
    assert response.status_code == 422
    assert 'href="#reason"' in response.content.decode()
    assert plan.case.stage == "plan_review"


def test_owner_adds_and_decides_subprojects_with_reasons_within_the_budget(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    plan = _approved_plan(applicant, lab, officer, budget="5000000")
    sign_in(client, applicant)
    for title, amount in (("材料", "300万"), ("工艺", "2,000,000.01"), ("装备", "100万")):
        client.post(
            f"/programs/owner-plans/{plan.pk}/subprojects/new/",
            {"title": title, "undertaker": "深圳某大学", "amount": amount},
        )
    materials, process, kit = OwnerSubProject.objects.order_by("id")
    act = f"/programs/owner-plans/{plan.pk}/act/"

    client.post(
        act,
        {"action": "approve_subproject", "subproject": materials.pk, "reason": "方案成熟"},
    )
    over = client.post(act, {"action": "approve_subproject", "subproject": process.pk})
    client.post(
        act,
        {"action": "reject_subproject", "subproject": process.pk, "reason": "经费超出方案"},
    )
    client.post(act, {"action": "approve_subproject", "subproject": kit.pk})
    client.post(act, {"action": "submit_for_audit"})

    statuses = list(OwnerSubProject.objects.order_by("id").values_list("status", "reason"))
    plan.case.refresh_from_db()
    assert over.status_code == 409
    assert f'href="#reason-{process.pk}"' in over.content.decode()
    assert statuses == [
        (SubProjectStatus.APPROVED, "方案成熟"),
        (SubProjectStatus.REJECTED, "经费超出方案"),
        (SubProjectStatus.APPROVED, ""),
    ]
    assert plan.case.stage == "audit"


def test_auditor_sees_every_subproject_and_its_decision_then_passes_the_audit(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    plan = _approved_plan(applicant, lab, officer)
    sub = mo.subproject_add(
        actor=applicant, plan=plan, title=SECRET_SUB, undertaker="甲公司", amount=Decimal("1000")
    )
    mo.subproject_decide(actor=applicant, subproject=sub, approve=True, reason="专家论证通过")
    mo.owner_submit_audit(actor=applicant, plan=plan)
    sign_in(client, officer)

    status, page = _page(client, f"/programs/owner-plans/{plan.pk}/")
    client.post(f"/programs/owner-plans/{plan.pk}/act/", {"action": "pass_audit"})

    plan.case.refresh_from_db()
    assert status == 200
    assert SECRET_SUB in page
    assert "专家论证通过" in page
    assert "子课题经费" in page  # the within-budget decision's reason
    assert 'value="pass_audit"' in page
    assert 'value="approve_subproject"' not in page  # the bureau does not review them
    assert plan.case.stage == "audited"


def test_the_bureau_cannot_decide_an_owners_subproject_from_the_page(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    plan = _approved_plan(applicant, lab, officer)
    sub = mo.subproject_add(
        actor=applicant, plan=plan, title="子课题", undertaker="甲", amount=Decimal("10")
    )
    sign_in(client, officer)

    response = client.post(
        f"/programs/owner-plans/{plan.pk}/act/",
        {"action": "approve_subproject", "subproject": sub.pk},
    )

    sub.refresh_from_db()
    assert response.status_code == 403
    assert sub.status == SubProjectStatus.PROPOSED


# --- nobody else sees it --------------------------------------------------------------


def test_another_enterprise_never_sees_the_plan_or_its_subprojects(
    client: Client, applicant: Any, rival_applicant: Any, lab: Any, officer: Any
) -> None:
    plan = _approved_plan(applicant, lab, officer)
    sub = mo.subproject_add(
        actor=applicant, plan=plan, title=SECRET_SUB, undertaker="甲", amount=Decimal("10")
    )
    draft = mo.owner_plan_save(
        actor=applicant, owner=lab, title="草稿（保密）", plan="", budget_total=None
    )
    sign_in(client, rival_applicant)

    pages = [
        client.get(f"/programs/owner-plans/{plan.pk}/").status_code,
        client.get(f"/programs/owner-plans/{draft.pk}/").status_code,
        client.get(f"/programs/owner-plans/{plan.pk}/subprojects/new/").status_code,
        client.post(
            f"/programs/owner-plans/{plan.pk}/act/",
            {"action": "approve_subproject", "subproject": sub.pk},
        ).status_code,
        client.post(f"/programs/owner-plans/{draft.pk}/submit/").status_code,
        client.get(f"/programs/owner-plans/{draft.pk}/edit/").status_code,
    ]
    listing = client.get("/programs/owner-plans/").content.decode()
    api_list = client.get("/api/v1/programs/owner-plans").json()
    api_detail = client.get(f"/api/v1/programs/owner-plans/{plan.pk}")
    sub.refresh_from_db()
    draft.refresh_from_db()

    assert pages == [404, 404, 404, 404, 404, 404]
    assert SECRET_TITLE not in listing
    assert SECRET_SUB not in listing
    assert api_list == []
    assert api_detail.status_code == 404
    assert (sub.status, draft.case) == (SubProjectStatus.PROPOSED, None)


def test_owner_sees_its_own_plans_in_the_api_drafts_included(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    plan = _approved_plan(applicant, lab, officer)
    draft = mo.owner_plan_save(actor=applicant, owner=lab, title="草稿", plan="", budget_total=None)
    sign_in(client, applicant)
    mine = client.get("/api/v1/programs/owner-plans").json()
    sign_in(client, officer)
    staff = client.get("/api/v1/programs/owner-plans").json()

    assert [(p["id"], p["stage"]) for p in mine] == [
        (draft.pk, "draft"),
        (plan.pk, "owner_managing"),
    ]
    assert [p["id"] for p in staff] == [plan.pk]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_owner_plan_list_queries_do_not_grow(
    client: Client, applicant: Any, lab: Any, officer: Any
) -> None:
    sign_in(client, officer)

    def plan_with_subproject(n: int) -> None:
        plan = _approved_plan(applicant, lab, officer)
        mo.subproject_add(
            actor=applicant, plan=plan, title=f"子{n}", undertaker="甲", amount=Decimal("10")
        )

    plan_with_subproject(1)
    one = _queries(client, "/programs/owner-plans/")
    plan_with_subproject(2)
    plan_with_subproject(3)

    assert _queries(client, "/programs/owner-plans/") == one
