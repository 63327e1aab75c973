"""Importing experts from xlsx: every row checked, nothing imported while any is wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.core.errors import ValidationError
from rainforest.review.models import (
    Expert,
    ExpertStatus,
)
from rainforest.review.services._common import now_or
from rainforest.review.services.pool import ExpertIn, check_expert


@dataclass(frozen=True)
class ImportRowError:
    row: int
    field: str
    message_zh: str
    message_en: str


class ImportRejected(ValidationError):
    code = "import_rejected"

    def __init__(self, errors: Sequence[ImportRowError]) -> None:
        self.errors = tuple(errors)
        super().__init__(
            f"导入文件有 {len(errors)} 处问题，未导入任何专家；请改正后重新上传。",
            f"The file has {len(errors)} problems; nothing was imported. Fix them and upload again.",
            field="file",
        )


IMPORT_COLUMNS = (
    ("name", "姓名"),
    ("id_number", "身份证号码"),
    ("employer_uscc", "工作单位统一社会信用代码"),
    ("employer_name", "工作单位"),
    ("title", "职称"),
    ("fields", "学科/领域代码"),
    ("keywords", "关键词"),
    ("email", "电子邮箱"),
)


def expert_import(
    *, actor: User, rows: Sequence[Mapping[str, str]], now: datetime | None = None
) -> int:
    """Import experts (active at once); nothing is imported while any row is wrong.

    ``rows`` are the sheet's data rows (row 2 onwards) keyed by column code.
    """
    now = now_or(now)
    errors: list[ImportRowError] = []
    cleaned_rows: list[ExpertIn] = []
    seen: dict[str, int] = {}
    existing = set(
        Expert.objects.filter(
            id_number__in=[str(r.get("id_number", "")).strip().upper() for r in rows]
        ).values_list("id_number", flat=True)
    )
    for n, row in enumerate(rows, start=2):
        data = ExpertIn(**{code: str(row.get(code) or "") for code, _ in IMPORT_COLUMNS})
        cleaned, problems = check_expert(data)
        for p in problems:
            errors.append(ImportRowError(n, p.field or "", p.message_zh, p.message_en))
        if not problems:
            if cleaned.id_number in existing:
                errors.append(
                    ImportRowError(
                        n,
                        "id_number",
                        "该身份证号码已在专家库中。",
                        "This ID number is already in the pool.",
                    )
                )
            elif cleaned.id_number in seen:
                errors.append(
                    ImportRowError(
                        n,
                        "id_number",
                        f"与第 {seen[cleaned.id_number]} 行的身份证号码重复。",
                        f"Same ID number as row {seen[cleaned.id_number]}.",
                    )
                )
            seen.setdefault(cleaned.id_number, n)
        cleaned_rows.append(cleaned)
    if not rows:
        errors.append(ImportRowError(0, "file", "文件中没有专家数据。", "The file has no rows."))
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        Expert.objects.bulk_create(
            [
                Expert(
                    name=c.name,
                    id_number=c.id_number,
                    employer_uscc=c.employer_uscc,
                    employer_name=c.employer_name,
                    title=c.title,
                    fields=list(c.fields),
                    keywords=list(c.keywords),
                    email=c.email,
                    status=ExpertStatus.ACTIVE,
                    created_at=now,
                    approved_at=now,
                    approved_by=actor,
                )
                for c in cleaned_rows
            ]
        )
        audit_append(
            actor=actor,
            action="review.expert_import",
            subject_type="expert",
            subject_id="import",
            data={"rows": len(cleaned_rows)},
        )
    return len(cleaned_rows)


def read_xlsx(data: bytes) -> list[dict[str, str]]:
    """The first sheet's rows keyed by column code; headers may be the Chinese names."""
    import io

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ValidationError(
            "无法读取文件，请上传 Excel（.xlsx）文件。",
            "The file cannot be read; upload an Excel (.xlsx) file.",
            field="file",
            code="file_invalid",
        ) from exc
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    if not rows:
        return []
    by_name = {zh: code for code, zh in IMPORT_COLUMNS} | {code: code for code, _ in IMPORT_COLUMNS}
    header = [by_name.get(str(h or "").strip(), "") for h in rows[0]]
    missing = [zh for code, zh in IMPORT_COLUMNS[:6] if code not in header]
    if missing:
        raise ValidationError(
            f"表头缺少列：{'、'.join(missing)}。请使用导入模板。",
            f"The header lacks columns: {', '.join(missing)}. Use the import template.",
            field="file",
            code="file_header",
        )
    out = []
    for values in rows[1:]:
        if all(v in (None, "") for v in values):
            continue
        out.append(
            {
                code: ("" if v is None else str(v).strip())
                for code, v in zip(header, values, strict=False)
                if code
            }
        )
    return out
