"""Signing in: password, the TOTP second factor for staff, the failure rate limit."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pyotp
import pytest
from django.test import Client

from rainforest.accounts.models import LoginAttempt
from rainforest.accounts.roles import Role
from tests.factories import PASSWORD, OrganisationFactory, person


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_login_applicant_goes_straight_in() -> None:
    person(Role.BANK_OFFICER, username="bank")
    client = Client()

    response = _login(client, "bank", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/tasks/").status_code == 200


@pytest.mark.django_db
def test_login_staff_must_pass_second_factor_before_any_page() -> None:
    officer = person(Role.PROGRAMME_OFFICER, OrganisationFactory(), username="staff")
    client = Client()

    response = _login(client, "staff", PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/")
    blocked = client.get("/tasks/")
    assert blocked.status_code == 302
    assert blocked["Location"] == "/accounts/second-factor/"
    assert client.get("/api/v1/cases").status_code == 401

    wrong = client.post("/accounts/second-factor/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    assert client.get("/tasks/").status_code == 302

    right = client.post("/accounts/second-factor/", {"code": pyotp.TOTP(officer.totp_secret).now()})
    assert right.status_code == 302
    assert client.get("/tasks/").status_code == 200
    assert client.get("/api/v1/cases").status_code == 200


@pytest.mark.django_db
def test_login_wrong_password_shows_error_summary_and_keeps_username() -> None:
    person(Role.BANK_OFFICER, username="bank")

    response = _login(Client(), "bank", "wrong")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>错误：" in page
    assert "存在以下问题" in page
    assert 'href="#id_password"' in page
    assert 'value="bank"' in page


@pytest.mark.django_db
def test_login_failures_are_rate_limited_and_logged(settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    person(Role.BANK_OFFICER, username="bank")
    client = Client()

    for _ in range(3):
        assert _login(client, "bank", "wrong").status_code == 200
    locked = _login(client, "bank", PASSWORD)

    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert client.get("/tasks/").status_code == 302
    assert LoginAttempt.objects.filter(username="bank", succeeded=False).count() == 4
    assert LoginAttempt.objects.filter(username="bank", succeeded=True).count() == 0


@pytest.mark.django_db
def test_login_next_parameter_never_leaves_the_site() -> None:
    person(Role.BANK_OFFICER, username="bank")

    response = Client().post(
        "/accounts/login/",
        {"username": "bank", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == "/"


def test_pages_send_content_security_policy(client: Client, db: None) -> None:
    response = client.get("/accounts/login/")

    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_production_settings_pass_deploy_check(tmp_path: Any) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "RAINFOREST_ENV": "production",
        "SECRET_KEY": "x" * 64 + "-production-test-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "rainforest.example.cn",
        "RAINFOREST_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "rainforest.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
