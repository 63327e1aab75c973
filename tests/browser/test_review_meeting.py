"""Meeting review (会评) in a real browser: staff form a panel for the shortlist (an expert
in conflict is refused with the reason), staff and the chair record the panel's scores,
members read the results; an expert not on the panel finds nothing."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from rainforest.review import services
from rainforest.review.models import Assignment, Panel
from tests.factories import PASSWORD
from tests.review.conftest import make_application, make_call, make_experts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")


def test_meeting_review_panel_scores_results(new_page: Any, officer: Any) -> None:
    # Arrange: three applications reviewed online (scores 70, 90, 80) and eight experts,
    # one of whom works for the first applicant.
    call = make_call(officer)
    apps = [make_application(call, officer, n=n)[0] for n in range(1, 4)]
    experts, _ = make_experts(8)
    insider = experts[7]
    insider.employer_uscc = apps[1].applicant_org.uscc
    insider.save()
    record = services.draw_commit(actor=officer, call_ref=str(call.pk), k=3, load=2, q="1/2")
    services.draw_perform(actor=officer, draw_record=record)
    codes = [str(c.pk) for c in call.criteria.all()]
    online = {str(apps[0].pk): 70, str(apps[1].pk): 90, str(apps[2].pk): 80}
    for a in Assignment.objects.filter(draw=record).select_related("expert__user"):
        services.assignment_declare(actor=a.expert.user, assignment=a)
        services.sheet_submit(
            actor=a.expert.user,
            assignment=a,
            scores={c: online[a.item_ref] for c in codes},
            comments={c: "论证充分，技术路线清晰可行。" for c in codes},
            recommendation="fund",
            overall_comment="总体较好，建议资助该项目。",
        )

    # Staff open meeting review for the call and form a panel for the top two.
    staff = new_page()
    _sign_in(staff, officer.username)
    staff.fill("#id_code", pyotp.TOTP(officer.totp_secret).now())
    staff.click("button:has-text('验证')")
    staff.goto("/review/")
    staff.click(f"a[href='/review/calls/{call.pk}/panels/']")
    staff.click("#new-panel")
    staff.check(f"input[name=items][value='{apps[1].pk}']")
    staff.check(f"input[name=items][value='{apps[2].pk}']")
    staff.select_option("#id_chair", str(experts[0].pk))
    for e in [*experts[1:4], insider]:
        staff.check(f"input[name=members][value='{e.pk}']")
    staff.fill("#id_session_at", "2026-01-05T09:00")
    staff.fill("#id_place", "科技局 301 会议室")
    staff.fill("#id_minutes_per_item", "30")
    staff.click("#create-panel")
    # the insider is refused, with the reason, and nothing is saved
    assert staff.title().startswith("错误：")
    summary = staff.locator(".error-summary").inner_text()
    assert f"专家 {insider.name}（{insider.pk}）回避评审对象 {apps[1].pk}" in summary
    assert Panel.objects.count() == 0
    staff.uncheck(f"input[name=members][value='{insider.pk}']")
    staff.check(f"input[name=members][value='{experts[4].pk}']")
    staff.click("#create-panel")
    panel = Panel.objects.get()
    assert staff.locator("#chair").inner_text() == experts[0].name
    slots = staff.locator("#schedule tbody tr")
    assert slots.count() == 2
    assert "09:30–10:00" in slots.nth(1).inner_text()

    # Staff (the secretary) record the first score; a bad one is refused on the page.
    first = f"#score-form-{apps[1].pk}"
    staff.fill(f"{first} input[name=score]", "120")
    staff.fill(f"{first} textarea[name=comment]", "答辩清晰，专家组一致推荐。")
    staff.click(f"{first} button")
    assert "会评得分应在 0 到 100 之间" in staff.locator(".error-summary").inner_text()
    staff.fill(f"{first} input[name=score]", "84")
    staff.click(f"{first} button")
    assert staff.locator(f"#slot-{apps[1].pk} .panel-score").inner_text() == "84.00"

    # The chair records the second; a member reads the results; an outsider finds nothing.
    chair = new_page()
    _sign_in(chair, experts[0].user.username)
    chair.goto("/review/")
    chair.click(f"a[href='/review/panels/{panel.pk}/']")
    second = f"#score-form-{apps[2].pk}"
    chair.fill(f"{second} input[name=score]", "91.5")
    chair.fill(f"{second} textarea[name=comment]", "创新性突出，专家组建议优先资助。")
    chair.click(f"{second} button")

    member = new_page()
    _sign_in(member, experts[2].user.username)
    member.goto(f"/review/panels/{panel.pk}/")
    assert member.locator(".panel-score-form").count() == 0
    ranking = member.locator("#panel-ranking tbody tr")
    assert ranking.count() == 2
    assert apps[2].title in ranking.nth(0).inner_text()
    assert "91.50" in ranking.nth(0).inner_text()
    assert apps[1].title in ranking.nth(1).inner_text()

    outsider = new_page()
    _sign_in(outsider, experts[6].user.username)
    response = outsider.goto(f"/review/panels/{panel.pk}/")
    assert response.status == 404
