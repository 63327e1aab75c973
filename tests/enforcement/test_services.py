"""enforcement/services.py: filing, routing by level, the checklist gate, stop, report."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from rainforest.accounts.roles import Role
from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Attachment, Case, Notification, TimelineEntry
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from rainforest.enforcement import services
from rainforest.enforcement.models import EnforcementPerson, EnforcementRequest
from rainforest.enforcement.services import PersonIn
from tests.enforcement.conftest import complete_controls, pdf, resident_id
from tests.factories import person

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        EnforcementRequest.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
    )


def test_request_file_opens_xz_case_with_level_decision(make_request: Any, police_org: Any) -> None:
    r = make_request(persons=2, property_value="0", bank_accounts=200)

    case = Case.objects.get()
    year = timezone.localdate().year
    assert (case.number, case.process_code, case.stage, case.owner_org_id) == (
        f"XZ-{year}-000001",
        "enforcement_request",
        "review",
        police_org.pk,
    )
    assert (r.level, case.decision["outcome"], case.decision["facts"]["triggered_by"]) == (
        "bureau",
        "bureau",
        ["bank_accounts"],
    )
    assert case.decision == r.level_decision


def test_request_file_keeps_persons_with_checked_id_numbers(make_request: Any) -> None:
    r = make_request(named=2)

    assert list(EnforcementPerson.objects.filter(request=r).values_list("name", "id_number")) == [
        ("张1", resident_id(1)),
        ("张2", resident_id(2)),
    ]


@pytest.mark.parametrize(
    ("people", "field", "code"),
    [
        (
            [PersonIn("张三", "440304198506150011", "summon")],
            "persons.0.id_number",
            "id_number_invalid",
        ),
        ([PersonIn("", resident_id(1), "summon")], "persons.0.name", "required"),
        ([PersonIn("张三", resident_id(1), "shoot")], "persons.0.measure", "measure_invalid"),
        (
            [
                PersonIn("张三", resident_id(1), "summon"),
                PersonIn("李四", resident_id(1), "detain"),
            ],
            "persons.1.id_number",
            "person_duplicate",
        ),
    ],
)
def test_request_file_bad_person_refused_with_field(
    make_request: Any, people: list[PersonIn], field: str, code: str
) -> None:
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        make_request(persons=1, people=people)

    assert (caught.value.field, caught.value.code) == (field, code)
    assert _counts() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"agency_name": " "}, "agency_name"),
        ({"agency_region": ""}, "agency_region"),
        ({"enterprise_name": ""}, "enterprise_name"),
        ({"enterprise_uscc": "91440300MA5XXXXXXX"}, "enterprise_uscc"),
        ({"agency_name": "局" * 201}, "agency_name"),
    ],
)
def test_request_file_bad_field_refused(
    make_request: Any, change: dict[str, str], field: str
) -> None:
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        make_request(**change)

    assert caught.value.field == field
    assert _counts() == before


def test_request_file_by_programme_officer_is_not_found(make_request: Any, officer: Any) -> None:
    with pytest.raises(NotFoundError):
        make_request(actor=officer)

    assert _counts() == (0, 0, 0, 0)


def test_request_file_with_document_keeps_attachment(make_request: Any) -> None:
    r = make_request(documents=[pdf()])

    assert list(Attachment.objects.filter(case=r.case).values_list("original_name", "purpose")) == [
        ("协作函.pdf", "法律文书")
    ]


def test_request_file_notifies_only_police_legal_officers(
    make_request: Any, police_b: Any, officer: Any
) -> None:
    make_request()

    assert sorted(Notification.objects.values_list("user__username", flat=True)) == [
        "police",
        "police_b",
    ]


@pytest.mark.parametrize(
    ("measures", "stage"),
    [
        ({"persons": 3}, "approved"),
        ({"persons": 10}, "department_approval"),
        ({"persons": 2, "bank_accounts": 200}, "bureau_approval"),
    ],
)
def test_request_route_follows_level(
    make_request: Any, police: Any, measures: Any, stage: str
) -> None:
    r = make_request(**measures)

    services.request_route(request=r, actor=police)

    r.case.refresh_from_db()
    assert r.case.stage == stage


def test_request_approve_records_reference(make_request: Any, police: Any) -> None:
    r = make_request(persons=10)
    services.request_route(request=r, actor=police)

    services.request_approve(request=r, actor=police, reference="深公法〔2026〕12号")

    r.refresh_from_db()
    r.case.refresh_from_db()
    assert (r.case.stage, r.approval_reference) == ("approved", "深公法〔2026〕12号")


def test_request_route_twice_is_conflict(make_request: Any, police: Any) -> None:
    r = make_request(persons=10)
    services.request_route(request=r, actor=police)

    with pytest.raises(ConflictError) as caught:
        services.request_route(request=r, actor=police)

    assert caught.value.code == "unknown_action"


# --- the checklist gate ---------------------------------------------------------------------


def test_request_execute_refused_naming_missing_controls(make_request: Any, police: Any) -> None:
    r = make_request(persons=3)
    services.request_route(request=r, actor=police)
    services.controls_update(
        request=r, actor=police, changes={"two_way_notice": True, "instruction_sheet_no": "ZLD-1"}
    )
    before = _counts()

    with pytest.raises(ConflictError) as caught:
        services.request_execute(request=r, actor=police)

    assert (caught.value.code, caught.value.field) == ("controls_incomplete", "controls")
    assert caught.value.message_zh == (
        "执法管控措施尚未落实：民警协作、全程执法记录仪、进执法办案管理中心。全部落实后才能记录执行。"
    )
    assert caught.value.message_en == (
        "These process controls are not yet in place: local officers accompany, body camera "
        "throughout, through the case-handling centre. Record them all before recording the "
        "execution."
    )
    r.case.refresh_from_db()
    assert r.case.stage == "approved"
    assert _counts() == before


def test_request_execute_after_all_controls_moves_to_executed(
    make_request: Any, police: Any
) -> None:
    r = make_request(persons=3)
    services.request_route(request=r, actor=police)
    complete_controls(r, police)

    services.request_execute(request=r, actor=police, note="已按指令单执行")

    r.refresh_from_db()
    r.case.refresh_from_db()
    assert (r.case.stage, r.executed_at is not None) == ("executed", True)


def test_request_execute_without_persons_needs_no_case_centre(
    make_request: Any, police: Any
) -> None:
    r = make_request(persons=0, bank_accounts=10, named=0)
    services.request_route(request=r, actor=police)
    services.controls_update(
        request=r,
        actor=police,
        changes={
            "two_way_notice": True,
            "instruction_sheet_no": "ZLD-2",
            "accompanying_officers": "王警官",
            "body_camera_ref": "JLY-2",
        },
    )

    services.request_execute(request=r, actor=police)

    r.case.refresh_from_db()
    assert r.case.stage == "executed"


def test_generic_transition_also_gated_by_controls(make_request: Any, police: Any) -> None:
    from rainforest.cases.services import case_transition

    r = make_request(persons=3)
    services.request_route(request=r, actor=police)

    with pytest.raises(ConflictError) as caught:
        case_transition(case=r.case, action="execute", actor=police)

    assert caught.value.code == "guard_failed"


def test_controls_update_audited_with_what_is_missing(make_request: Any, police: Any) -> None:
    r = make_request(persons=3)

    services.controls_update(request=r, actor=police, changes={"body_camera_ref": "JLY-9"})

    record = AuditRecord.objects.filter(action="enforcement.controls_updated").get()
    assert record.data == {
        "changed": {"body_camera_ref": "JLY-9"},
        "missing": ["two_way_notice", "instruction_sheet", "accompanying_officers", "case_centre"],
    }


def test_controls_update_after_execution_is_conflict(make_request: Any, police: Any) -> None:
    r = make_request(persons=3)
    services.request_route(request=r, actor=police)
    complete_controls(r, police)
    services.request_execute(request=r, actor=police)

    with pytest.raises(ConflictError):
        services.controls_update(request=r, actor=police, changes={"two_way_notice": False})


# --- irregularity, report -------------------------------------------------------------------


def test_request_stop_closes_and_escalates_to_other_police(
    make_request: Any, police: Any, police_b: Any, officer: Any
) -> None:
    r = make_request(persons=10)
    services.request_route(request=r, actor=police)
    Notification.objects.all().delete()

    services.request_stop(request=r, actor=police, reason="请求机关未出示法律手续即要求冻结账户")

    r.refresh_from_db()
    r.case.refresh_from_db()
    assert (r.case.stage, r.case.status, r.irregularity) == (
        "stopped",
        "closed",
        "请求机关未出示法律手续即要求冻结账户",
    )
    assert list(Notification.objects.values_list("user__username", "kind")) == [
        ("police_b", "escalation")
    ]


def test_request_stop_without_reason_refused(make_request: Any, police: Any) -> None:
    r = make_request()

    with pytest.raises(ValidationError) as caught:
        services.request_stop(request=r, actor=police, reason="  ")

    assert caught.value.code == "reason_required"


def test_request_report_closes_case_with_report(make_request: Any, police: Any) -> None:
    r = make_request(persons=3)
    services.request_route(request=r, actor=police)
    complete_controls(r, police)
    services.request_execute(request=r, actor=police)

    services.request_report(
        request=r, actor=police, report="已协助传唤 3 人，均在执法办案管理中心询问。"
    )

    r.refresh_from_db()
    r.case.refresh_from_db()
    assert (r.case.stage, r.case.status, r.case.outcome) == ("reported", "closed", "reported")


def test_record_view_appends_audit(make_request: Any, police: Any) -> None:
    r = make_request()

    services.record_view(actor=police, case=r.case, via="page")

    record = AuditRecord.objects.filter(action="enforcement.viewed").get()
    assert (record.subject_id, record.actor_id, record.data) == (
        r.case.number,
        police.pk,
        {"via": "page"},
    )


def test_services_refuse_other_roles_as_not_found(make_request: Any) -> None:
    r = make_request()
    outsider = person(Role.PROGRAMME_OFFICER)

    with pytest.raises(NotFoundError):
        services.request_route(request=r, actor=outsider)
