"""programs/permissions.py as truth tables."""

from __future__ import annotations

from typing import Any

import pytest

from rainforest.programs import permissions
from tests.conftest import at

pytestmark = pytest.mark.django_db


def test_truth_table_of_roles(officer: Any, applicant: Any, rival_applicant: Any, lab: Any) -> None:
    table = {
        name: (
            permissions.can_run_programme(user),
            permissions.can_propose(user),
            permissions.can_apply_for(user, lab.pk),
            permissions.can_see_similarity(user),
        )
        for name, user in (
            ("officer", officer),
            ("applicant", applicant),
            ("rival", rival_applicant),
        )
    }

    assert table == {
        "officer": (True, True, False, True),
        "applicant": (False, True, True, False),
        "rival": (False, True, False, False),
    }


def test_edit_only_own_draft_or_in_correction(
    submitted: Any, applicant: Any, rival_applicant: Any, officer: Any
) -> None:
    from rainforest.programs import services

    before = permissions.can_edit_application(applicant, submitted)
    returned = services.formal_review_return(
        actor=officer, application=submitted, reason="补充", now=at("2026-10-09 10:00")
    )

    assert (
        before,
        permissions.can_edit_application(applicant, returned),
        permissions.can_edit_application(rival_applicant, returned),
        permissions.can_edit_application(officer, returned),
    ) == (False, True, False, False)
