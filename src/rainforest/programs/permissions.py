"""Who may do what in the programme. Plain predicates, tested as truth tables."""

from __future__ import annotations

from typing import Any

from rainforest.accounts.permissions import has_role, is_staff, org_ids, roles_in_org
from rainforest.accounts.roles import Role


def can_run_programme(user: Any) -> bool:
    """Programme officers open windows, draft and publish calls, review applications."""
    return has_role(user, Role.PROGRAMME_OFFICER)


def can_propose(user: Any) -> bool:
    """Anyone registered (any role in an organisation) may send a proposal."""
    return bool(org_ids(user))


def can_apply_for(user: Any, organisation_id: int) -> bool:
    return Role.APPLICANT in roles_in_org(user, organisation_id)


def can_see_application(user: Any, application: Any) -> bool:
    return is_staff(user) or application.applicant_org_id in org_ids(user)


def can_edit_application(user: Any, application: Any) -> bool:
    """The applicant edits a draft, or a submitted one while it waits for correction."""
    if not can_apply_for(user, application.applicant_org_id):
        return False
    if application.status == "draft":
        return True
    case = application.case
    return case is not None and case.stage == "correction" and case.status == "open"


def can_see_similarity(user: Any) -> bool:
    """Near-duplicate flags are for staff only, never for other applicants."""
    return is_staff(user)
