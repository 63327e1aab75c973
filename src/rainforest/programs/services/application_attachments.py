"""Attachments of an application (附件): files added to a draft (or to an application
returned for correction) and removed from it.

A file is checked before anything is written (kind, size, type from its bytes, the same
allow-list as case attachments), stored under ATTACHMENT_ROOT through a temporary file,
and recorded in the same transaction that marks the section done; a refusal leaves no
file behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.cases.attachments import clean_name, sniff_content_type, storage_path
from rainforest.cases.models import Attachment
from rainforest.core.errors import NotFoundError, ValidationError
from rainforest.programs import domain_formal_review
from rainforest.programs.models import Application, DraftAttachment
from rainforest.programs.services.applications import audit_section, lock_draft, mark_done


def _store(uploaded: UploadedFile, storage_name: str, limit: int) -> tuple[Path, int, str]:
    """Copy the upload to its place under ATTACHMENT_ROOT (temporary file, then rename)."""
    final = storage_path(storage_name)
    final.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            uploaded.seek(0)
            for chunk in uploaded.chunks(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                out.write(chunk)
        os.replace(tmp_name, final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return final, size, digest.hexdigest()


def _too_large(limit: int) -> ValidationError:
    mb = limit / (1024 * 1024)
    return ValidationError(
        f"文件不能大于 {mb:g} MB，请压缩或拆成几个文件后再上传。",
        f"The file must be at most {mb:g} MB; compress it or split it.",
        field="file",
        code="file_too_large",
    )


def application_attach(
    *,
    actor: User,
    application: Application,
    kind: str,
    uploaded_file: UploadedFile,
    now: datetime | None = None,
) -> DraftAttachment:
    """Attach a file to a draft; the same allow-list as case attachments (type from bytes)."""
    now = now or timezone.now()
    if kind not in domain_formal_review.ATTACHMENT_KINDS:
        raise ValidationError(
            "请选择附件类型", "Choose what the file is", field="kind", code="unknown_kind"
        )
    limit = int(settings.ATTACHMENT_MAX_BYTES)
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise _too_large(limit)
    if not uploaded_file.size:
        raise ValidationError(
            "文件是空的，请选择有内容的文件。",
            "The file is empty; choose a file with content.",
            field="file",
            code="file_empty",
        )
    name = clean_name(uploaded_file.name or "")
    content_type = sniff_content_type(uploaded_file, name)
    if content_type is None:
        raise ValidationError(
            "只能上传 PDF 文件、PNG/JPEG/WebP 图片，或 Word、Excel、PowerPoint 文档。"
            "这个文件的内容不是其中任何一种，请另存为上述格式后再上传。",
            "Only PDF, PNG/JPEG/WebP images, or Word, Excel and PowerPoint documents can be "
            "uploaded; the content of this file is none of these.",
            field="file",
            code="file_type",
        )
    # Checked before the file is written so a refusal leaves nothing behind.
    with transaction.atomic():
        lock_draft(application, actor)
    storage_name = uuid.uuid4().hex
    path, size, sha = _store(uploaded_file, storage_name, limit)
    try:
        with transaction.atomic():
            locked = lock_draft(application, actor)
            attachment = DraftAttachment.objects.create(
                application=locked,
                kind=kind,
                uploaded_by=actor,
                uploaded_at=now,
                original_name=name,
                content_type=content_type,
                size=size,
                sha256=sha,
                storage_name=storage_name,
            )
            if locked.case is not None:
                # Returned for correction: the new file joins the case's record too.
                Attachment.objects.create(
                    case=locked.case,
                    uploaded_by=actor,
                    original_name=name,
                    content_type=content_type,
                    size=size,
                    sha256=sha,
                    storage_name=storage_name,
                    purpose=kind,
                )
            mark_done(locked, "attachments", now, complete=_attachments_complete(locked))
            audit_section(
                actor,
                locked,
                "attachments",
                {"added": attachment.pk, "kind": kind, "name": name, "sha256": sha, "size": size},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


def application_detach(
    *, actor: User, application: Application, attachment_id: int, now: datetime | None = None
) -> Application:
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_draft(application, actor)
        attachment = locked.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFoundError("找不到这个附件", "Attachment not found", field="attachment")
        attachment.delete()
        mark_done(locked, "attachments", now, complete=_attachments_complete(locked))
        audit_section(actor, locked, "attachments", {"removed": attachment_id})
    return locked


def _attachments_complete(locked: Application) -> bool:
    present = set(locked.attachments.values_list("kind", flat=True))
    required = set(locked.call.required_attachments)
    return required <= present and (bool(present) or not required)
