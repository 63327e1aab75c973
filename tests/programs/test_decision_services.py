"""Stages 6-9 through the services: scores, ranking and adjustments, the public notice and
objections, approval, the task contract and its signatures."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.core.money import format_yuan
from rainforest.programs.models import (
    ExpertScore,
    FundingLine,
    Objection,
    PaymentTranche,
    Project,
    ProjectStatus,
    Signature,
)
from rainforest.programs.services import contract, decision, notice, ranking
from tests.conftest import at
from tests.programs.decision_world import (
    AFTER_NOTICE,
    EXPERTS,
    NOTICE_CLOSES,
    PUBLISHED,
    RANKED,
    SCORED,
    passed,
    published,
    ranked,
    score,
    submit,
)

pytestmark = pytest.mark.django_db

GROUNDS = "该项目负责人同期承担的项目与申报内容高度重复，请核查是否重复申报。"


@pytest.fixture
def three(call: Any, officer: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any):
    """Three applications scored 90, 80, 70; 5,000,000 each; the call funds 20,000,000."""
    return ranked(
        call,
        officer,
        [(applicant, lab), (rival_applicant, rival), (applicant, lab)],
    )


def _stage(app: Any) -> str:
    return str(Case.objects.get(pk=app.case_id).stage)


# --- 6. expert review ------------------------------------------------------------------


def test_scores_complete_only_when_every_assigned_expert_scored(
    call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    decision.expert_assign(
        actor=officer,
        application=app,
        experts=[decision.ExpertIn(n) for n in EXPERTS],
        now=at(SCORED),
    )
    criteria = list(call.criteria.all())
    for name in EXPERTS[:2]:
        decision.expert_scores_record(
            actor=officer,
            application=app,
            expert_name=name,
            scores={c.pk: 80 for c in criteria},
            now=at(SCORED),
        )

    before = decision.scores_complete(app)
    decision.expert_scores_record(
        actor=officer,
        application=app,
        expert_name=EXPERTS[2],
        scores={c.pk: "85.5" for c in criteria},
        now=at(SCORED),
    )

    assert (before, decision.scores_complete(app)) == (False, True)


def test_finish_review_refused_while_scores_missing(
    call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    decision.expert_assign(
        actor=officer, application=app, experts=[decision.ExpertIn("专家甲")], now=at(SCORED)
    )

    with pytest.raises(ConflictError) as refused:
        decision.expert_review_finish(actor=officer, application=app, now=at(SCORED))

    assert (refused.value.message_zh, _stage(app)) == (
        "尚有专家评分未录入，不能结束专家评审。",
        "expert_review",
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("-0.01", "score_out_of_range"),
        ("100.01", "score_out_of_range"),
        ("八十", "score_invalid"),
        ("85.555", "score_invalid"),
        (85.5, "score_invalid"),
    ],
)
def test_score_outside_range_refused(
    call: Any, officer: Any, applicant: Any, lab: Any, value: Any, code: str
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    decision.expert_assign(
        actor=officer, application=app, experts=[decision.ExpertIn("专家甲")], now=at(SCORED)
    )
    first = call.criteria.first()

    with pytest.raises(ValidationError) as refused:
        decision.expert_scores_record(
            actor=officer,
            application=app,
            expert_name="专家甲",
            scores={c.pk: value if c.pk == first.pk else 80 for c in call.criteria.all()},
            now=at(SCORED),
        )

    assert (refused.value.code, refused.value.field, ExpertScore.objects.count()) == (
        code,
        f"scores.{first.pk}",
        0,
    )


@pytest.mark.parametrize("value", ["0", "100", "99.99"])
def test_score_at_the_ends_accepted(
    call: Any, officer: Any, applicant: Any, lab: Any, value: str
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    decision.expert_assign(
        actor=officer, application=app, experts=[decision.ExpertIn("专家甲")], now=at(SCORED)
    )

    rows = decision.expert_scores_record(
        actor=officer,
        application=app,
        expert_name="专家甲",
        scores={c.pk: value for c in call.criteria.all()},
        now=at(SCORED),
    )

    assert [r.score for r in rows] == [Decimal(value)] * 3


def test_unassigned_expert_refused(call: Any, officer: Any, applicant: Any, lab: Any) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))

    with pytest.raises(ValidationError) as refused:
        decision.expert_scores_record(
            actor=officer,
            application=app,
            expert_name="路人",
            scores={c.pk: 80 for c in call.criteria.all()},
            now=at(SCORED),
        )

    assert (refused.value.code, refused.value.field) == ("expert_not_assigned", "expert_name")


def test_applicant_cannot_record_scores(call: Any, officer: Any, applicant: Any, lab: Any) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))

    with pytest.raises(PermissionDeniedError):
        decision.expert_assign(
            actor=applicant, application=app, experts=[decision.ExpertIn("我自己")]
        )


def test_review_results_from_review_module_finish_the_stage(
    call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    from rainforest.programs import services

    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    sheets = [
        {
            "expert_user": None,
            "expert_name": name,
            "scores": {str(c.pk): Decimal("88") for c in call.criteria.all()},
            "comments": {"summary": "同意"},
        }
        for name in EXPERTS
    ]

    result = services.review_results_receive(
        actor=officer,
        call_id=call.pk,
        results=[{"item_ref": str(app.pk), "rank": 1, "score": Decimal("88"), "sheets": sheets}],
        now=at(SCORED),
    )

    assert (result, _stage(app), ExpertScore.objects.count()) == (
        {"finished": [app.case.number], "waiting": []},
        "ranking",
        9,
    )


# --- 7. ranking and the funding line ---------------------------------------------------


def test_ranking_refused_while_an_application_is_in_review(
    call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    submit(call, applicant, lab, pi_number=1, title="芯片课题")

    with pytest.raises(ConflictError) as refused:
        ranking.ranking_draw(actor=officer, call=call, now=at(RANKED))

    assert refused.value.code == "review_not_finished"


@pytest.mark.parametrize(
    ("total", "projects", "funded"),
    [
        ("15000000.00", 4, [True, True, True]),  # exactly fits: 以内 includes the total
        ("14999999.99", 4, [True, True, False]),  # one fen short for the third
        ("20000000.00", 2, [True, True, False]),  # the project count is reached
        ("5000000.00", 4, [True, False, False]),
    ],
)
def test_funding_line_within_budget_and_count(
    make_call: Any,
    officer: Any,
    applicant: Any,
    lab: Any,
    rival_applicant: Any,
    rival: Any,
    total: str,
    projects: int,
    funded: list[bool],
) -> None:
    call = make_call(
        funding_total=Decimal(total),
        projects_planned=projects,
        funding_per_project=Decimal("5000000.00"),
    )

    world = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])

    lines = list(world.ranking.lines.order_by("rank"))
    assert [(fl.application_id, fl.funded) for fl in lines] == [
        (a.pk, f) for a, f in zip(world.apps, funded, strict=True)
    ]
    assert world.ranking.funded_total == Decimal("5000000.00") * sum(funded)
    assert world.ranking.funded_total <= Decimal(total)


def test_adjustment_needs_a_reason_and_is_recorded(
    make_call: Any, officer: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any
) -> None:
    call = make_call(projects_planned=2)
    world = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])
    second, third = world.apps[1], world.apps[2]

    with pytest.raises(ValidationError) as refused:
        ranking.ranking_adjust(
            actor=officer,
            call=call,
            adjustments=[ranking.AdjustmentIn(third.pk, "include", "")],
            now=at(RANKED),
        )
    adjusted = ranking.ranking_adjust(
        actor=officer,
        call=call,
        adjustments=[
            ranking.AdjustmentIn(second.pk, "exclude", "经核查存在重复资助风险"),
            ranking.AdjustmentIn(third.pk, "include", "填补本领域空白，战略急需"),
        ],
        now=at(RANKED),
    )

    assert (refused.value.code, refused.value.field) == (
        "adjustment_reason_required",
        "adjustments.0.reason",
    )
    world.ranking.refresh_from_db()
    lines = {fl.application_id: fl for fl in adjusted.lines.all()}
    assert world.ranking.superseded is True
    assert [
        (lines[a.pk].funded, lines[a.pk].adjusted, lines[a.pk].adjustment_reason)
        for a in world.apps
    ] == [
        (True, False, ""),
        (False, True, "经核查存在重复资助风险"),
        (True, True, "填补本领域空白，战略急需"),
    ]


def test_adjustment_over_budget_refused(
    make_call: Any, officer: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any
) -> None:
    call = make_call(funding_total=Decimal("10000000.00"))
    world = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])

    with pytest.raises(ValidationError) as refused:
        ranking.ranking_adjust(
            actor=officer,
            call=call,
            adjustments=[ranking.AdjustmentIn(world.apps[2].pk, "include", "战略急需项目")],
            now=at(RANKED),
        )

    assert refused.value.code == "adjustment_over_budget"


# --- 8. public notice -----------------------------------------------------------------


def test_notice_publish_moves_every_ranked_case(
    make_call: Any, officer: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any
) -> None:
    call = make_call(projects_planned=2)
    world = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])

    posted = published(world, officer)

    assert [_stage(a) for a in world.apps] == ["public_notice", "public_notice", "not_funded"]
    assert posted.closes_at == at(NOTICE_CLOSES)
    # The applicant's case says why, without the score.
    third = Case.objects.get(pk=world.apps[2].case_id)
    assert (third.decision["outcome"], [r["zh"] for r in third.decision["reasons"]]) == (
        "not_funded",
        ["按专家评审综合得分排序，本指南拟支持项目数已满，未列入资助。"],
    )


@pytest.mark.parametrize(
    ("when", "allowed"),
    [("2026-11-19 23:59:59.999999", False), ("2026-11-20 00:00", True)],
)
def test_notice_cannot_close_early(three: Any, officer: Any, when: str, allowed: bool) -> None:
    posted = published(three, officer)

    if allowed:
        notice.notice_close(actor=officer, notice=posted, now=at(when))
    else:
        with pytest.raises(ConflictError) as refused:
            notice.notice_close(actor=officer, notice=posted, now=at(when))
        assert refused.value.code == "notice_open"

    assert [_stage(a) for a in three.apps] == (
        ["approval_contract"] * 3 if allowed else ["public_notice"] * 3
    )


@pytest.mark.parametrize(
    ("when", "accepted"),
    [
        (PUBLISHED, True),
        ("2026-11-19 23:59:59.999999", True),
        ("2026-11-20 00:00", False),
    ],
)
def test_objection_at_the_last_instant_accepted_and_after_refused(
    three: Any, officer: Any, when: str, accepted: bool
) -> None:
    posted = published(three, officer)
    number = three.apps[0].case.number

    def lodge() -> Objection:
        return notice.objection_lodge(
            notice=posted,
            application_number=number,
            name="王某",
            contact="13800138000",
            grounds=GROUNDS,
            now=at(when),
        )

    if accepted:
        objection = lodge()
        assert (objection.case.process_code, objection.case.stage) == (
            "programs_objection",
            "objection_review",
        )
        assert objection.case.created_by.username == notice.PUBLIC_OBJECTOR
        assert objection.case.created_by.is_active is False
    else:
        with pytest.raises(ValidationError) as refused:
            lodge()
        assert refused.value.code == "objection_after_notice"
        assert Objection.objects.count() == 0


def test_objection_about_an_unlisted_application_refused(three: Any, officer: Any) -> None:
    posted = published(three, officer)

    problems = notice.objection_problems(
        notice=posted,
        application_number="RDA-2026-999999",
        name="",
        contact="不告诉你",
        grounds="太短",
        now=at(PUBLISHED),
    )

    assert [(p.field, p.code) for p in problems] == [
        ("objector_name", "objection_name_required"),
        ("contact", "objection_contact_invalid"),
        ("grounds", "objection_grounds_too_short"),
        ("application_number", "objection_application_not_listed"),
    ]


def test_approval_refused_before_objections_are_settled(three: Any, officer: Any) -> None:
    posted = published(three, officer)
    objection = notice.objection_lodge(
        notice=posted,
        application_number=three.apps[0].case.number,
        name="王某",
        contact="wang@example.cn",
        grounds=GROUNDS,
        now=at("2026-11-18 10:00"),
    )

    with pytest.raises(ConflictError) as refused:
        contract.project_approve(actor=officer, application=three.apps[1], now=at(AFTER_NOTICE))
    with pytest.raises(ConflictError) as close_refused:
        notice.notice_close(actor=officer, notice=posted, now=at(AFTER_NOTICE))

    assert (refused.value.code, close_refused.value.code) == (
        "objections_unsettled",
        "objections_unsettled",
    )
    assert objection.case.number in refused.value.message_zh
    assert (Project.objects.count(), _stage(three.apps[1])) == (0, "public_notice")


def test_approval_refused_while_notice_runs_with_both_reasons(three: Any, officer: Any) -> None:
    posted = published(three, officer)
    notice.objection_lodge(
        notice=posted,
        application_number=three.apps[0].case.number,
        name="王某",
        contact="wang@example.cn",
        grounds=GROUNDS,
        now=at("2026-11-18 10:00"),
    )

    with pytest.raises(ConflictError) as refused:
        contract.project_approve(
            actor=officer, application=three.apps[1], now=at("2026-11-19 12:00")
        )

    assert refused.value.code == "notice_open"
    assert "公示期未满" in refused.value.message_zh
    assert "异议未办结" in refused.value.message_zh


def test_dismissed_objection_published_then_approval_goes_ahead(three: Any, officer: Any) -> None:
    posted = published(three, officer)
    objection = notice.objection_lodge(
        notice=posted,
        application_number=three.apps[0].case.number,
        name="王某",
        contact="wang@example.cn",
        grounds=GROUNDS,
        now=at("2026-11-18 10:00"),
    )

    notice.objection_settle(
        actor=officer,
        objection=objection,
        upheld=False,
        reason="经核查，两项目研究内容不同，不属于重复申报。",
        now=at("2026-11-19 10:00"),
    )
    project = contract.project_approve(
        actor=officer, application=three.apps[0], now=at(AFTER_NOTICE)
    )

    objection.refresh_from_db()
    assert (objection.outcome, objection.case.stage, objection.outcome_published_at) == (
        "dismissed",
        "dismissed",
        at("2026-11-19 10:00"),
    )
    assert (project.status, project.approved_amount, _stage(three.apps[0])) == (
        ProjectStatus.CONTRACTING,
        Decimal("5000000.00"),
        "approval_contract",
    )
    assert list(project.tranches.values_list("order", "amount")) == [
        (1, Decimal("2000000.00")),
        (2, Decimal("2000000.00")),
        (3, Decimal("1000000.00")),
    ]


def test_upheld_objection_takes_the_project_off_the_list(three: Any, officer: Any) -> None:
    posted = published(three, officer)
    objection = notice.objection_lodge(
        notice=posted,
        application_number=three.apps[0].case.number,
        name="王某",
        contact="wang@example.cn",
        grounds=GROUNDS,
        now=at("2026-11-18 10:00"),
    )

    notice.objection_settle(
        actor=officer,
        objection=objection,
        upheld=True,
        reason="经核查属实，该项目与已立项项目重复。",
        now=at("2026-11-19 10:00"),
    )

    assert (_stage(three.apps[0]), _stage(three.apps[1])) == ("not_funded", "public_notice")


def test_objection_settled_from_the_case_page_handler(three: Any, officer: Any) -> None:
    from rainforest.programs.services.handlers import objection_act

    posted = published(three, officer)
    objection = notice.objection_lodge(
        notice=posted,
        application_number=three.apps[0].case.number,
        name="王某",
        contact="wang@example.cn",
        grounds=GROUNDS,
        now=at("2026-11-18 10:00"),
    )

    objection_act(case=objection.case, action="dismiss", actor=officer, reason="不属实")

    objection.refresh_from_db()
    assert (objection.outcome, objection.outcome_text) == ("dismissed", "不属实")


def test_propose_from_case_page_refused(three: Any, officer: Any) -> None:
    from rainforest.programs.services.handlers import application_act

    with pytest.raises(ConflictError) as refused:
        application_act(case=three.apps[0].case, action="propose", actor=officer)

    assert refused.value.code == "use_decision_list"


# --- 9. approval and the task contract -------------------------------------------------


@pytest.fixture
def approved(three: Any, officer: Any) -> Project:
    published(three, officer)
    return contract.project_approve(actor=officer, application=three.apps[0], now=at(AFTER_NOTICE))


def _pdftotext(data: bytes, tmp_path: Any) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: apt-get install poppler-utils")
    path = tmp_path / "contract.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def test_contract_pdf_has_parties_budget_total_and_every_milestone(
    approved: Any, officer: Any, bureau: Any, lab: Any, tmp_path: Any
) -> None:
    generated = contract.contract_generate(
        actor=officer, project=approved, now=at("2026-11-20 10:00")
    )

    text = _pdftotext(bytes(generated.pdf), tmp_path)
    pages = len(PdfReader(io.BytesIO(bytes(generated.pdf))).pages)
    milestones = list(approved.application.milestones.values_list("title", flat=True))
    assert pages >= 1
    assert [bureau.name in text, lab.name in text, lab.uscc in text] == [True, True, True]
    assert format_yuan(Decimal("10000000.00")) in text  # fiscal 5,000,000 + own 5,000,000
    assert [m in text for m in milestones] == [True] * len(milestones)
    assert generated.number in text


def test_both_signatures_recorded_audited_and_project_starts(
    approved: Any, officer: Any, applicant: Any, tmp_path: Any
) -> None:
    generated = contract.contract_generate(
        actor=officer, project=approved, now=at("2026-11-20 10:00")
    )
    unsigned_hash = generated.pdf_sha256

    first = contract.contract_sign(
        actor=applicant, contract=generated, side="undertaker", now=at("2026-11-23 09:30")
    )
    generated.refresh_from_db()
    second = contract.contract_sign(
        actor=officer, contract=generated, side="bureau", now=at("2026-11-24 15:00")
    )

    generated.refresh_from_db()
    approved.refresh_from_db()
    assert [(s.side, s.person_id, s.signed_at) for s in Signature.objects.all()] == [
        ("undertaker", applicant.pk, at("2026-11-23 09:30")),
        ("bureau", officer.pk, at("2026-11-24 15:00")),
    ]
    assert first.pdf_sha256 == unsigned_hash
    assert second.pdf_sha256 != unsigned_hash
    assert (generated.signed_at, approved.status, _stage(approved.application)) == (
        at("2026-11-24 15:00"),
        ProjectStatus.EXECUTING,
        "executing",
    )
    text = _pdftotext(bytes(generated.pdf), tmp_path)
    assert str(applicant) in text
    assert "2026年11月24日 15:00" in text
    assert list(
        AuditRecord.objects.filter(action="programs.contract_signed").values_list(
            "data__side", flat=True
        )
    ) == ["undertaker", "bureau"]


def test_rival_cannot_sign_for_the_undertaker(
    approved: Any, officer: Any, rival_applicant: Any
) -> None:
    generated = contract.contract_generate(actor=officer, project=approved)

    with pytest.raises(PermissionDeniedError):
        contract.contract_sign(actor=rival_applicant, contract=generated, side="undertaker")

    assert Signature.objects.count() == 0


def test_side_signs_once_and_contract_fixed_after_a_signature(approved: Any, officer: Any) -> None:
    generated = contract.contract_generate(actor=officer, project=approved)
    contract.contract_sign(actor=officer, contract=generated, side="bureau")

    with pytest.raises(ConflictError) as twice:
        contract.contract_sign(actor=officer, contract=generated, side="bureau")
    with pytest.raises(ConflictError) as regenerate:
        contract.contract_generate(actor=officer, project=approved)

    assert (twice.value.code, regenerate.value.code) == ("already_signed", "contract_signed")


def test_funding_lines_and_tranches_add_up(approved: Any) -> None:
    tranches = PaymentTranche.objects.filter(project=approved)

    assert sum(t.amount for t in tranches) == approved.approved_amount
    assert FundingLine.objects.filter(funded=True, ranking__superseded=False).count() == 3


def test_scores_not_on_the_applicants_case(three: Any, officer: Any) -> None:
    # Arrange: scores exist for every application; the experts' names are known.
    case = Case.objects.get(pk=three.apps[0].case_id)

    stored = repr(case.decision) + repr(list(case.timeline.values_list("data", "reason")))

    assert [name in stored for name in EXPERTS] == [False, False, False]
    assert "90.00" not in stored


def test_score_helper_is_used_once(call: Any, officer: Any, applicant: Any, lab: Any) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))

    score(officer, app, {"专家甲": 80})

    assert ExpertScore.objects.filter(application=app).count() == 3
