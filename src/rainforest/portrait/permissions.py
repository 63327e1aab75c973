"""Who may do what with portraits: predicates of the person (and organisation)."""

from __future__ import annotations

from typing import Any

from rainforest.accounts.models import Organisation, OrganisationKind
from rainforest.accounts.permissions import has_role, is_staff
from rainforest.accounts.roles import Role


def enterprises_of(user: Any) -> list[Organisation]:
    """The enterprises a person acts for (申报人 of an enterprise organisation)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Organisation.objects.filter(
            memberships__user=user,
            memberships__role=Role.APPLICANT,
            kind=OrganisationKind.ENTERPRISE,
        ).distinct()
    )


def banks_of(user: Any) -> list[Organisation]:
    if not has_role(user, Role.BANK_OFFICER):
        return []
    return list(
        Organisation.objects.filter(
            memberships__user=user, memberships__role=Role.BANK_OFFICER, kind=OrganisationKind.BANK
        ).distinct()
    )


def can_review_links(user: Any) -> bool:
    """Data officers and programme officers confirm uncertain name links."""
    return has_role(user, Role.DATA_OFFICER) or has_role(user, Role.PROGRAMME_OFFICER)


def can_see_operations(user: Any) -> bool:
    """Run records and the served-enterprises dashboard across all banks."""
    return is_staff(user)
