"""review/services.py: the pool, the draw with commitment, withdrawals, scoring, results."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rainforest.audit.models import AuditRecord
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.review import services
from rainforest.review.domain_assignment import Infeasible
from rainforest.review.models import (
    Assignment,
    AssignmentStatus,
    Draw,
    DrawStatus,
    Expert,
    ExpertStatus,
    Replacement,
)
from tests.conftest import at
from tests.review.conftest import (
    REVIEW_NOW,
    World,
    import_row,
    import_xlsx,
    make_experts,
    org_uscc,
    rid,
)

pytestmark = pytest.mark.django_db


def drawn(world: World, *, k: int = 3, load: int = 2, q: str = "1/2") -> Draw:
    record = services.draw_commit(
        actor=world.officer,
        call_ref=str(world.call.pk),
        k=k,
        load=load,
        q=q,
        now=at(REVIEW_NOW),
    )
    return services.draw_perform(actor=world.officer, draw_record=record, now=at(REVIEW_NOW))


def criteria_codes(world: World) -> list[str]:
    return [str(c.pk) for c in world.call.criteria.all()]


def score_all(world: World, assignment: Assignment, value: int) -> None:
    user = assignment.expert.user
    services.assignment_declare(actor=user, assignment=assignment, now=at(REVIEW_NOW))
    codes = criteria_codes(world)
    services.sheet_submit(
        actor=user,
        assignment=assignment,
        scores={c: Decimal(value) for c in codes},
        comments={c: "论证充分，技术路线清晰可行。" for c in codes},
        recommendation="fund",
        overall_comment="总体较好，建议资助该项目。",
        now=at(REVIEW_NOW),
    )


# --- the draw ---------------------------------------------------------------------------


def test_draw_commit_publishes_commitment_and_keeps_seed_secret(world: World) -> None:
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=3, load=2, q="0.5", now=at(REVIEW_NOW)
    )
    assert record.status == DrawStatus.COMMITTED
    assert len(record.commitment) == 64
    assert record.seed_sha256 != record.seed
    assert Assignment.objects.count() == 0
    assert record.inputs["items"] == [str(a.pk) for a in world.applications]


def test_draw_perform_meets_k_and_load_and_records_fit(world: World) -> None:
    record = drawn(world)
    per_item: dict[str, int] = {}
    per_expert: dict[int, int] = {}
    for a in Assignment.objects.filter(draw=record):
        per_item[a.item_ref] = per_item.get(a.item_ref, 0) + 1
        per_expert[a.expert_id] = per_expert.get(a.expert_id, 0) + 1
    assert sorted(per_item.values()) == [3, 3, 3]
    assert max(per_expert.values()) <= 2
    assert record.fraction_of_optimum != ""
    assert record.fractional_fit != ""
    assert AuditRecord.objects.filter(action="review.draw_perform").count() == 1


def test_draw_infeasible_saves_nothing_and_names_items(world: World) -> None:
    with pytest.raises(Infeasible) as exc:
        services.draw_commit(
            actor=world.officer,
            call_ref=str(world.call.pk),
            k=5,
            load=1,
            q="1/2",
            now=at(REVIEW_NOW),
        )
    # 8 experts, q = 1/2: each item can place at most 4 of its k = 5
    assert sorted(s.items[0] for s in exc.value.shortfalls) == sorted(
        str(a.pk) for a in world.applications
    )
    assert Draw.objects.count() == 0


def test_draw_twice_refused(world: World) -> None:
    drawn(world)
    with pytest.raises(ConflictError):
        services.draw_commit(
            actor=world.officer,
            call_ref=str(world.call.pk),
            k=3,
            load=2,
            q="1/2",
            now=at(REVIEW_NOW),
        )


def test_draw_never_assigns_expert_of_applicant_org(world: World) -> None:
    # an expert employed by applicant 1 must never review application 1
    insider = world.experts[0]
    insider.employer_uscc = world.applications[0].applicant_org.uscc
    insider.save()
    record = drawn(world)
    assert not Assignment.objects.filter(
        draw=record, expert=insider, item_ref=str(world.applications[0].pk)
    ).exists()
    assert any(
        e["expert"] == str(insider.pk) and e["rule"] == "same_employer" for e in record.exclusions
    )


def test_draw_respects_declared_relation_and_staff_conflict(world: World) -> None:
    e0, e1 = world.experts[0], world.experts[1]
    app1 = world.applications[0]
    services.relation_declare(
        actor=e0.user, expert=e0, kind="relative", person_id_number=rid(101), now=at(REVIEW_NOW)
    )
    services.conflict_record(
        actor=world.officer,
        expert=e1,
        call_ref=str(world.call.pk),
        item_ref=str(app1.pk),
        note="曾为该单位顾问",
        now=at(REVIEW_NOW),
    )
    record = drawn(world)
    rules_for = {(e["expert"], e["rule"]) for e in record.exclusions if e["item"] == str(app1.pk)}
    assert rules_for == {(str(e0.pk), "declared_relation"), (str(e1.pk), "staff_recorded")}
    assert not Assignment.objects.filter(
        draw=record, item_ref=str(app1.pk), expert__in=[e0, e1]
    ).exists()


def test_verify_draw_command_confirms(world: World) -> None:
    record = drawn(world)
    out = io.StringIO()
    call_command("review", "verify-draw", str(record.pk), stdout=out)
    assert "verified" in out.getvalue()


def test_verify_draw_command_fails_on_tampered_input(world: World) -> None:
    record = drawn(world)
    inputs = record.inputs
    inputs["pair_fit"][0] = (inputs["pair_fit"][0] + 1) % 1_000_000
    Draw.objects.filter(pk=record.pk).update(inputs=inputs)
    with pytest.raises(CommandError, match="does not verify"):
        call_command("review", "verify-draw", str(record.pk), stdout=io.StringIO())


def test_verify_draw_command_fails_on_tampered_assignment(world: World) -> None:
    record = drawn(world)
    a = Assignment.objects.filter(draw=record).first()
    spare = Expert.objects.exclude(assignments__item_ref=a.item_ref).first()
    Assignment.objects.filter(pk=a.pk).update(expert=spare)
    with pytest.raises(CommandError):
        call_command("review", "verify-draw", str(record.pk), stdout=io.StringIO())


def test_verify_draw_refuses_committed_draw(world: World) -> None:
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=3, load=2, q="1/2", now=at(REVIEW_NOW)
    )
    with pytest.raises(CommandError):
        call_command("review", "verify-draw", str(record.pk), stdout=io.StringIO())


# --- withdrawals and replacement --------------------------------------------------------


def test_recuse_draws_an_alternate_within_the_cap(world: World) -> None:
    record = drawn(world)
    a = Assignment.objects.filter(draw=record).select_related("expert").first()
    new = services.assignment_withdraw(
        actor=a.expert.user,
        assignment=a,
        reason="recused",
        note="与负责人曾有合作",
        now=at(REVIEW_NOW),
    )
    a.refresh_from_db()
    assert a.status == AssignmentStatus.RECUSED
    assert a.replaced_by == new
    assert new.item_ref == a.item_ref
    assert new.expert_id != a.expert_id
    on_item = Assignment.objects.filter(draw=record, item_ref=a.item_ref, status="assigned")
    assert on_item.count() == 3
    rep = Replacement.objects.get(withdrawn=a)
    assert sum(float(eval_fraction(p)) for p in rep.offered.values()) == pytest.approx(1.0)


def eval_fraction(text: str) -> Any:
    from fractions import Fraction

    return Fraction(text)


def test_withdraw_needs_a_reason_note(world: World) -> None:
    record = drawn(world)
    a = Assignment.objects.filter(draw=record).select_related("expert").first()
    with pytest.raises(ValidationError) as exc:
        services.assignment_withdraw(actor=a.expert.user, assignment=a, reason="recused")
    assert exc.value.field == "note"


def test_other_expert_cannot_withdraw(world: World) -> None:
    from rainforest.core.errors import NotFoundError

    record = drawn(world)
    a = Assignment.objects.filter(draw=record).first()
    other = next(u for u in world.expert_users if u.pk != a.expert.user_id)
    with pytest.raises(NotFoundError):
        services.assignment_withdraw(actor=other, assignment=a, reason="declined", note="没空参加")


def test_overdue_experts_are_replaced(world: World) -> None:
    make_experts(12, start=20)
    record = drawn(world)
    count, failed = services.assignments_replace_overdue(
        actor=world.officer, now=at("2026-11-30 10:00")
    )
    assert (count, failed) == (9, [])
    assert Assignment.objects.filter(draw=record, status=AssignmentStatus.OVERDUE).count() == 9


def test_overdue_without_room_under_the_cap_stays_open(world: World) -> None:
    record = drawn(world)
    count, failed = services.assignments_replace_overdue(
        actor=world.officer, now=at("2026-11-30 10:00")
    )
    assert count + len(failed) == 9
    assert len(failed) > 0
    still_open = Assignment.objects.filter(draw=record, status__in=["assigned", "declared"])
    assert sorted(still_open.filter(origin="draw").values_list("pk", flat=True)) == sorted(
        pk for pk, _ in failed
    )


def test_reminders_once_when_due_soon(world: World) -> None:
    record = drawn(world)
    due = record.review_due_at
    soon = due.replace(hour=9) if due else at(REVIEW_NOW)
    from datetime import timedelta

    first = services.assignments_remind(now=soon - timedelta(days=1))
    second = services.assignments_remind(now=soon - timedelta(days=1))
    assert (first, second) == (9, 0)


# --- scoring and results ----------------------------------------------------------------


def test_score_requires_declaration_first(world: World) -> None:
    record = drawn(world)
    a = Assignment.objects.filter(draw=record).select_related("expert").first()
    with pytest.raises(ConflictError) as exc:
        services.sheet_submit(
            actor=a.expert.user,
            assignment=a,
            scores={},
            comments={},
            recommendation="fund",
            overall_comment="",
        )
    assert exc.value.code == "declaration_missing"


def test_score_requires_comments(world: World) -> None:
    record = drawn(world)
    a = Assignment.objects.filter(draw=record).select_related("expert").first()
    services.assignment_declare(actor=a.expert.user, assignment=a)
    codes = criteria_codes(world)
    with pytest.raises(services.SheetRejected) as exc:
        services.sheet_submit(
            actor=a.expert.user,
            assignment=a,
            scores={c: Decimal(80) for c in codes},
            comments={},
            recommendation="fund",
            overall_comment="总体较好，建议资助该项目。",
        )
    assert exc.value.field == f"comment_{codes[0]}"


def test_score_na_is_not_zero_in_results(world: World) -> None:
    record = drawn(world)
    codes = criteria_codes(world)
    for a in Assignment.objects.filter(draw=record).select_related("expert"):
        services.assignment_declare(actor=a.expert.user, assignment=a)
        scores: dict[str, Decimal | None] = {c: Decimal(80) for c in codes}
        scores[codes[2]] = None  # team: n/a
        services.sheet_submit(
            actor=a.expert.user,
            assignment=a,
            scores=scores,
            comments={c: "论证充分，技术路线清晰可行。" for c in codes},
            recommendation="fund",
            overall_comment="总体较好，建议资助该项目。",
        )
    results = services.call_results(str(world.call.pk))
    assert {s.score for s in results.scores.values()} == {Decimal("80.00")}


def test_results_rank_and_hand_off(world: World) -> None:
    record = drawn(world)
    values = {
        str(world.applications[0].pk): 70,
        str(world.applications[1].pk): 90,
        str(world.applications[2].pk): 80,
    }
    for a in Assignment.objects.filter(draw=record).select_related("expert"):
        score_all(world, a, values[a.item_ref])
    results = services.call_results(str(world.call.pk))
    assert [r.item for r in results.ranked] == [
        str(world.applications[1].pk),
        str(world.applications[2].pk),
        str(world.applications[0].pk),
    ]
    handed = services.ranking_hand_off(actor=world.officer, call_ref=str(world.call.pk))
    assert handed is True  # programs' review_results_receive took the sheets
    assert AuditRecord.objects.filter(action="review.ranking_hand_off").count() == 1
    for app in world.applications:
        app.case.refresh_from_db()
    assert [app.case.stage for app in world.applications] == ["ranking"] * 3


def test_hand_off_with_na_reaches_the_decision_stage_and_na_is_not_zero(world: World) -> None:
    from rainforest.programs.models import ExpertScore

    record = drawn(world)
    codes = criteria_codes(world)  # 创新性 30, 可行性 25, 团队 20, 效益 25
    for a in Assignment.objects.filter(draw=record).select_related("expert"):
        services.assignment_declare(actor=a.expert.user, assignment=a)
        services.sheet_submit(
            actor=a.expert.user,
            assignment=a,
            scores={codes[0]: Decimal(90), codes[1]: Decimal(70), codes[2]: None, codes[3]: 80},
            comments={c: "论证充分，技术路线清晰可行。" for c in codes},
            recommendation="fund",
            overall_comment="总体较好，建议资助该项目。",
        )

    assert services.ranking_hand_off(actor=world.officer, call_ref=str(world.call.pk)) is True

    for app in world.applications:
        app.case.refresh_from_db()
    assert [app.case.stage for app in world.applications] == ["ranking"] * 3
    # 团队 is stored as n/a (None), not a number the experts never gave
    assert set(
        ExpertScore.objects.filter(criterion_id=int(codes[2])).values_list("score", flat=True)
    ) == {None}
    # every expert marked 团队 n/a: it is left out and the other weights renormalised,
    # (90 × 30 + 70 × 25 + 80 × 25) ÷ 80 = 80.625 → 80.63 (counted as zero: 64.50)
    finished = AuditRecord.objects.filter(action="programs.expert_review_finished")
    assert {
        (r.data["aggregate"]["facts"]["score"], *r.data["aggregate"]["facts"]["criteria_left_out"])
        for r in finished
    } == {("80.63", codes[2])}
    assert finished.count() == 3


def test_hand_off_refused_while_scores_missing(world: World) -> None:
    drawn(world)
    with pytest.raises(ConflictError):
        services.ranking_hand_off(actor=world.officer, call_ref=str(world.call.pk))


# --- the pool -----------------------------------------------------------------------------


def expert_in(**change: Any) -> services.ExpertIn:
    values = {
        "name": "王五",
        "id_number": rid(900),
        "employer_uscc": org_uscc(900),
        "employer_name": "深圳大学",
        "title": "教授",
        "fields": "AI，F06",
        "keywords": "芯片、人工智能",
    }
    values.update(change)
    return services.ExpertIn(**values)


def test_register_then_approve(world: World) -> None:
    from tests.factories import UserFactory

    user = UserFactory()
    expert = services.expert_register(user=user, data=expert_in(), now=at(REVIEW_NOW))
    assert (expert.status, expert.fields, expert.keywords) == (
        ExpertStatus.PENDING,
        ["AI", "F06"],
        ["芯片", "人工智能"],
    )
    services.expert_approve(actor=world.officer, expert=expert, now=at(REVIEW_NOW))
    expert.refresh_from_db()
    assert expert.status == ExpertStatus.ACTIVE
    from rainforest.cases.models import Notification

    note = Notification.objects.get(user=user, kind="review.expert_approved")
    # Told in both languages: the inbox shows the one the expert reads in.
    assert (note.title, note.title_en) == (
        "专家入库申请已通过",
        "Your application to the expert pool was approved",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "440305198001011234"}, "id_number"),
        ({"employer_uscc": "91440300MA6000001X"}, "employer_uscc"),
        ({"fields": ""}, "fields"),
        ({"title": " "}, "title"),
    ],
)
def test_register_refuses_bad_input(world: World, change: dict, field: str) -> None:
    from tests.factories import UserFactory

    with pytest.raises(ValidationError) as exc:
        services.expert_register(user=UserFactory(), data=expert_in(**change))
    assert exc.value.field == field


def test_import_all_rows(world: World) -> None:
    count = services.expert_import(
        actor=world.officer, rows=services.read_xlsx(import_xlsx([import_row(1), import_row(2)]))
    )
    assert count == 2
    assert Expert.objects.filter(name__startswith="导入专家", status="active").count() == 2


def test_import_nothing_when_one_row_wrong(world: World) -> None:
    rows = services.read_xlsx(
        import_xlsx(
            [import_row(1), import_row(2, id_number="123"), import_row(3, id_number=rid(701))]
        )
    )
    with pytest.raises(services.ImportRejected) as exc:
        services.expert_import(actor=world.officer, rows=rows)
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "id_number"), (4, "id_number")]
    assert Expert.objects.filter(name__startswith="导入专家").count() == 0


def test_import_refuses_non_xlsx() -> None:
    with pytest.raises(ValidationError) as exc:
        services.read_xlsx(b"not a workbook")
    assert exc.value.code == "file_invalid"


def test_suspended_or_flagged_experts_not_drawn(world: World) -> None:
    extra, _ = make_experts(1, start=50)
    flagged = extra[0]
    flagged.quality_flags = ["late"]
    flagged.save()
    record = drawn(world)
    assert str(flagged.pk) not in record.inputs["experts"]
