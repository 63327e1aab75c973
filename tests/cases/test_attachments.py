"""cases/attachments.py: what may be stored, where, and who gets it back."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse
from PIL import Image

from rainforest.accounts.models import User
from rainforest.audit.models import AuditRecord
from rainforest.cases import attachments
from rainforest.cases.attachments import attachment_add, attachment_open, clean_name
from rainforest.cases.models import Attachment, Case
from rainforest.cases.services import case_transition
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from tests.conftest import at, sign_in

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1, 1), (0, 128, 0)).save(out, format=fmt)
    return out.getvalue()


def _ooxml(part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(part, '<?xml version="1.0"?><root/>')
    return out.getvalue()


OLE_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _url(attachment_id: int) -> str:
    return reverse("web:attachment_download", args=[attachment_id])


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def root(settings: Any, tmp_path: Path) -> Path:
    settings.ATTACHMENT_ROOT = tmp_path / "attachments"
    return settings.ATTACHMENT_ROOT


@pytest.fixture
def case(root: Path, bank_a: Any, banker_a: User, new_pledge: Any) -> Case:
    return new_pledge(banker_a, bank_a, now=at("2026-09-30 10:00")).case


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("合同.pdf", PDF_BYTES, "application/pdf"),
        ("logo.png", _image("PNG"), "image/png"),
        ("photo.jpg", _image("JPEG"), "image/jpeg"),
        ("photo.webp", _image("WEBP"), "image/webp"),
        (
            "说明.docx",
            _ooxml("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "清单.xlsx",
            _ooxml("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "汇报.pptx",
            _ooxml("ppt/presentation.xml"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("旧合同.doc", OLE_BYTES, "application/msword"),
        ("旧表格.xls", OLE_BYTES, "application/vnd.ms-excel"),
    ],
)
def test_attachment_add_allowed_type_stored(
    case: Case, banker_a: User, root: Path, name: str, content: bytes, expected: str
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    attachment = attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    stored = root / attachment.storage_name[:2] / attachment.storage_name
    assert attachment.content_type == expected
    assert attachment.original_name == name
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert _files(root) == [stored]
    assert stored.read_bytes() == content


@pytest.mark.django_db
def test_attachment_add_writes_audit_record(case: Case, banker_a: User) -> None:
    upload = SimpleUploadedFile("合同.pdf", PDF_BYTES)

    attachment = attachment_add(case=case, actor=banker_a, uploaded_file=upload, purpose="合同")

    record = AuditRecord.objects.get(action="case.attachment_added")
    assert (record.subject_id, record.actor_id) == (case.number, banker_a.pk)
    assert record.data["attachment_id"] == attachment.pk
    assert record.data["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("invoice.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("invoice.pdf", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("report.docx", b"PK\x03\x04" + b"\x00" * 60),
        ("setup.msi", OLE_BYTES),
    ],
    ids=["exe", "html", "gif", "broken-zip", "ole-not-office"],
)
def test_attachment_add_disallowed_content_refused_and_nothing_written(
    case: Case, banker_a: User, root: Path, name: str, content: bytes
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    with pytest.raises(ValidationError) as caught:
        attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    assert (caught.value.field, caught.value.code) == ("file", "file_type")
    assert Attachment.objects.count() == 0
    assert _files(root) == []


@pytest.mark.django_db
def test_attachment_add_zip_without_office_parts_refused(case: Case, banker_a: User) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("payload/run.exe", b"MZ")
    upload = SimpleUploadedFile("report.docx", out.getvalue())

    with pytest.raises(ValidationError) as caught:
        attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    assert caught.value.code == "file_type"


@pytest.mark.django_db
def test_attachment_add_macro_document_refused(case: Case, banker_a: User) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<root/>")
        archive.writestr("word/vbaProject.bin", b"\x00")
    upload = SimpleUploadedFile("report.docx", out.getvalue())

    with pytest.raises(ValidationError) as caught:
        attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    assert caught.value.code == "file_type"


@pytest.mark.django_db
def test_attachment_add_too_large_refused_naming_limit(
    case: Case, banker_a: User, root: Path, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024 - 4))

    with pytest.raises(ValidationError) as caught:
        attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    assert (caught.value.field, caught.value.code) == ("file", "file_too_large")
    assert caught.value.message_zh == "文件不能大于 1 MB，请压缩或拆成几个文件后再上传。"
    assert Attachment.objects.count() == 0
    assert _files(root) == []


@pytest.mark.django_db
def test_attachment_add_exactly_at_limit_accepted(
    case: Case, banker_a: User, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 2048
    upload = SimpleUploadedFile("edge.pdf", b"%PDF-" + b"0" * (2048 - 5))

    attachment = attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    assert attachment.size == 2048


@pytest.mark.django_db
def test_attachment_add_size_lie_refused_while_copying(
    case: Case, banker_a: User, root: Path, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 2048
    upload = SimpleUploadedFile("liar.pdf", b"%PDF-" + b"0" * 4096)
    upload.size = 100  # what a misbehaving upload handler might report

    with pytest.raises(ValidationError) as caught:
        attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    assert caught.value.message_zh == "文件不能大于 2 KB，请压缩或拆成几个文件后再上传。"
    assert _files(root) == []


@pytest.mark.django_db
def test_attachment_add_empty_file_refused(case: Case, banker_a: User, root: Path) -> None:
    upload = SimpleUploadedFile("empty.pdf", b"")

    with pytest.raises(ValidationError) as caught:
        attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    assert (caught.value.field, caught.value.code) == ("file", "file_empty")
    assert _files(root) == []


@pytest.mark.django_db
def test_attachment_add_traversal_name_never_becomes_path(
    case: Case, banker_a: User, root: Path
) -> None:
    upload = SimpleUploadedFile("../../etc/passwd", PDF_BYTES)

    attachment = attachment_add(case=case, actor=banker_a, uploaded_file=upload)

    assert attachment.original_name == "passwd"
    assert _files(root) == [root / attachment.storage_name[:2] / attachment.storage_name]
    assert attachments.download_name(attachment) == "passwd.pdf"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\合同.pdf", "合同.pdf"),
        ("合\x00同\u202egpj.pdf", "合同gpj.pdf"),
        ("..", "附件"),
        ("", "附件"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_clean_name_display_safe(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


@pytest.mark.django_db
def test_attachment_add_failed_transaction_removes_file(
    case: Case, banker_a: User, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_audit(**kwargs: object) -> None:
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(attachments, "audit_append", broken_audit)

    with pytest.raises(RuntimeError):
        attachment_add(
            case=case, actor=banker_a, uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES)
        )

    assert Attachment.objects.count() == 0
    assert _files(root) == []


@pytest.mark.django_db
def test_attachment_add_closed_case_refused(
    case: Case, banker_a: User, officer: User, root: Path
) -> None:
    case_transition(
        case=case,
        action="reject",
        actor=officer,
        reason="材料不全",
        now=at("2026-10-08 10:00"),
    )
    case.refresh_from_db()

    with pytest.raises(ConflictError) as caught:
        attachment_add(
            case=case, actor=banker_a, uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES)
        )

    assert caught.value.code == "case_closed"
    assert _files(root) == []


@pytest.mark.django_db
def test_attachment_add_stranger_refused(case: Case, banker_b: User, root: Path) -> None:

    with pytest.raises(NotFoundError):
        attachment_add(
            case=case, actor=banker_b, uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES)
        )

    assert Attachment.objects.count() == 0
    assert _files(root) == []


@pytest.mark.django_db
def test_attachment_open_stranger_gets_404(
    case: Case,
    banker_a: User,
    banker_b: User,
) -> None:
    attachment = attachment_add(
        case=case, actor=banker_a, uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )

    with pytest.raises(Http404):
        attachment_open(user=banker_b, attachment_id=attachment.pk)


@pytest.mark.django_db
def test_attachment_open_staff_reads(case: Case, banker_a: User, officer: User) -> None:
    attachment = attachment_add(
        case=case, actor=banker_a, uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )

    opened, handle = attachment_open(user=officer, attachment_id=attachment.pk)
    with handle:
        content = handle.read()

    assert (opened.pk, content) == (attachment.pk, PDF_BYTES)


@pytest.mark.django_db
def test_attachment_download_owner_gets_bytes_intact(
    client: Client, case: Case, banker_a: User
) -> None:
    content = _image("PNG")
    attachment = attachment_add(
        case=case, actor=banker_a, uploaded_file=SimpleUploadedFile("营业执照.png", content)
    )
    client.force_login(banker_a)

    response = client.get(_url(attachment.pk))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.png"
    )


@pytest.mark.django_db
def test_attachment_download_other_bank_gets_404(
    client: Client,
    case: Case,
    banker_a: User,
    banker_b: User,
) -> None:
    attachment = attachment_add(
        case=case, actor=banker_a, uploaded_file=SimpleUploadedFile("合同.pdf", PDF_BYTES)
    )
    client.force_login(banker_b)

    response = client.get(_url(attachment.pk))
    missing = client.get(_url(attachment.pk + 1000))

    assert (response.status_code, missing.status_code) == (404, 404)
    assert response.content == missing.content


@pytest.mark.django_db
def test_attachment_download_anonymous_redirected_to_login(
    client: Client, case: Case, banker_a: User
) -> None:
    attachment = attachment_add(
        case=case, actor=banker_a, uploaded_file=SimpleUploadedFile("合同.pdf", PDF_BYTES)
    )

    response = client.get(_url(attachment.pk))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/cases/attachments/{attachment.pk}/"


@pytest.mark.django_db
def test_attachment_download_staff_after_second_factor(
    client: Client, case: Case, banker_a: User, officer: User
) -> None:
    attachment = attachment_add(
        case=case, actor=banker_a, uploaded_file=SimpleUploadedFile("合同.pdf", PDF_BYTES)
    )
    sign_in(client, officer)

    response = client.get(_url(attachment.pk))

    assert (response.status_code, b"".join(response.streaming_content)) == (200, PDF_BYTES)
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%90%88%E5%90%8C.pdf"
