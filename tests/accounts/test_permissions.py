"""Permission predicates as truth tables."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from rainforest.accounts import permissions
from rainforest.accounts.roles import Role
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
    def __init__(self, owner_org_id: int) -> None:
        self.owner_org_id = owner_org_id


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
    assert permissions.can_view_case(user, case_of_a) is can_view_a
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
