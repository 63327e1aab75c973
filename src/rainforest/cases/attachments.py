"""Case attachments (附件): stored outside any web root, served only after a permission check.

What a file is gets decided by its first bytes, never by the name or the content type the
browser sent: an HTML page or a program renamed ``.pdf`` is refused. Files are stored
under a random name; the name the person gave is kept in the database for display only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.models import Attachment, Case, CaseStatus
from rainforest.cases.permissions import can_view_case
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError

logger = logging.getLogger(__name__)

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"

# The extensions a download of each type may carry; the first is added when the name has none.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    WEBP: (".webp",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    DOC: (".doc",),
    XLS: (".xls",),
    PPT: (".ppt",),
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A legacy compound file may be a Word, Excel or PowerPoint file, but also an installer
# (.msi) or an Outlook message: only the Office extensions are believed.
_OLE_BY_EXTENSION = {".doc": DOC, ".xls": XLS, ".ppt": PPT}
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_STORAGE_NAME = re.compile(r"[0-9a-f]{32}")
_CHUNK = 64 * 1024
MAX_NAME_LENGTH = 255


def _type_error() -> ValidationError:
    return ValidationError(
        "只能上传 PDF 文件、PNG/JPEG/WebP 图片，或 Word、Excel、PowerPoint 文档"
        "（docx、xlsx、pptx、doc、xls、ppt）。这个文件的内容不是其中任何一种，"
        "请另存为上述格式后再上传。",
        "Only PDF files, PNG/JPEG/WebP images, or Word, Excel and PowerPoint documents "
        "(docx, xlsx, pptx, doc, xls, ppt) can be uploaded. The content of this file is none "
        "of these; save it in one of these formats and upload it again.",
        field="file",
        code="file_type",
    )


def _size_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"


def _too_large_error(limit: int) -> ValidationError:
    text = _size_text(limit)
    return ValidationError(
        f"文件不能大于 {text}，请压缩或拆成几个文件后再上传。",
        f"The file must be at most {text}; compress it or split it into several files.",
        field="file",
        code="file_too_large",
    )


def _sniff_ooxml(handle: IO[bytes]) -> str | None:
    """The Office Open XML type of a zip, from its part names only (nothing is inflated)."""
    try:
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    # Macro-enabled documents carry their macros in vbaProject.bin: not accepted.
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    for prefix, mime in _OOXML_PARTS:
        if any(n.startswith(prefix) for n in names):
            return mime
    return None


def sniff_content_type(handle: IO[bytes], name: str) -> str | None:
    """The allowed MIME type the bytes are, or None. ``name`` only tells legacy Office apart."""
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        try:
            return _sniff_ooxml(handle)
        finally:
            handle.seek(0)
    if head.startswith(_OLE_MAGIC):
        return _OLE_BY_EXTENSION.get(Path(name).suffix.lower())
    return None


def clean_name(raw: str) -> str:
    """The name to show: no folders, no control or direction characters, at most 255 long."""
    text = unicodedata.normalize("NFC", raw or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    text = text.strip().strip(".").strip()
    if not text:
        text = "附件"
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_NAME_LENGTH]
    return text


def download_name(attachment: Attachment) -> str:
    """The original name, with the type's extension added when it does not carry one."""
    allowed = EXTENSIONS.get(attachment.content_type, ())
    name = str(attachment.original_name)
    if allowed and not name.lower().endswith(allowed):
        name = f"{name[: MAX_NAME_LENGTH - len(allowed[0])]}{allowed[0]}"
    return name


def _root() -> Path:
    return Path(settings.ATTACHMENT_ROOT)


def storage_path(storage_name: str) -> Path:
    """Where a stored file lives: ``ATTACHMENT_ROOT/<first two hex digits>/<name>``."""
    if not _STORAGE_NAME.fullmatch(storage_name):
        raise ValueError(f"not a storage name: {storage_name!r}")
    return _root() / storage_name[:2] / storage_name


@dataclass(frozen=True)
class _Written:
    path: Path
    size: int
    sha256: str


def _write(uploaded_file: UploadedFile, storage_name: str, limit: int) -> _Written:
    """Copy the upload to its final place atomically (temporary file, then rename)."""
    final = storage_path(storage_name)
    final.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            uploaded_file.seek(0)
            for chunk in uploaded_file.chunks(_CHUNK):
                size += len(chunk)
                # The size the upload reported is checked first; this guards against a lie.
                if size > limit:
                    raise _too_large_error(limit)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return _Written(final, size, digest.hexdigest())


def attachment_add(
    *, case: Case, actor: User, uploaded_file: UploadedFile, purpose: str = ""
) -> Attachment:
    """Store a file on an open case the actor can see; the row and its audit record together.

    The file is written before the transaction and removed if it fails. If a caller's outer
    transaction rolls back later, the file stays behind without a row: harmless, and found
    by comparing ATTACHMENT_ROOT with the table.
    """
    if not can_view_case(actor, case):
        raise NotFoundError("找不到这个办件。", "Case not found.", field="case")
    if case.status != CaseStatus.OPEN:
        raise ConflictError(
            "办件已办结，不能再添加附件。",
            "The case is closed; attachments can no longer be added.",
            field="file",
            code="case_closed",
        )
    purpose = (purpose or "").strip()
    if len(purpose) > 40:
        raise ValidationError(
            "附件用途不能超过 40 个字。",
            "The purpose must be at most 40 characters.",
            field="purpose",
            code="too_long",
        )
    limit = int(settings.ATTACHMENT_MAX_BYTES)
    declared = uploaded_file.size
    if declared is not None and declared > limit:
        raise _too_large_error(limit)
    if not declared:
        raise ValidationError(
            "文件是空的，请选择有内容的文件。",
            "The file is empty; choose a file with content.",
            field="file",
            code="file_empty",
        )
    name = clean_name(uploaded_file.name or "")
    content_type = sniff_content_type(uploaded_file, name)
    if content_type is None:
        raise _type_error()
    storage_name = uuid.uuid4().hex
    written = _write(uploaded_file, storage_name, limit)
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                case=case,
                uploaded_by=actor,
                original_name=name,
                content_type=content_type,
                size=written.size,
                sha256=written.sha256,
                storage_name=storage_name,
                purpose=purpose,
            )
            audit_append(
                actor=actor,
                action="case.attachment_added",
                subject_type="case",
                subject_id=case.number,
                data={
                    "attachment_id": attachment.pk,
                    "name": name,
                    "content_type": content_type,
                    "size": written.size,
                    "sha256": written.sha256,
                    "purpose": purpose,
                },
            )
    except BaseException:
        written.path.unlink(missing_ok=True)
        raise
    return attachment


def attachment_open(*, user: Any, attachment_id: int | str) -> tuple[Attachment, IO[bytes]]:
    """The attachment and its open file; a stranger gets 404 whether or not it exists."""
    try:
        attachment = Attachment.objects.select_related("case").get(pk=int(attachment_id))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_view_case(user, attachment.case):
        raise Http404
    try:
        handle = storage_path(attachment.storage_name).open("rb")
    except (OSError, ValueError):
        logger.exception("attachment %s: stored file missing", attachment.pk)
        raise Http404 from None
    return attachment, handle


@login_required
@require_safe
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment, handle = attachment_open(user=request.user, attachment_id=attachment_id)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Personal and business documents: not kept by shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
