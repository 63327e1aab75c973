"""Who acts next on a case: the people a reminder about its current stage goes to."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from rainforest.accounts.models import User
from rainforest.accounts.roles import STAFF_ROLES
from rainforest.cases.models import Case
from rainforest.core.workflow import ProcessDefinition


def stage_actors(case: Case, defn: ProcessDefinition) -> QuerySet[User]:
    """Active people who may take a transition out of the case's stage.

    Staff roles act on every case; the other roles (the applicant side) only on cases of
    their own organisation.
    """
    roles = {str(r) for t in defn.transitions_from(case.stage) for r in t.roles}
    if not roles:
        return User.objects.none()
    staff = sorted(roles & {str(r) for r in STAFF_ROLES})
    others = sorted(roles - set(staff))
    # One filter() call: both conditions on a membership refer to the same membership row.
    who = Q()
    if staff:
        who |= Q(memberships__role__in=staff)
    if others:
        who |= Q(memberships__organisation_id=case.owner_org_id, memberships__role__in=others)
    return User.objects.filter(who, is_active=True).distinct().order_by("id")
