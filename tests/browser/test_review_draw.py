"""Expert review in a real browser: staff draw, an expert recuses and is replaced, experts
score, the ranking appears and is handed to the programme's decision stage (the
applications move to 排序及资助决策)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from rainforest.review import services
from rainforest.review.models import Assignment, Draw
from tests.factories import PASSWORD
from tests.review.conftest import make_application, make_call, make_experts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")


def _summary(page: Any, term: str) -> str:
    return str(page.locator(f"dt:text-is('{term}') + dd").first.inner_text())


def test_review_journey_draw_recuse_replace_score_rank(new_page: Any, officer: Any) -> None:
    # Arrange: a call with three applications in expert review and eight experts.
    call = make_call(officer)
    apps = [make_application(call, officer, n=n)[0] for n in range(1, 4)]
    experts, _ = make_experts(8)
    totp = pyotp.TOTP(officer.totp_secret)

    # Staff publish the commitment, then draw.
    staff = new_page()
    _sign_in(staff, officer.username)
    staff.fill("#id_code", totp.now())
    staff.click("button:has-text('验证')")
    staff.goto("/review/")
    staff.click("text=抽取专家")
    staff.fill("#id_k", "3")
    staff.fill("#id_load", "2")
    staff.fill("#id_q", "1/2")
    staff.click("button:has-text('公布承诺值')")
    commitment = staff.locator("#commitment").inner_text()
    assert len(commitment) == 64
    assert staff.locator("#seed").count() == 0
    staff.click("button:has-text('抽取并公开种子')")
    assert _summary(staff, "状态") == "已抽取"
    assert staff.locator("#commitment").inner_text() == commitment
    assert len(staff.locator("#seed").inner_text()) == 64
    assert staff.locator("#assignments tbody tr").count() == 9

    # An expert who was drawn recuses; an alternate takes the place.
    recusing = Assignment.objects.select_related("expert__user").order_by("id").first()
    expert_page = new_page()
    _sign_in(expert_page, recusing.expert.user.username)
    expert_page.goto("/review/")
    expert_page.click(f"a[href='/review/assignments/{recusing.pk}/']")
    expert_page.check("input[name=reason][value=recused]")
    expert_page.fill("#id_note", "与项目负责人近三年内共同发表过论文。")
    expert_page.click("#withdraw")
    recusing.refresh_from_db()
    assert recusing.status == "recused"
    alternate = recusing.replaced_by
    assert alternate is not None
    staff.reload()
    row = staff.locator("#assignments tbody tr", has_text="已回避")
    assert f"由 {alternate.expert.name} 替补" in row.inner_text()

    # The alternate scores through the pages; the others through the service.
    codes = [str(c.pk) for c in call.criteria.all()]
    scorer = new_page()
    _sign_in(scorer, alternate.expert.user.username)
    scorer.goto(f"/review/assignments/{alternate.pk}/")
    scorer.click("#declare")
    assert scorer.locator("#assignment-status").inner_text() == "评审中"
    scorer.click("#submit-sheet")  # empty: the errors are listed
    assert scorer.locator(".error-summary h2").first.inner_text() == "存在以下问题"
    assert scorer.title().startswith("错误：")
    for code in codes:
        scorer.fill(f"#id_score_{code}", "88")
        scorer.fill(f"#id_comment_{code}", "技术路线清晰，团队基础扎实。")
    scorer.check("input[name=recommendation][value=fund]")
    scorer.fill("#id_overall_comment", "创新性突出，建议优先资助。")
    scorer.click("#submit-sheet")
    assert scorer.locator("#assignment-status").inner_text() == "已提交评分"

    draw = Draw.objects.get()
    values = {str(apps[0].pk): 70, str(apps[1].pk): 90, str(apps[2].pk): 80}
    for a in Assignment.objects.filter(draw=draw, status="assigned").select_related("expert__user"):
        services.assignment_declare(actor=a.expert.user, assignment=a)
        services.sheet_submit(
            actor=a.expert.user,
            assignment=a,
            scores={c: values[a.item_ref] for c in codes},
            comments={c: "论证充分，技术路线清晰可行。" for c in codes},
            recommendation="fund",
            overall_comment="总体较好，建议资助该项目。",
        )

    # The ranking appears, with the tie rule stated, and is handed over.
    staff.goto(f"/review/calls/{call.pk}/ranking/")
    rows = staff.locator("#ranking tbody tr")
    assert rows.count() == 3
    assert apps[1].title in rows.nth(0).inner_text()
    assert staff.locator("text=排序规则").count() == 1
    staff.click("button:has-text('提交排序结果至立项决策')")
    assert "排序结果已提交至立项决策环节" in staff.locator(".notice").inner_text()
    for app in apps:
        app.case.refresh_from_db()
    assert [app.case.stage for app in apps] == ["ranking"] * 3
    assert len(experts) == 8
