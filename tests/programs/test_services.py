"""programs/services: drafts saved step by step, submission refused with reasons, formal
review's three answers and the correction deadline, proposals with near-duplicate flags."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Attachment, Case, TimelineEntry
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.programs import services
from rainforest.programs.models import (
    Application,
    ApplicationStatus,
    CallStatus,
    FormalReviewCheck,
    Project,
    ProjectStatus,
    Proposal,
    ProposalSimilarity,
)
from tests.conftest import at
from tests.programs.conftest import CLOSES, NOW, call_input, fill, pdf_file, resident_id

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Application.objects.filter(status=ApplicationStatus.SUBMITTED).count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
        FormalReviewCheck.objects.count(),
    )


# --- calls ----------------------------------------------------------------------------


def test_call_create_copies_stage_limits_with_version(officer: Any, field_ai: Any) -> None:
    call = services.call_create(
        actor=officer,
        data=call_input(field_ai, stage_limits={"formal_review": 3}),
        now=at("2026-08-20 10:00"),
    )

    assert (call.status, call.number, call.limits_version) == (
        CallStatus.DRAFT,
        "RDG-2026-0001",
        "programs.stage_limits 2025.1",
    )
    assert call.stage_limits == {
        "formal_review": 3,
        "correction": 10,
        "expert_review": 15,
        "approval_contract": 15,
        "public_notice": 5,
    }
    assert AuditRecord.objects.filter(action="programs.call_drafted").count() == 1


def test_call_weights_not_100_refused_and_nothing_written(officer: Any, field_ai: Any) -> None:
    before = AuditRecord.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.call_create(
            actor=officer,
            data=call_input(field_ai, criteria=[services.CriterionIn("创新性", 99)]),
        )

    assert (caught.value.code, caught.value.field) == ("weights_not_100", "criteria")
    assert AuditRecord.objects.count() == before


def test_call_create_by_applicant_refused(applicant: Any, field_ai: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.call_create(actor=applicant, data=call_input(field_ai))


def test_call_publish_twice_refused(officer: Any, call: Any) -> None:
    with pytest.raises(ConflictError):
        services.call_publish(actor=officer, call=call)


def test_call_update_after_publishing_refused(officer: Any, call: Any, field_ai: Any) -> None:
    with pytest.raises(ConflictError) as caught:
        services.call_update(actor=officer, call=call, data=call_input(field_ai))

    assert caught.value.code == "call_published"


# --- drafts ---------------------------------------------------------------------------


def test_each_section_saved_as_it_is_completed(draft: Any, applicant: Any) -> None:
    services.application_save_basic(
        actor=applicant,
        application=draft,
        title="标题",
        summary="摘要",
        start_date=date(2027, 1, 1),
        end_date=date(2027, 12, 31),
        direction_id=draft.call.directions.first().pk,
        now=at(NOW),
    )

    stored = Application.objects.get(pk=draft.pk)
    assert (stored.title, stored.sections_done, stored.status) == ("标题", ["basic"], "draft")
    assert AuditRecord.objects.filter(action="programs.application_basic_saved").count() == 1


def test_filled_draft_has_every_section_in_order(draft: Any, applicant: Any) -> None:
    fill(draft, applicant)

    assert draft.sections_done == [
        "basic",
        "team",
        "consortium",
        "budget",
        "milestones",
        "attachments",
    ]


def test_team_bad_id_number_refused_and_nothing_saved(draft: Any, applicant: Any) -> None:
    bad = resident_id(1)[:-1] + ("0" if resident_id(1)[-1] != "0" else "1")

    with pytest.raises(ValidationError) as caught:
        services.application_save_team(
            actor=applicant,
            application=draft,
            members=[services.MemberIn("张三", bad, "单位", "负责", True)],
        )

    assert (caught.value.code, caught.value.field) == ("id_number_invalid", "team.0.id_number")
    assert (draft.team.count(), Application.objects.get(pk=draft.pk).sections_done) == (0, [])


@pytest.mark.parametrize("pis", [0, 2])
def test_team_needs_exactly_one_pi(draft: Any, applicant: Any, pis: int) -> None:
    members = [
        services.MemberIn(f"成员{i}", resident_id(i + 1), "单位", "分工", i < pis) for i in range(3)
    ]

    with pytest.raises(ValidationError) as caught:
        services.application_save_team(actor=applicant, application=draft, members=members)

    assert caught.value.code == "pi_count"


def test_consortium_lead_listed_first(draft: Any, applicant: Any, lab: Any, rival: Any) -> None:
    services.application_save_consortium(
        actor=applicant,
        application=draft,
        partners=[
            services.PartnerIn(rival.uscc, rival.name, "member"),
            services.PartnerIn(lab.uscc.lower(), lab.name, "lead"),
        ],
    )

    assert list(draft.consortium.values_list("uscc", "role", "order")) == [
        (lab.uscc, "lead", 0),
        (rival.uscc, "member", 1),
    ]


def test_consortium_lead_must_be_applicant(draft: Any, applicant: Any, rival: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.application_save_consortium(
            actor=applicant,
            application=draft,
            partners=[services.PartnerIn(rival.uscc, rival.name, "lead")],
        )

    assert caught.value.code == "lead_not_applicant"


@pytest.mark.parametrize(
    ("fiscal_total", "self_total", "field"),
    [
        ("100.01", "50.00", "fiscal_total"),
        ("99.99", "50.00", "fiscal_total"),
        ("100.00", "50.01", "self_total"),
        ("100.00", "49.99", "self_total"),
    ],
)
def test_budget_totals_off_by_one_fen_refused(
    draft: Any, applicant: Any, fiscal_total: str, self_total: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.application_save_budget(
            actor=applicant,
            application=draft,
            lines=[
                services.BudgetIn("equipment", Decimal("60.00"), Decimal("20.00")),
                services.BudgetIn("labour", Decimal("40.00"), Decimal("30.00")),
            ],
            fiscal_total=Decimal(fiscal_total),
            self_total=Decimal(self_total),
        )

    assert (caught.value.code, caught.value.field) == ("total_mismatch", field)
    assert draft.budget.count() == 0


def test_budget_totals_exact_accepted(draft: Any, applicant: Any) -> None:
    services.application_save_budget(
        actor=applicant,
        application=draft,
        lines=[
            services.BudgetIn("equipment", Decimal("60.00"), Decimal("20.00")),
            services.BudgetIn("labour", Decimal("40.00"), Decimal("30.00")),
        ],
        fiscal_total=Decimal("100.00"),
        self_total=Decimal("50.00"),
    )

    assert (draft.budget.count(), Application.objects.get(pk=draft.pk).fiscal_total) == (
        2,
        Decimal("100.00"),
    )


def test_attachment_type_from_bytes_refused(draft: Any, applicant: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("报告.pdf", b"<html>not a pdf</html>", content_type="application/pdf")

    with pytest.raises(ValidationError) as caught:
        services.application_attach(
            actor=applicant, application=draft, kind="feasibility_report", uploaded_file=fake
        )

    assert (caught.value.code, draft.attachments.count()) == ("file_type", 0)


def test_other_applicant_cannot_edit(draft: Any, rival_applicant: Any) -> None:
    with pytest.raises(ConflictError):
        services.application_save_basic(
            actor=rival_applicant,
            application=draft,
            title="x",
            summary="y",
            start_date=date(2027, 1, 1),
            end_date=date(2027, 2, 1),
            direction_id=draft.call.directions.first().pk,
        )


# --- submitting -----------------------------------------------------------------------


def test_submit_opens_case_in_formal_review_with_checklist(draft: Any, applicant: Any) -> None:
    fill(draft, applicant)

    app = services.application_submit(actor=applicant, application=draft, now=at(NOW))

    case = Case.objects.get(pk=app.case_id)
    assert (app.status, case.process_code, case.stage, case.number) == (
        "submitted",
        "programs_application",
        "formal_review",
        "RDA-2026-000001",
    )
    assert case.decision["outcome"] == "pass"
    assert case.due_at == at(
        "2026-10-13 23:59:59.999999"
    )  # 5 working days over 国庆 (10-10 worked)
    assert list(Attachment.objects.filter(case=case).values_list("purpose", flat=True)) == [
        "feasibility_report"
    ]
    assert AuditRecord.objects.filter(action="programs.application_submitted").count() == 1


def test_submit_uses_the_calls_own_formal_review_limit(
    make_call: Any, applicant: Any, lab: Any
) -> None:
    call = make_call(stage_limits={"formal_review": 2})
    draft = services.application_create(actor=applicant, call=call, organisation=lab, now=at(NOW))
    fill(draft, applicant)

    app = services.application_submit(
        actor=applicant, application=draft, now=at("2026-09-28 10:00")
    )

    assert app.case.due_at == at("2026-09-30 23:59:59.999999")


@pytest.mark.parametrize(
    ("moment", "ok"),
    [
        (at(CLOSES), True),
        (at(CLOSES) + timedelta(microseconds=1), False),
    ],
)
def test_submit_deadline_to_the_microsecond(
    draft: Any, applicant: Any, moment: Any, ok: bool
) -> None:
    fill(draft, applicant)
    before = _counts()

    if ok:
        services.application_submit(actor=applicant, application=draft, now=moment)
        assert _counts()[0] == before[0] + 1
        return
    with pytest.raises(ValidationError) as caught:
        services.application_submit(actor=applicant, application=draft, now=moment)
    assert caught.value.code == "window_closed"
    assert _counts() == before


def test_submit_incomplete_refused_with_sections_named(draft: Any, applicant: Any) -> None:
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        services.application_submit(actor=applicant, application=draft, now=at(NOW))

    assert caught.value.code == "incomplete"
    assert caught.value.message_zh.startswith(
        "申请不能提交：以下部分尚未填写完成：基本信息、项目团队、联合申报单位、经费预算、里程碑与交付物、附件"
    )
    assert _counts() == before


def test_submit_below_self_funding_refused(draft: Any, applicant: Any) -> None:
    fill(draft, applicant, fiscal="3000000.00", own="2999999.99")
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        services.application_submit(actor=applicant, application=draft, now=at(NOW))

    assert caught.value.code == "not_eligible"
    assert "低于指南要求的 50.00%" in caught.value.message_zh
    assert _counts() == before


def test_submit_from_outside_the_city_refused(call: Any, outsider: Any, outsider_org: Any) -> None:
    draft = services.application_create(
        actor=outsider, call=call, organisation=outsider_org, now=at(NOW)
    )
    fill(draft, outsider)

    with pytest.raises(ValidationError) as caught:
        services.application_submit(actor=outsider, application=draft, now=at(NOW))

    assert caught.value.code == "not_eligible"
    assert "申报单位不在本市注册" in caught.value.message_zh


@pytest.mark.parametrize(("running", "ok"), [(1, True), (2, False), (3, False)])
def test_submit_pi_with_running_projects(
    draft: Any, applicant: Any, officer: Any, lab: Any, running: int, ok: bool
) -> None:
    fill(draft, applicant)
    for i in range(running):
        other = Application.objects.create(
            call=draft.call,
            applicant_org=lab,
            created_by=applicant,
            created_at=at(NOW),
            updated_at=at(NOW),
        )
        Project.objects.create(
            application=other,
            call=draft.call,
            number=f"P{i}",
            title="在研",
            lead_org=lab,
            organisation_mode="standard",
            pi_name="张三",
            pi_id_number=draft.pi_id_number,
            approved_amount=Decimal("1"),
            approved_at=at(NOW),
            approved_by=officer,
            start_date=date(2026, 1, 1),
            end_date=date(2027, 1, 1),
            status=ProjectStatus.EXECUTING,
        )

    if ok:
        assert services.application_submit(actor=applicant, application=draft, now=at(NOW)).case
        return
    with pytest.raises(ValidationError) as caught:
        services.application_submit(actor=applicant, application=draft, now=at(NOW))
    assert "超过 2 项的限制" in caught.value.message_zh


def test_submit_same_pi_to_two_calls_flagged_for_staff(
    make_call: Any, applicant: Any, lab: Any, field_bio: Any
) -> None:
    first = services.application_create(
        actor=applicant, call=make_call(), organisation=lab, now=at(NOW)
    )
    fill(first, applicant)
    first = services.application_submit(actor=applicant, application=first, now=at(NOW))
    second = services.application_create(
        actor=applicant, call=make_call(field=field_bio), organisation=lab, now=at(NOW)
    )
    fill(second, applicant)

    app = services.application_submit(actor=applicant, application=second, now=at(NOW))

    checks = app.case.decision["facts"]["checks"]
    assert app.case.decision["outcome"] == "attention"
    assert checks[-1] == {"rule": "duplicate", "ok": False, "related": [first.case.number]}


# --- formal review ---------------------------------------------------------------------


def test_pass_moves_to_expert_review(submitted: Any, officer: Any) -> None:
    services.formal_review_pass(actor=officer, application=submitted, now=at("2026-10-09 10:00"))

    case = Case.objects.get(pk=submitted.case_id)
    assert (case.stage, case.due_at) == ("expert_review", at("2026-10-29 23:59:59.999999"))


def test_return_pauses_clock_and_sets_correction_deadline(submitted: Any, officer: Any) -> None:
    app = services.formal_review_return(
        actor=officer,
        application=submitted,
        reason="请补充财务审计报告",
        correction_due=date(2026, 10, 20),
        now=at("2026-10-09 10:00"),
    )

    case = Case.objects.get(pk=app.case_id)
    assert (case.stage, case.paused_at) == ("correction", at("2026-10-09 10:00"))
    assert app.correction_due_at == at("2026-10-20 23:59:59.999999")
    assert TimelineEntry.objects.filter(case=case, action="return").get().data == {
        "correction_due_at": "2026-10-20T23:59:59.999999+08:00"
    }


def test_return_default_deadline_is_ten_working_days(submitted: Any, officer: Any) -> None:
    app = services.formal_review_return(
        actor=officer, application=submitted, reason="补充", now=at("2026-10-09 10:00")
    )

    assert app.correction_due_at == at("2026-10-22 23:59:59.999999")


def test_return_without_reason_refused(submitted: Any, officer: Any) -> None:
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        services.formal_review_return(actor=officer, application=submitted, reason=" ")

    assert caught.value.code == "reason_required"
    assert _counts() == before


def test_return_with_past_deadline_refused(submitted: Any, officer: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.formal_review_return(
            actor=officer,
            application=submitted,
            reason="补充",
            correction_due=date(2026, 10, 8),
            now=at("2026-10-09 10:00"),
        )

    assert (caught.value.code, caught.value.field) == ("date_invalid", "correction_due")


def test_reject_needs_reason_and_closes(submitted: Any, officer: Any) -> None:
    with pytest.raises(ValidationError):
        services.formal_review_reject(actor=officer, application=submitted, reason="")

    services.formal_review_reject(actor=officer, application=submitted, reason="不符合申报条件")

    case = Case.objects.get(pk=submitted.case_id)
    assert (case.status, case.stage) == ("closed", "rejected")


def test_applicant_cannot_pass_own_application(submitted: Any, applicant: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.formal_review_pass(actor=applicant, application=submitted)


@pytest.fixture
def returned(submitted: Any, officer: Any) -> Any:
    return services.formal_review_return(
        actor=officer,
        application=submitted,
        reason="补充",
        correction_due=date(2026, 10, 20),
        now=at("2026-10-09 10:00"),
    )


def test_returned_application_editable_then_resubmitted_clock_resumes(
    returned: Any, applicant: Any
) -> None:
    services.application_attach(
        actor=applicant,
        application=returned,
        kind="financial_statement",
        uploaded_file=pdf_file("审计报告.pdf"),
        now=at("2026-10-12 10:00"),
    )

    app = services.application_resubmit(
        actor=applicant, application=returned, now=at("2026-10-20 23:59:59")
    )

    case = Case.objects.get(pk=app.case_id)
    # Paused 2026-10-09 to 10-20: 8 working days on top of the old due date 10-13.
    assert (case.stage, case.paused_at, case.paused_workdays_total) == ("formal_review", None, 8)
    assert case.due_at == at("2026-10-23 23:59:59.999999")
    assert app.correction_due_at is None
    assert Attachment.objects.filter(case=case).count() == 2


def test_resubmit_after_correction_deadline_refused(returned: Any, applicant: Any) -> None:
    before = _counts()

    with pytest.raises(ConflictError) as caught:
        services.application_resubmit(
            actor=applicant, application=returned, now=at("2026-10-21 00:00")
        )

    assert caught.value.code == "correction_deadline_passed"
    assert _counts() == before


@pytest.mark.parametrize(
    ("moment", "ok"), [("2026-10-20 23:59:59", False), ("2026-10-21 00:00", True)]
)
def test_lapse_only_after_correction_deadline(
    returned: Any, officer: Any, moment: str, ok: bool
) -> None:
    if ok:
        services.correction_lapse(actor=officer, application=returned, now=at(moment))
        assert Case.objects.get(pk=returned.case_id).stage == "lapsed"
        return
    with pytest.raises(ConflictError) as caught:
        services.correction_lapse(actor=officer, application=returned, now=at(moment))
    assert caught.value.code == "guard_failed"


def test_rerun_records_another_check(submitted: Any, officer: Any) -> None:
    decision = services.formal_review_rerun(actor=officer, application=submitted)

    assert (decision.outcome, submitted.formal_checks.count()) == ("pass", 2)


def test_case_page_handler_routes_return_with_default_deadline(
    submitted: Any, officer: Any
) -> None:
    from rainforest.cases import registry

    act = registry.handler("programs_application")
    assert act is not None

    act(case=submitted.case, action="return", actor=officer, reason="补充材料")

    assert Application.objects.get(pk=submitted.pk).correction_due_at is not None


def test_later_stage_guard_refuses_without_its_service(submitted: Any, officer: Any) -> None:
    from rainforest.cases import registry

    services.formal_review_pass(actor=officer, application=submitted)
    act = registry.handler("programs_application")
    assert act is not None

    with pytest.raises(ConflictError) as caught:
        act(case=submitted.case, action="finish_review", actor=officer)

    assert caught.value.code == "guard_failed"


# --- proposals ------------------------------------------------------------------------


@pytest.fixture
def window(officer: Any, field_ai: Any) -> Any:
    return services.window_open(
        actor=officer,
        field=field_ai,
        title="2026年人工智能项目建议征集",
        opens_at=at("2026-09-01 09:00"),
        closes_at=at("2026-09-30 23:59:59"),
        now=at("2026-08-30 10:00"),
    )


def _propose(window: Any, actor: Any, org: Any, title: str, problem: str, now: str = NOW) -> Any:
    return services.proposal_submit(
        actor=actor,
        organisation=org,
        window=window,
        title=title,
        problem=problem,
        target_indicators="能效比提升十倍",
        why_now="算力成本高企",
        suggested_budget=Decimal("5000000"),
        now=at(now),
    )


def test_proposal_opens_case_with_windows_limit(window: Any, applicant: Any, lab: Any) -> None:
    proposal = _propose(window, applicant, lab, "边缘推理芯片", "边缘设备推理功耗过高")

    assert (proposal.case.process_code, proposal.case.stage, proposal.case.number) == (
        "programs_proposal",
        "proposal_review",
        "RDP-2026-000001",
    )
    assert proposal.case.due_at == at("2026-10-20 23:59:59.999999")  # 10 working days
    assert AuditRecord.objects.filter(action="programs.proposal_submitted").count() == 1


def test_near_duplicate_proposal_flagged_unrelated_not(
    window: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any
) -> None:
    first = _propose(window, applicant, lab, "边缘推理芯片", "研发面向大模型推理的低功耗专用芯片")
    unrelated = _propose(
        window, rival_applicant, rival, "城市内涝预警", "多源数据融合的内涝预警平台"
    )

    copy = _propose(
        window, rival_applicant, rival, "边缘推理芯片", "研发面向大模型推理的低功耗专用芯片！"
    )

    assert list(
        ProposalSimilarity.objects.filter(proposal=copy).values_list("similar_to", flat=True)
    ) == [first.pk]
    assert ProposalSimilarity.objects.filter(proposal=unrelated).count() == 0


def test_proposal_outside_window_refused(window: Any, applicant: Any, lab: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _propose(window, applicant, lab, "t", "p", now="2026-10-01 00:00")

    assert (caught.value.code, Proposal.objects.count()) == ("window_closed", 0)


def test_proposal_decide_stores_decision_with_reason(
    window: Any, applicant: Any, lab: Any, officer: Any
) -> None:
    proposal = _propose(window, applicant, lab, "边缘推理芯片", "功耗过高")

    decided = services.proposal_decide(
        actor=officer, proposal=proposal, accept=True, reason="符合产业方向", group="芯片"
    )

    assert (decided.case.stage, decided.group, decided.decision["outcome"]) == (
        "accepted",
        "芯片",
        "accepted",
    )
    assert decided.decision["reasons"] == [{"zh": "符合产业方向", "en": "符合产业方向"}]
    with pytest.raises(ConflictError):
        services.proposal_decide(actor=officer, proposal=proposal, accept=False, reason="x")


def test_proposal_decline_without_reason_refused(
    window: Any, applicant: Any, lab: Any, officer: Any
) -> None:
    proposal = _propose(window, applicant, lab, "边缘推理芯片", "功耗过高")

    with pytest.raises(ValidationError):
        services.proposal_decide(actor=officer, proposal=proposal, accept=False, reason="")

    assert Proposal.objects.get(pk=proposal.pk).decided_at is None


def test_call_drafted_from_accepted_proposals_only(
    window: Any, applicant: Any, lab: Any, officer: Any, field_ai: Any
) -> None:
    pending = _propose(window, applicant, lab, "边缘推理芯片", "功耗过高")

    with pytest.raises(ValidationError) as caught:
        services.call_create(actor=officer, data=call_input(field_ai, source_proposals=[pending]))

    assert caught.value.code == "proposal_not_accepted"
    services.proposal_decide(actor=officer, proposal=pending, accept=True, reason="采纳")
    pending.refresh_from_db()
    call = services.call_create(
        actor=officer, data=call_input(field_ai, source_proposals=[pending])
    )
    assert list(call.source_proposals.all()) == [pending]
