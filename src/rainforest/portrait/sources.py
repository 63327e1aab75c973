"""The registry of source datasets (数据源目录) feeding the credit portrait (科技初创通).

Each source is one department's dataset: its typed columns, its key, how often it is
delivered, its data grade (GB/T 43697-2024: 核心 / 重要 / 一般; POLICY.md §7) and whom to
ask about it. Ingestion checks every drop against this registry; the pipeline reads only
what ingestion accepted. Pure Python: no Django, no engine.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SOURCES", "Column", "Source", "source"]

# Column types, as DuckDB spells them; ingestion casts the raw text with TRY_CAST.
STRING = "VARCHAR"
DATE = "DATE"
BIGINT = "BIGINT"
BOOLEAN = "BOOLEAN"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = True
    # Allowed values (for codes) or None; amounts and counts must not be negative.
    choices: tuple[str, ...] | None = None
    non_negative: bool = False
    # A date column checked against the allowed range (1980-01-01 to the run's as-of day).
    dated: bool = False


@dataclass(frozen=True)
class Source:
    code: str
    department_zh: str
    department_en: str
    dataset_zh: str
    dataset_en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    cadence: str  # monthly | event | snapshot
    grade: str  # 核心 | 重要 | 一般
    owner_contact: str
    # The column giving the month a row belongs to (for incremental runs and freshness).
    month_column: str
    # snapshot: the latest accepted drop replaces the earlier ones; append: drops add up.
    mode: str = "append"
    # Rows carry the unified social credit code; court records carry only a name.
    has_uscc: bool = True

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


USCC = Column("uscc", STRING)
TIER_CODES = ("hnte", "sme_specialised", "little_giant", "single_champion")
IP_TYPES = ("invention", "utility", "design", "trademark")

SOURCES: tuple[Source, ...] = (
    Source(
        "registration",
        "市场监督管理局",
        "Market Regulation Administration",
        "企业登记信息",
        "business registration",
        (
            USCC,
            Column("name", STRING),
            Column("address", STRING, required=False),
            Column("district", STRING, required=False),
            Column("industry", STRING, required=False),
            Column("founded_on", DATE, dated=True),
            Column("status", STRING, choices=("active", "cancelled")),
            Column("cancelled_on", DATE, required=False, dated=True),
        ),
        key=("uscc",),
        cadence="snapshot",
        grade="一般",
        owner_contact="市场监管局数据处 0755-0000-0001",
        month_column="founded_on",
        mode="snapshot",
    ),
    Source(
        "tax",
        "税务局",
        "Tax Bureau",
        "月度纳税额",
        "monthly tax paid",
        (USCC, Column("month", DATE, dated=True), Column("tax_fen", BIGINT, non_negative=True)),
        key=("uscc", "month"),
        cadence="monthly",
        grade="重要",
        owner_contact="税务局征管科技处 0755-0000-0002",
        month_column="month",
    ),
    Source(
        "social",
        "人力资源和社会保障局",
        "Human Resources and Social Security Bureau",
        "社会保险参保人数",
        "monthly social-insurance headcount",
        (USCC, Column("month", DATE, dated=True), Column("headcount", BIGINT, non_negative=True)),
        key=("uscc", "month"),
        cadence="monthly",
        grade="重要",
        owner_contact="人社局信息中心 0755-0000-0003",
        month_column="month",
    ),
    Source(
        "ip",
        "市场监督管理局（知识产权局）",
        "Intellectual Property Administration",
        "专利与商标授权",
        "patents and trademarks granted",
        (
            USCC,
            Column("ip_number", STRING),
            Column("ip_type", STRING, choices=IP_TYPES),
            Column("granted_on", DATE, dated=True),
        ),
        key=("ip_type", "ip_number"),
        cadence="event",
        grade="一般",
        owner_contact="知识产权局信息处 0755-0000-0004",
        month_column="granted_on",
    ),
    Source(
        "court",
        "中级人民法院",
        "Intermediate People's Court",
        "涉诉案件（仅有当事人名称）",
        "court cases (party name only)",
        (
            Column("case_number", STRING),
            Column("party_name", STRING),
            Column("party_address", STRING, required=False),
            Column("role", STRING, choices=("defendant", "plaintiff")),
            Column("filed_on", DATE, dated=True),
            Column("closed_on", DATE, required=False, dated=True),
        ),
        key=("case_number", "party_name"),
        cadence="event",
        grade="重要",
        owner_contact="法院信息技术处 0755-0000-0005",
        month_column="filed_on",
        has_uscc=False,
    ),
    Source(
        "utility",
        "供电局",
        "Power Supply Bureau",
        "电费缴纳",
        "electricity bills",
        (
            USCC,
            Column("month", DATE, dated=True),
            Column("kwh", BIGINT, non_negative=True),
            Column("bill_fen", BIGINT, non_negative=True),
            Column("paid", BOOLEAN),
        ),
        key=("uscc", "month"),
        cadence="monthly",
        grade="一般",
        owner_contact="供电局客户服务中心 0755-0000-0006",
        month_column="month",
    ),
    Source(
        "subsidy",
        "科技创新局",
        "Science, Technology and Innovation Bureau",
        "财政资助拨付",
        "subsidies paid",
        (
            USCC,
            Column("grant_number", STRING),
            Column("paid_on", DATE, dated=True),
            Column("amount_fen", BIGINT, non_negative=True),
        ),
        key=("grant_number",),
        cadence="event",
        grade="一般",
        owner_contact="科技创新局资金处 0755-0000-0007",
        month_column="paid_on",
    ),
    Source(
        "pledge",
        "市场监督管理局（知识产权局）",
        "Intellectual Property Administration",
        "知识产权质押登记",
        "IP pledges registered",
        (
            USCC,
            Column("registration_number", STRING),
            Column("registered_on", DATE, dated=True),
            Column("amount_fen", BIGINT, non_negative=True),
        ),
        key=("registration_number",),
        cadence="event",
        grade="重要",
        owner_contact="知识产权局运用促进处 0755-0000-0008",
        month_column="registered_on",
    ),
    Source(
        "voucher",
        "科技创新局",
        "Science, Technology and Innovation Bureau",
        "训力券、模型券、语料券使用",
        "AI vouchers redeemed",
        (
            USCC,
            Column("voucher_number", STRING),
            Column("used_on", DATE, dated=True),
            Column("amount_fen", BIGINT, non_negative=True),
        ),
        key=("voucher_number",),
        cadence="event",
        grade="一般",
        owner_contact="科技创新局人工智能处 0755-0000-0009",
        month_column="used_on",
    ),
    Source(
        "tier",
        "工业和信息化局 / 科技创新局",
        "Industry and Information Technology Bureau / S&T Bureau",
        "梯度资质（高企、专精特新、小巨人、单项冠军）",
        "enterprise tiers held",
        (
            USCC,
            Column("tier", STRING, choices=TIER_CODES),
            Column("certificate_number", STRING),
            Column("awarded_on", DATE, dated=True),
            Column("valid_until", DATE, required=False),
        ),
        key=("tier", "certificate_number"),
        cadence="event",
        grade="一般",
        owner_contact="工信局中小企业处 0755-0000-0010",
        month_column="awarded_on",
    ),
)

_BY_CODE = {s.code: s for s in SOURCES}


def source(code: str) -> Source:
    return _BY_CODE[code]
