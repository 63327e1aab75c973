"""The expert-pool endpoints answer bad input with the envelope, naming the field, and
write nothing; an expert never reaches another expert's record."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.review import services
from rainforest.review.models import Availability, DeclaredRelation, Expert
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.review.conftest import World, import_row, import_xlsx, org_uscc, rid
from tests.review.envelope import MISSING, P, assert_envelope, send

pytestmark = pytest.mark.django_db

TESTED_ENDPOINTS = {
    ("GET", f"{P}/experts"),
    ("GET", f"{P}/experts/{{expert_id}}"),
    ("POST", f"{P}/experts/import"),
    ("POST", f"{P}/experts/{{expert_id}}/approve"),
    ("POST", f"{P}/experts/{{expert_id}}/reject"),
    ("PUT", f"{P}/experts/{{expert_id}}/quality-flags"),
    ("POST", f"{P}/registration"),
    ("GET", f"{P}/profile"),
    ("PATCH", f"{P}/profile"),
    ("POST", f"{P}/profile/relations"),
    ("DELETE", f"{P}/profile/relations/{{relation_id}}"),
    ("POST", f"{P}/profile/availability"),
    ("DELETE", f"{P}/profile/availability/{{window_id}}"),
}


def counts() -> tuple[Any, ...]:
    return (
        tuple(
            Expert.objects.order_by("pk").values_list("status", "title", "quality_flags", "fields")
        ),
        DeclaredRelation.objects.count(),
        Availability.objects.count(),
        AuditRecord.objects.count(),
    )


def registration(**change: Any) -> dict[str, Any]:
    body = {
        "name": "赵六",
        "id_number": rid(990),
        "employer_name": "某研究院",
        "employer_uscc": org_uscc(990),
        "title": "研究员",
        "fields": ["AI"],
        "keywords": "芯片、人工智能",
    }
    return {k: v for k, v in {**body, **change}.items() if v is not None}


@pytest.fixture
def pending(world: World) -> Expert:
    data = services.ExpertIn("孙七", rid(991), org_uscc(991), "某大学", "教授", ("AI",), ())
    return services.expert_register(user=UserFactory(), data=data)


# --- staff endpoints --------------------------------------------------------------------------


def test_expert_list_bad_status(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    assert_envelope(client.get(f"{P}/experts?status=bogus"), 422, "status")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/experts", None),
        ("GET", "/experts/{e}", None),
        ("POST", "/experts/{e}/approve", {}),
        ("POST", "/experts/{e}/reject", {"reason": "研究方向不符合"}),
        ("PUT", "/experts/{e}/quality-flags", {"flags": ["late"], "note": "恶意设置的标记"}),
    ],
)
def test_staff_endpoints_are_404_for_experts_and_applicants_and_401_anonymous(
    client: Client, world: World, pending: Expert, method: str, path: str, body: Any
) -> None:
    # the expert asks about the pending registration and about themself: neither exists for them
    for user in (world.expert_users[0], world.applicants[0]):
        c = sign_in(Client(), user)
        for target in (pending.pk, world.experts[0].pk):
            before = counts()
            assert_envelope(send(c, method, P + path.format(e=target), body), 404)
            assert counts() == before
    assert_envelope(send(client, method, P + path.format(e=pending.pk), body), 401)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/experts/{e}", None),
        ("POST", "/experts/{e}/approve", {}),
        ("POST", "/experts/{e}/reject", {"reason": "研究方向不符合"}),
        ("PUT", "/experts/{e}/quality-flags", {"flags": [], "note": "核实后撤销标记"}),
    ],
)
@pytest.mark.parametrize(("expert_id", "status"), [("abc", 422), (MISSING, 404)])
def test_expert_by_bad_id(
    client: Client, world: World, method: str, path: str, body: Any, expert_id: Any, status: int
) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(send(client, method, P + path.format(e=expert_id), body), status)
    assert counts() == before


def test_approve_or_reject_an_active_expert_is_409(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    before = counts()
    e = world.experts[0].pk
    assert_envelope(send(client, "POST", f"{P}/experts/{e}/approve", {}), 409)
    assert_envelope(
        send(client, "POST", f"{P}/experts/{e}/reject", {"reason": "研究方向不符"}), 409
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({}, "reason", 422),
        ({"reason": 5}, "reason", 422),
        ({"reason": "不符"}, "reason", 422),  # too short to tell the person why
        ({"reason": "x" * 501}, "reason", 422),
        ("{", None, 400),
    ],
)
def test_reject_bad_input(
    client: Client, world: World, pending: Expert, body: Any, field: str | None, status: int
) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(send(client, "POST", f"{P}/experts/{pending.pk}/reject", body), status, field)
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "三次逾期提交"}, "flags"),
        ({"flags": "late", "note": "三次逾期提交"}, "flags"),
        ({"flags": ["lazy"], "note": "三次逾期提交"}, "flags.0"),
        ({"flags": ["late"]}, "note"),
        ({"flags": ["late"], "note": "逾期"}, "note"),
        ({"flags": ["late"], "note": 3}, "note"),
    ],
)
def test_flags_bad_input(client: Client, world: World, body: Any, field: str) -> None:
    sign_in(client, world.officer)
    before = counts()
    e = world.experts[0].pk
    assert_envelope(send(client, "PUT", f"{P}/experts/{e}/quality-flags", body), 422, field)
    assert counts() == before


# --- import ---------------------------------------------------------------------------------------


def xlsx(rows: list[list[str]], header: list[str] | None = None) -> io.BytesIO:
    upload = io.BytesIO(import_xlsx(rows, header))
    upload.name = "experts.xlsx"
    return upload


def test_import_reports_every_wrong_row_and_imports_nothing(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    before = counts()
    upload = xlsx(
        [import_row(1), import_row(2, id_number="123"), import_row(3, employer_uscc="x", title="")]
    )
    body = assert_envelope(client.post(f"{P}/experts/import", {"file": upload}), 422)
    assert body["code"] == "import_rejected"
    assert sorted(body["fields"]) == ["rows.3.id_number", "rows.4.employer_uscc", "rows.4.title"]
    assert counts() == before


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (None, "required"),
        (io.BytesIO(b"not a workbook"), "file_invalid"),
        ("header", "file_header"),
        ("empty", "import_rejected"),
    ],
)
def test_import_bad_file(client: Client, world: World, upload: Any, code: str) -> None:
    if upload == "header":
        upload = xlsx([import_row(1)], header=["姓名", "电话"])
    elif upload == "empty":
        upload = xlsx([])
    elif upload is not None:
        upload.name = "experts.xlsx"
    sign_in(client, world.officer)
    before = counts()
    data = {"file": upload} if upload is not None else {}
    body = assert_envelope(client.post(f"{P}/experts/import", data), 422, "file")
    assert body["code"] == code
    assert counts() == before


def test_import_by_expert_is_404(client: Client, world: World) -> None:
    sign_in(client, world.expert_users[0])
    before = counts()
    assert_envelope(client.post(f"{P}/experts/import", {"file": xlsx([import_row(1)])}), 404)
    assert counts() == before


# --- registration and the expert's own profile -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"name": " "}, "name"),
        ({"id_number": "440305198001011234"}, "id_number"),  # checksum wrong
        ({"employer_uscc": "91440300MA6000001X"}, "employer_uscc"),
        ({"fields": []}, "fields"),
        ({"fields": 5}, "fields"),
        ({"title": 3}, "title"),
        ({"email": "x" * 255}, "email"),
    ],
)
def test_registration_bad_input(
    client: Client, world: World, change: dict[str, Any], field: str
) -> None:
    sign_in(client, UserFactory())
    before = counts()
    assert_envelope(send(client, "POST", f"{P}/registration", registration(**change)), 422, field)
    assert counts() == before


def test_registration_twice_is_409_and_anonymous_401(client: Client, world: World) -> None:
    assert_envelope(send(client, "POST", f"{P}/registration", registration()), 401)
    sign_in(client, world.expert_users[0])
    before = counts()
    assert_envelope(send(client, "POST", f"{P}/registration", registration()), 409)
    assert_envelope(send(client, "POST", f"{P}/registration", "{"), 400)
    assert counts() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/profile", None),
        ("PATCH", "/profile", {"title": "研究员"}),
        ("POST", "/profile/relations", {"kind": "relative", "person_id_number": rid(101)}),
        ("POST", "/profile/availability", {"starts_on": "2099-01-01", "ends_on": "2099-01-02"}),
    ],
)
def test_profile_without_an_expert_record_is_404(
    client: Client, world: World, method: str, path: str, body: Any
) -> None:
    sign_in(client, world.applicants[0])
    before = counts()
    assert_envelope(send(client, method, P + path, body), 404)
    assert counts() == before
    assert_envelope(send(Client(), method, P + path, body), 401)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": 3}, "title"),
        ({"fields": []}, "fields"),
        ({"fields": " ，"}, "fields"),
        ({"email": "x" * 255}, "email"),
    ],
)
def test_profile_update_bad_input(client: Client, world: World, body: Any, field: str) -> None:
    sign_in(client, world.expert_users[0])
    before = counts()
    assert_envelope(send(client, "PATCH", f"{P}/profile", body), 422, field)
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"person_id_number": rid(101)}, "kind"),
        ({"kind": "friend", "person_id_number": rid(101)}, "kind"),
        ({"kind": "relative"}, "person_id_number"),
        ({"kind": "relative", "person_id_number": "123"}, "person_id_number"),
        ({"kind": "relative", "uscc": "123"}, "uscc"),
        ({"kind": "coauthor", "person_id_number": rid(101)}, "last_year"),
        ({"kind": "coauthor", "person_id_number": rid(101), "last_year": "2024"}, "last_year"),
        ({"kind": "coauthor", "person_id_number": rid(101), "last_year": 1949}, "last_year"),
        ({"kind": "coauthor", "person_id_number": rid(101), "last_year": 2999}, "last_year"),
    ],
)
def test_relation_bad_input(client: Client, world: World, body: Any, field: str) -> None:
    sign_in(client, world.expert_users[0])
    before = counts()
    assert_envelope(send(client, "POST", f"{P}/profile/relations", body), 422, field)
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ends_on": "2099-01-02"}, "starts_on"),
        ({"starts_on": "tomorrow", "ends_on": "2099-01-02"}, "starts_on"),
        ({"starts_on": "2099-01-02", "ends_on": "2099-01-01"}, "ends_on"),
        ({"starts_on": "2020-01-01", "ends_on": "2020-01-02"}, "ends_on"),  # already over
        ({"starts_on": "2099-01-01", "ends_on": "2099-01-02", "note": "x" * 201}, "note"),
    ],
)
def test_availability_bad_input(client: Client, world: World, body: Any, field: str) -> None:
    sign_in(client, world.expert_users[0])
    before = counts()
    assert_envelope(send(client, "POST", f"{P}/profile/availability", body), 422, field)
    assert counts() == before


@pytest.mark.parametrize("what", ["relations", "availability"])
def test_removing_another_experts_row_is_404_and_removes_nothing(
    client: Client, world: World, what: str
) -> None:
    other = world.experts[1]
    if what == "relations":
        row_id = services.relation_declare(
            actor=other.user, expert=other, kind="relative", person_id_number=rid(101)
        ).pk
    else:
        row_id = Availability.objects.create(
            expert=other, starts_on=date(2099, 1, 1), ends_on=date(2099, 1, 2)
        ).pk
    sign_in(client, world.expert_users[0])
    before = counts()
    for target, status in ((row_id, 404), (MISSING, 404), ("abc", 422)):
        assert_envelope(send(client, "DELETE", f"{P}/profile/{what}/{target}"), status)
    assert counts() == before
    assert_envelope(send(Client(), "DELETE", f"{P}/profile/{what}/{row_id}"), 401)
