"""Reading the registry spreadsheet (企业库导入表): one row per enterprise and tier.

A row carries the enterprise (code, name, industry, size, district, founding date) and,
optionally, one tier it holds (tier, certificate number, award date, valid until). An
enterprise with several tiers takes several rows that repeat its columns. Every cell is
checked here and every problem is reported with its row and column, so the whole file
can be corrected at once; nothing is written unless every row is right (services).

Codes and names are both accepted: 「制造业」 or ``manufacturing``, 「南山区」 or
``nanshan``, 「专精特新"小巨人"」 with any kind of quotes or ``little_giant``.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from rainforest.core.errors import DomainError
from rainforest.core.ids import make_uscc, validate_uscc
from rainforest.enterprises import domain

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    header_en: str
    required: bool


COLUMNS = (
    Column("uscc", "统一社会信用代码", "Unified social credit code", True),
    Column("name", "企业名称", "Name", True),
    Column("industry", "行业", "Industry", True),
    Column("size", "规模", "Size", True),
    Column("district", "所在区", "District", True),
    Column("founded_on", "成立日期", "Founded on", False),
    Column("tier", "梯度类型", "Tier", False),
    Column("certificate_number", "证书编号", "Certificate number", False),
    Column("awarded_on", "认定日期", "Awarded on", False),
    Column("valid_until", "有效期至", "Valid until", False),
)
_BY_KEY = {c.key: c for c in COLUMNS}
_TIER_KEYS = ("tier", "certificate_number", "awarded_on", "valid_until")


@dataclass(frozen=True)
class RowError:
    """A problem in one cell (``row`` as Excel numbers it; 1 is the header)."""

    row: int
    column: str  # the letter, "" for the whole row or file
    header: str
    value: str
    message_zh: str
    message_en: str

    def message(self, language: str = "zh-hans") -> str:
        return self.message_en if language.startswith("en") else self.message_zh


@dataclass(frozen=True)
class TierRow:
    tier: str
    certificate_number: str
    awarded_on: date
    valid_until: date | None


@dataclass(frozen=True)
class EnterpriseRow:
    row: int
    uscc: str
    name: str
    industry: str
    size: str
    district: str
    founded_on: date | None
    tier: TierRow | None


@dataclass
class Sheet:
    rows: list[EnterpriseRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # column key -> letter

    def error(self, row: int, key: str, value: object, zh: str, en: str) -> None:
        column = _BY_KEY.get(key)
        self.errors.append(
            RowError(
                row=row,
                column=self.letters.get(key, ""),
                header=column.header if column else "",
                value=_shown(value),
                message_zh=zh,
                message_en=en,
            )
        )


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:100]


def _normal(text: str) -> str:
    """Names compared without spaces and quotes of any kind: 专精特新"小巨人" = 专精特新“小巨人”."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in "\"'“”‘’「」《》").lower()


