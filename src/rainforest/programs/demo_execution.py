"""Demo data for R&D programmes, stage 10: execution of the approved demo projects.

For every project of the closed demo call (``demo_decision``) execution is set up
(``execution_begin``; the contract signature normally did it already, so this returns
the plan made then) and the first tranche (paid on signing the contract) of the first
project is released. The milestone reports come from the applications' milestones,
placed by ``demo_decision`` around the real current date: one overdue, one due soon.

Idempotent: the marker is a released tranche on a project of that call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.programs.demo_decision import DECISION_CALL_TITLE
from rainforest.programs.models import PaymentTranche, Project, TaskContract
from rainforest.programs.services.execution import execution_begin, tranche_release


def seed_execution_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Set up execution and release one tranche unless done; returns counts made."""
    projects = list(
        Project.objects.filter(call__title=DECISION_CALL_TITLE)
        .select_related("call", "application")
        .order_by("number")
    )
    officer = User.objects.filter(username="officer").first()
    if not projects or officer is None:
        return {}
    released = PaymentTranche.objects.filter(project__in=projects, released_at__isnull=False)
    if released.exists():
        return {}
    for project in projects:
        # Signing by both sides began execution already; this returns that plan.
        signed = TaskContract.objects.filter(project=project).values_list("signed_at", flat=True)
        execution_begin(actor=officer, project=project, now=signed.first() or timezone.now())
    tranche_release(
        actor=officer, project=projects[0], order=1, now=timezone.now() - timedelta(days=18)
    )
    progress("execution demo: schedules, milestone reports and one tranche released")
    return {"tranches_released": 1}
