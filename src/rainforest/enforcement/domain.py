"""Cross-region enforcement collaboration (异地公安机关来深执法办案协作), pure: no Django.

Police of another region who ask Shenzhen police to act against people or property here
need approval above thresholds (POLICY.md §2). Three criteria are counted: persons
summoned, compelled, detained, arrested or questioned (传唤、拘传、拘留、逮捕、讯问),
property sealed, seized or frozen (查封、扣押、冻结财物, in yuan) and bank accounts frozen.
Any single criterion reaching a level is enough; the highest level reached applies.
「以上」 includes the number itself (刑法第九十九条), so 10 persons already need the
department's approval.

Levels (审批层级):
- ``bureau`` — 报市局批准 (approval by the city bureau);
- ``bureau_department`` — 报市局相关内设机构批准 (approval by the bureau's department);
- ``routine`` — 常规协作 (routine collaboration, no further approval).

The process controls (双向告知, 指令单, 民警协作, 全程执法记录仪, 进执法办案管理中心) must
all be in place before an execution is recorded; :func:`missing_controls` says which are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan
from rainforest.core.policy import (
    Citation,
    Decision,
    ParameterRegistry,
    ParameterSet,
    Reason,
)

PARAMETERS_NAME = "enforcement.approval_level"

SEED_LETTER = "深圳市科技创新局关于市七届人大六次会议第20250968号建议答复的函（2025年10月29日）"
# The letter's section 一（三） names the rules behind this measure. It does not say which of
# them holds the thresholds, so a decision cites the letter for the numbers and lists these
# as the documents the letter names.
FRAMEWORK_DOCUMENTS = (
    "《深圳市公安局刑事办案协作规范（试行）》",
    "《关于进一步明确开展办案协作有关事项的通知》",
    "《关于规范异地公安机关在深涉企业办案协作工作的通知》",
    "《关于进一步规范接受异地公安机关办案协作申请的通知》",
)
_THRESHOLDS = Citation(SEED_LETTER, "一（三）二是（协外工作审批流程）")
_CONTROLS = Citation(SEED_LETTER, "一（三）一是（全流程管控机制）")
_DOCUMENTS = Citation(SEED_LETTER, "一（三）一是（系列制度文件）")

BUREAU = "bureau"
DEPARTMENT = "bureau_department"
ROUTINE = "routine"
LEVELS = (ROUTINE, DEPARTMENT, BUREAU)  # lowest first
LEVEL_NAMES = {
    BUREAU: ("报市局批准", "approval by the city bureau"),
    DEPARTMENT: ("报市局相关内设机构批准", "approval by a department of the city bureau"),
    ROUTINE: ("常规协作", "routine collaboration"),
}

FIELDS = ("persons", "property_value", "bank_accounts")
FIELD_NAMES = {
    "persons": ("传唤、拘传、拘留、逮捕、讯问人数", "persons summoned, detained or questioned"),
    "property_value": ("查封、扣押、冻结财物价值", "value of property sealed, seized or frozen"),
    "bank_accounts": ("冻结银行账户数", "bank accounts frozen"),
}

# The process controls, in the order the letter lists them (一（三）一是).
CONTROL_ITEMS = (
    "two_way_notice",
    "instruction_sheet",
    "accompanying_officers",
    "body_camera",
    "case_centre",
)
CONTROL_NAMES = {
    "two_way_notice": ("双向告知", "two-way notice"),
    "instruction_sheet": ("指令单", "instruction sheet"),
    "accompanying_officers": ("民警协作", "local officers accompany"),
    "body_camera": ("全程执法记录仪", "body camera throughout"),
    "case_centre": ("进执法办案管理中心", "through the case-handling centre"),
}

PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name=PARAMETERS_NAME,
            version="2025.1",
            # [default] The letter (2025-10-29) reports these rules as already in force;
            # 2025-01-01 is the earliest day we state them for.
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "bureau_persons_min": 30,
                "bureau_property_min": Decimal("100000000.00"),
                "bureau_accounts_min": 200,
                "department_persons_min": 10,
                "department_property_min": Decimal("10000000.00"),
                "department_accounts_min": 50,
                "process_controls": CONTROL_ITEMS,
                "framework_documents": FRAMEWORK_DOCUMENTS,
            },
            citations={
                "bureau_persons_min": _THRESHOLDS,
                "bureau_property_min": _THRESHOLDS,
                "bureau_accounts_min": _THRESHOLDS,
                "department_persons_min": _THRESHOLDS,
                "department_property_min": _THRESHOLDS,
                "department_accounts_min": _THRESHOLDS,
                "process_controls": _CONTROLS,
                "framework_documents": _DOCUMENTS,
            },
        ),
    ]
)


def parameters_on(day: date) -> ParameterSet:
    return PARAMETERS.in_force(PARAMETERS_NAME, day)


@dataclass(frozen=True)
class Measures:
    """The measures another region's police ask for (counts and amounts)."""

    persons: int
    property_value: Decimal
    bank_accounts: int

    def __post_init__(self) -> None:
        for name in ("persons", "bank_accounts"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(
                    f"{FIELD_NAMES[name][0]}应为整数",
                    f"The {FIELD_NAMES[name][1]} must be a whole number",
                    field=name,
                    code="count_invalid",
                )
            if value < 0:
                raise ValidationError(
                    f"{FIELD_NAMES[name][0]}不能是负数",
                    f"The {FIELD_NAMES[name][1]} cannot be negative",
                    field=name,
                    code="count_invalid",
                )
        value = self.property_value
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValidationError(
                "财物价值应为金额（元）",
                "The property value must be an amount in yuan",
                field="property_value",
                code="amount_invalid",
            )
        if value < 0:
            raise ValidationError(
                "财物价值不能是负数",
                "The property value cannot be negative",
                field="property_value",
                code="amount_invalid",
            )


def _shown(field: str, value: int | Decimal) -> tuple[str, str]:
    if field == "property_value":
        assert isinstance(value, Decimal)
        text = format_yuan(value.quantize(Decimal("0.01")), "auto")
        return text, text
    if field == "persons":
        return f"{value} 人", f"{value} persons"
    return f"{value} 个", f"{value} accounts"


def _thresholds(params: ParameterSet, level: str) -> dict[str, int | Decimal]:
    prefix = "bureau" if level == BUREAU else "department"
    return {
        "persons": params.integer(f"{prefix}_persons_min"),
        "property_value": params.decimal(f"{prefix}_property_min"),
        "bank_accounts": params.integer(f"{prefix}_accounts_min"),
    }


def _cite_key(level: str, field: str) -> str:
    prefix = "bureau" if level == BUREAU else "department"
    short = {"persons": "persons", "property_value": "property", "bank_accounts": "accounts"}
    return f"{prefix}_{short[field]}_min"


def approval_level(measures: Measures, params: ParameterSet) -> Decision:
    """The approval level for ``measures``: the highest level any one criterion reaches.

    The decision's outcome is the level; ``facts["triggered_by"]`` lists the criteria
    (field names, in the order persons, property_value, bank_accounts) that reached it.
    """
    facts_in: dict[str, int | Decimal] = {
        "persons": measures.persons,
        "property_value": measures.property_value,
        "bank_accounts": measures.bank_accounts,
    }
    for level in (BUREAU, DEPARTMENT):
        limits = _thresholds(params, level)
        # 「以上」: reaching the number is enough (>=).
        triggered = [f for f in FIELDS if facts_in[f] >= limits[f]]
        if triggered:
            zh_level, en_level = LEVEL_NAMES[level]
            reasons = []
            for f in triggered:
                value_zh, value_en = _shown(f, facts_in[f])
                limit_zh, limit_en = _shown(f, limits[f])
                reasons.append(
                    Reason(
                        f"{FIELD_NAMES[f][0]}为 {value_zh}，达到 {limit_zh}以上的标准，"
                        f"需{zh_level}后协助执行",
                        f"The {FIELD_NAMES[f][1]} is {value_en}, which reaches the threshold "
                        f"of {limit_en} or more, so the request needs {en_level}",
                    )
                )
            return _decision(
                level,
                params,
                reasons,
                [_cite_key(level, f) for f in triggered],
                facts_in,
                triggered,
            )
    limits = _thresholds(params, DEPARTMENT)
    reasons = []
    for f in FIELDS:
        value_zh, value_en = _shown(f, facts_in[f])
        limit_zh, limit_en = _shown(f, limits[f])
        reasons.append(
            Reason(
                f"{FIELD_NAMES[f][0]}为 {value_zh}，未达到 {limit_zh}",
                f"The {FIELD_NAMES[f][1]} is {value_en}, below {limit_en}",
            )
        )
    reasons.append(
        Reason(
            "三项均未达到报批标准，属常规协作，按规定审查后协助执行",
            "None of the three criteria reaches an approval threshold: routine collaboration, "
            "carried out after the usual review",
        )
    )
    return _decision(
        ROUTINE, params, reasons, [_cite_key(DEPARTMENT, f) for f in FIELDS], facts_in, []
    )


def _decision(
    level: str,
    params: ParameterSet,
    reasons: list[Reason],
    cite: list[str],
    facts: Mapping[str, int | Decimal],
    triggered: list[str],
) -> Decision:
    citations: list[Citation] = []
    for key in cite:
        citation = params.citation(key)
        if citation not in citations:
            citations.append(citation)
    documents = params.value("framework_documents")
    assert isinstance(documents, tuple)
    citations.extend(Citation(str(name)) for name in documents)
    return Decision(
        outcome=level,
        reasons=tuple(reasons),
        citations=tuple(citations),
        parameters_name=params.name,
        parameters_version=params.version,
        facts={**facts, "triggered_by": tuple(triggered)},
    )


def triggered_by(decision: Decision) -> list[str]:
    raw = decision.facts.get("triggered_by", ())
    assert isinstance(raw, tuple)
    return [str(item) for item in raw]


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def missing_controls(done: Mapping[str, bool], *, persons: int) -> list[str]:
    """The process controls not yet in place, in the letter's order.

    The case-handling centre (嫌疑人必须进执法办案管理中心) concerns suspects brought in;
    a request that takes no person in (``persons`` is 0) has nobody to bring there.
    """
    missing = []
    for item in CONTROL_ITEMS:
        if item == "case_centre" and persons == 0:
            continue
        if not done.get(item, False):
            missing.append(item)
    return missing


def controls_text(items: list[str]) -> tuple[str, str]:
    """The controls named for people: 「双向告知、指令单」 / "two-way notice, instruction sheet"."""
    return (
        "、".join(CONTROL_NAMES[i][0] for i in items),
        ", ".join(CONTROL_NAMES[i][1] for i in items),
    )
