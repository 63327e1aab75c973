"""Permission predicates as truth tables."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from rainforest.accounts import permissions
from rainforest.accounts.roles import Role
from rainforest.cases import permissions as case_permissions
from tests.factories import OrganisationFactory, person


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    bank_a = OrganisationFactory(name="甲银行")
    bank_b = OrganisationFactory(name="乙银行")
    bureau = OrganisationFactory(name="科技局")
    users = {
        "anonymous": AnonymousUser(),
        "banker_a": person(Role.BANK_OFFICER, bank_a),
        "banker_b": person(Role.BANK_OFFICER, bank_b),
        "officer": person(Role.PROGRAMME_OFFICER, bureau),
        "admin": person(Role.ADMINISTRATOR, bureau),
        "expert": person(Role.EXPERT, OrganisationFactory()),
        "inactive_officer": person(Role.PROGRAMME_OFFICER, bureau, is_active=False),
    }
    return {"users": users, "bank_a": bank_a}


class _Case:
    def __init__(self, owner_org_id: int, process_code: str = "ip_pledge") -> None:
        self.owner_org_id = owner_org_id
        self.process_code = process_code


@pytest.mark.parametrize(
    ("who", "is_staff", "can_view_a", "can_file", "can_review", "needs_2fa"),
    [
        ("anonymous", False, False, False, False, None),
        ("banker_a", False, True, True, False, False),
        ("banker_b", False, False, True, False, False),
        ("officer", True, True, False, True, True),
        ("admin", True, True, False, False, True),
        ("expert", False, False, False, False, False),
        ("inactive_officer", False, False, False, False, True),
    ],
)
def test_permission_predicates_truth_table(
    world: dict[str, Any],
    who: str,
    is_staff: bool,
    can_view_a: bool,
    can_file: bool,
    can_review: bool,
    needs_2fa: bool | None,
) -> None:
    user = world["users"][who]
    case_of_a = _Case(world["bank_a"].pk)

    assert permissions.is_staff(user) is is_staff
    assert case_permissions.can_view_case(user, case_of_a) is can_view_a
    assert permissions.can_file_pledge(user) is can_file
    assert permissions.can_review_pledge(user) is can_review
    if needs_2fa is not None:
        assert user.needs_second_factor() is needs_2fa


def test_case_roles_staff_anywhere_others_only_in_owner_org(world: dict[str, Any]) -> None:
    users = world["users"]
    case_of_a = _Case(world["bank_a"].pk)

    assert permissions.case_roles(users["officer"], case_of_a) == {Role.PROGRAMME_OFFICER}
    assert permissions.case_roles(users["banker_a"], case_of_a) == {Role.BANK_OFFICER}
    assert permissions.case_roles(users["banker_b"], case_of_a) == frozenset()
    assert permissions.case_roles(users["anonymous"], case_of_a) == frozenset()


@pytest.fixture
def restricted_process() -> Any:
    """A restricted process only police legal officers act in, registered for the test."""
    from rainforest.cases import registry
    from rainforest.core.workflow import Stage, StageKind, Transition, define_process

    defn = define_process(
        code="test_restricted",
        version=1,
        name_zh="受限测试事项",
        name_en="Restricted test process",
        initial="review",
        stages=[
            Stage("review", "审查", "Review", StageKind.TASK, 5),
            Stage("done", "办结", "Done", StageKind.FINAL),
        ],
        transitions=[
            Transition(
                "finish",
                "review",
                "done",
                frozenset({Role.POLICE_LEGAL_OFFICER.value}),
                "办结",
                "Finish",
            )
        ],
    )
    registry.register(defn, number_prefix="TR", restricted=True)
    yield defn
    registry.unregister(defn.code, defn.version)


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("banker_a", False),  # even in the owner organisation: no role in the process
        ("officer", False),  # staff of another process
        ("admin", False),  # administrators see unrestricted processes only
        ("police", True),
    ],
)
def test_restricted_process_only_its_roles_see_it(
    world: dict[str, Any], restricted_process: Any, who: str, sees: bool
) -> None:
    users = {**world["users"], "police": person(Role.POLICE_LEGAL_OFFICER, OrganisationFactory())}
    case = _Case(world["bank_a"].pk, process_code="test_restricted")

    assert case_permissions.can_view_case(users[who], case) is sees
