"""Shared pages: a case with its diagram and actions, my tasks, the language switch."""

from __future__ import annotations

from typing import Any

from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, TimelineEntry
from tests.conftest import at, sign_in


def test_case_page_shows_diagram_with_current_stage(
    client: Client, file_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-11-02 09:00"))
    sign_in(client, officer)

    page = client.get(f"/cases/{pledge.case.pk}/").content.decode()

    assert "<svg" in page
    assert 'aria-current="step"' in page
    assert page.count('aria-current="step"') == 1
    assert "登记审查" in page
    assert "2026-11-04 23:59" in page
    assert 'value="register"' in page  # the officer may register


def test_case_page_bank_sees_no_staff_actions(
    client: Client, file_pledge: Any, banker_a: Any, bank_a: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a)
    sign_in(client, banker_a)

    page = client.get(f"/cases/{pledge.case.pk}/").content.decode()

    assert 'value="register"' not in page
    assert 'value="reject"' not in page


def test_case_act_without_required_reason_shows_error_and_writes_nothing(
    client: Client, file_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a)
    sign_in(client, officer)
    before = (TimelineEntry.objects.count(), AuditRecord.objects.count())

    response = client.post(f"/cases/{pledge.case.pk}/act/", {"action": "return", "reason": "  "})

    page = response.content.decode()
    assert response.status_code == 422
    assert "<title>错误：" in page
    assert "存在以下问题" in page
    assert 'href="#reason-return"' in page
    assert Case.objects.get(pk=pledge.case.pk).stage == "review"
    assert (TimelineEntry.objects.count(), AuditRecord.objects.count()) == before


def test_case_act_by_stranger_is_not_found(
    client: Client, file_pledge: Any, banker_a: Any, bank_a: Any, banker_b: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a)
    sign_in(client, banker_b)

    response = client.post(f"/cases/{pledge.case.pk}/act/", {"action": "withdraw"})

    assert response.status_code == 404
    assert Case.objects.get(pk=pledge.case.pk).stage == "review"


def test_tasks_page_lists_officer_work(
    client: Client, file_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a)
    sign_in(client, officer)

    page = client.get("/tasks/").content.decode()

    assert pledge.case.number in page


def test_language_switch_to_english(client: Client, db: None) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302

    page = client.get("/accounts/login/").content.decode()

    assert '<html lang="en">' in page
    assert "Sign in" in page