def _lookup(codes: dict[str, tuple[str, str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, (zh, en) in codes.items():
        for name in (code, zh, en):
            table[_normal(name)] = code
    return table


_INDUSTRY = _lookup(domain.INDUSTRIES)
_SIZE = _lookup(domain.SIZES)
_DISTRICT = _lookup(domain.DISTRICTS)
_TIER = _lookup(domain.TIERS)
# Common short forms people write in lists.
_SIZE.update(
    {
        _normal(k): v
        for k, v in {"大": "large", "中": "medium", "小": "small", "微": "micro"}.items()
    }
)
_DISTRICT.update(
    {_normal(zh.removesuffix("区")): code for code, (zh, _en) in domain.DISTRICTS.items()}
)
_TIER.update(
    {
        _normal("高新技术企业"): "hnte",
        _normal("国高"): "hnte",
        _normal("小巨人"): "little_giant",
        _normal("专精特新小巨人"): "little_giant",
        _normal("单项冠军"): "single_champion",
        _normal("制造业单项冠军"): "single_champion",
        _normal("制造业单项冠军企业"): "single_champion",
    }
)
_CODE_TABLES = {
    "industry": (_INDUSTRY, domain.INDUSTRIES),
    "size": (_SIZE, domain.SIZES),
    "district": (_DISTRICT, domain.DISTRICTS),
    "tier": (_TIER, domain.TIERS),
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: object) -> date | str | None:
    """A date, None for an empty cell, or the text that is not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for suffix in ("日",):
        text = text.removesuffix(suffix)
    text = text.replace("年", "-").replace("月", "-")
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 3:
            return date(parts[0], parts[1], parts[2])
    except ValueError:
        pass
    return str(value)


def _read_row(sheet: Sheet, number: int, cells: dict[str, object]) -> EnterpriseRow | None:
    before = len(sheet.errors)
    values: dict[str, Any] = {}
    for column in COLUMNS:
        raw = cells.get(column.key)
        if column.key in ("founded_on", "awarded_on", "valid_until"):
            parsed = _date(raw)
            if isinstance(parsed, str):
                sheet.error(
                    number,
                    column.key,
                    raw,
                    f"「{column.header}」应为日期，例如 2024-12-01，填写的是「{parsed}」。",
                    f"'{column.header_en}' must be a date such as 2024-12-01, not '{parsed}'.",
                )
                continue
            values[column.key] = parsed
            continue
        text = _text(raw)
        if not text:
            if column.required:
                sheet.error(
                    number,
                    column.key,
                    raw,
                    f"请填写「{column.header}」。",
                    f"'{column.header_en}' is required.",
                )
            values[column.key] = ""
            continue
        if column.key == "uscc":
            try:
                values["uscc"] = validate_uscc(text, field="uscc")
            except DomainError as exc:
                sheet.error(number, "uscc", raw, exc.message_zh, exc.message_en)
            continue
        if column.key in _CODE_TABLES:
            table, codes = _CODE_TABLES[column.key]
            code = table.get(_normal(text))
            if code is None:
                allowed_zh = "、".join(names[0] for names in codes.values())
                allowed_en = ", ".join(codes)
                sheet.error(
                    number,
                    column.key,
                    raw,
                    f"「{column.header}」的「{text}」不在可选范围内，应为：{allowed_zh}。",
                    f"'{text}' is not a known {column.header_en.lower()}; use one of: {allowed_en}.",
                )
                continue
            values[column.key] = code
            continue
        limit = 200 if column.key == "name" else 60
        if text[0] in "=+-@":
            # A leading = + - @ makes a spreadsheet read the cell as a formula when the
            # registry is exported again; no name or certificate number starts so.
            sheet.error(
                number,
                column.key,
                raw,
                f"「{column.header}」不能以 = + - @ 开头。",
                f"'{column.header_en}' cannot start with = + - or @.",
            )
            continue
        if len(text) > limit:
            sheet.error(
                number,
                column.key,
                raw,
                f"「{column.header}」不能超过 {limit} 个字。",
                f"'{column.header_en}' must be at most {limit} characters.",
            )
            continue
        values[column.key] = text

    tier: TierRow | None = None
    given = [k for k in _TIER_KEYS if _shown(cells.get(k)).strip()]
    if given:
        for key in ("tier", "certificate_number", "awarded_on"):
            if not _shown(cells.get(key)).strip():
                column = _BY_KEY[key]
                sheet.error(
                    number,
                    key,
                    None,
                    f"填写了梯度资质的行须同时填写「{column.header}」。",
                    f"A row with a tier needs '{column.header_en}' too.",
                )
        awarded, until = values.get("awarded_on"), values.get("valid_until")
        if isinstance(awarded, date) and isinstance(until, date) and until < awarded:
            sheet.error(
                number,
                "valid_until",
                until,
                f"「有效期至」（{until}）早于「认定日期」（{awarded}），请检查两个日期。",
                f"'Valid until' ({until}) is before 'Awarded on' ({awarded}); please check both.",
            )
    founded, awarded = values.get("founded_on"), values.get("awarded_on")
    if isinstance(founded, date) and isinstance(awarded, date) and awarded < founded:
        sheet.error(
            number,
            "awarded_on",
            awarded,
            f"「认定日期」（{awarded}）早于「成立日期」（{founded}），请检查两个日期。",
            f"'Awarded on' ({awarded}) is before 'Founded on' ({founded}); please check both.",
        )
    if len(sheet.errors) > before:
        return None
    if given:
        tier = TierRow(
            tier=values["tier"],
            certificate_number=values["certificate_number"],
            awarded_on=values["awarded_on"],
            valid_until=values.get("valid_until"),
        )
    return EnterpriseRow(
        row=number,
        uscc=values["uscc"],
        name=values["name"],
        industry=values["industry"],
        size=values["size"],
        district=values["district"],
        founded_on=values.get("founded_on"),
        tier=tier,
    )


def _cross_check(sheet: Sheet) -> None:
    """Rows of one enterprise must agree; a certificate appears once."""
    first: dict[str, EnterpriseRow] = {}
    certificates: dict[tuple[str, str], int] = {}
    for row in sheet.rows:
        seen = first.setdefault(row.uscc, row)
        if seen is not row:
            for key in ("name", "industry", "size", "district", "founded_on"):
                if getattr(seen, key) != getattr(row, key):
                    column = _BY_KEY[key]
                    sheet.error(
                        row.row,
                        key,
                        getattr(row, key),
                        f"同一企业（{row.uscc}）在第 {seen.row} 行的「{column.header}」是「{_shown(getattr(seen, key))}」，两行不一致。",
                        f"The same enterprise ({row.uscc}) has '{_shown(getattr(seen, key))}' as "
                        f"'{column.header_en}' in row {seen.row}; the rows disagree.",
                    )
        if row.tier is not None:
            key2 = (row.tier.tier, row.tier.certificate_number)
            if key2 in certificates:
                sheet.error(
                    row.row,
                    "certificate_number",
                    row.tier.certificate_number,
                    f"证书编号「{row.tier.certificate_number}」在第 {certificates[key2]} 行已出现过。",
                    f"Certificate '{row.tier.certificate_number}' already appears in row "
                    f"{certificates[key2]}.",
                )
            else:
                certificates[key2] = row.row


def read_workbook(stream: IO[bytes]) -> Sheet:
    """Every row of the first sheet, or every problem found in it."""
    # openpyxl warns about features it skips (data validation, default styles); they do
    # not change the values read, and a warning is no reason to refuse a file.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read(stream)


def _read(stream: IO[bytes]) -> Sheet:
    sheet = Sheet()
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        sheet.error(
            0, "", None, "文件超过 5 MB，请拆分后分批导入。", "The file is over 5 MB; split it."
        )
        return sheet
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        sheet.error(
            0,
            "",
            None,
            "无法读取该文件：请上传 Excel 2007 及以后版本的 .xlsx 文件。",
            "The file cannot be read: upload an Excel .xlsx file.",
        )
        return sheet
    try:
        ws = book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        names = {_normal(_text(h)): i for i, h in enumerate(header or ()) if _text(h)}
        index: dict[str, int] = {}
        for column in COLUMNS:
            found = names.get(_normal(column.header), names.get(_normal(column.header_en)))
            if found is None:
                found = names.get(_normal(column.key))
            if found is not None:
                index[column.key] = found
                sheet.letters[column.key] = get_column_letter(found + 1)
            elif column.required or column.key in ("tier", "certificate_number", "awarded_on"):
                sheet.error(
                    1,
                    "",
                    None,
                    f"第 1 行（表头）缺少「{column.header}」列。",
                    f"The header row has no '{column.header_en}' column.",
                )
        if sheet.errors:
            return sheet
        count = 0
        for number, values in enumerate(rows, start=2):
            if values is None or all(
                v is None or (isinstance(v, str) and not v.strip()) for v in values
            ):
                continue
            count += 1
            if count > MAX_ROWS:
                sheet.error(
                    number,
                    "",
                    None,
                    f"一次最多导入 {MAX_ROWS} 行，请拆分后分批导入。",
                    f"At most {MAX_ROWS} rows at a time; split the file.",
                )
                return sheet
            cells = {key: values[i] if i < len(values) else None for key, i in index.items()}
            parsed = _read_row(sheet, number, cells)
            if parsed is not None:
                sheet.rows.append(parsed)
        if count == 0:
            sheet.error(2, "", None, "表中没有数据行。", "The sheet has no data rows.")
    finally:
        book.close()
    _cross_check(sheet)
    sheet.errors.sort(key=lambda e: (e.row, e.column))
    return sheet


def template_workbook() -> bytes:
    """An empty sheet with the headers and one example row, for people to fill in."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "企业库"
    ws.append([c.header for c in COLUMNS])
    ws.append(
        [
            make_uscc("91440300MA5EXAMPL"),
            "示例科技有限公司",
            "制造业",
            "小型",
            "南山区",
            "2018-05-20",
            "专精特新中小企业",
            "ZJTX-2024-0001",
            "2024-06-30",
            "2027-06-29",
        ]
    )
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(column.header) * 3)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
