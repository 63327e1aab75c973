"""Expert review (专家评审) rules, pure: no Django. This file: the parameters and the data.

Review items (评审对象) are what experts are drawn for; the ``programs`` module's
applications become review items through ``review.adapters``. The rules are split by
subject, each file pure and typed:

* here: the policy parameters (avoidance, the draw, scoring), each value with its citation,
  and the plain data the rules read (review items, expert profiles, declared relations);
* :mod:`.domain_avoidance`: avoidance (回避), which expert may not review which item and why;
* :mod:`.domain_fit`: the field pool, the fit of an expert for an item, the draw's problem
  for :mod:`.domain_assignment`;
* :mod:`.domain_scoring`: score sheets, aggregation, consensus flags, the ranking and its
  tie rule;
* :mod:`.domain_settings`: a call's review settings (k, L, q, method, blind review);
* :mod:`.domain_meeting`: meeting review (会评), its session schedule and its ranking.

Identity is the resident ID number (居民身份证号码) for people and the unified social
credit code (统一社会信用代码) for organisations, normalised; names and e-mail addresses
are never compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rainforest.core.ids import normalise_resident_id, normalise_uscc
from rainforest.core.policy import Citation, ParameterRegistry, ParameterSet

# --- parameters ------------------------------------------------------------------------

CONDUCT_RULES = "《国家科技计划项目评审行为准则与督查办法》（科技部，2003年）"
EXPERT_RULES = "《科技部科技评估和评审专家库管理与使用规范》"
MANAGEMENT_MEASURES = "《深圳市重点领域研发计划管理办法》"
PLATFORM_DEFAULT = "科创雨林平台默认参数（管理员可调整）"
JECMEN_2020 = (
    "Jecmen et al., Mitigating Manipulation in Peer Review via Randomized Reviewer "
    "Assignments, NeurIPS 2020"
)

AVOIDANCE = "review.avoidance"
DRAW = "review.draw"
SCORING = "review.scoring"
MEETING = "review.meeting"


def _default(about: str) -> Citation:
    return Citation(PLATFORM_DEFAULT, about)


PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name=AVOIDANCE,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "same_employer": True,
                "same_call_team_member": True,
                "same_call_applicant": True,
                "declared_relation": True,
                "relation_kinds": ("relative", "teacher_student", "coauthor", "collaborator"),
                "collaboration_window_years": 3,
                "staff_recorded": True,
                "max_experts_per_org_per_panel": 1,
            },
            citations={
                # The conduct rules require experts with an interest in an application to
                # withdraw (回避); the concrete cases below are how the platform reads them.
                "same_employer": Citation(CONDUCT_RULES, "回避：与申请单位有隶属或利害关系"),
                "same_call_team_member": Citation(CONDUCT_RULES, "回避：本人参与同一批次项目申报"),
                "same_call_applicant": Citation(CONDUCT_RULES, "回避：本人参与同一批次项目申报"),
                "declared_relation": Citation(
                    CONDUCT_RULES, "回避：与项目申请人有亲属、师生、合作等关系"
                ),
                "relation_kinds": Citation(
                    CONDUCT_RULES, "回避：亲属、师生、近年合作者（合作论文、合作项目）"
                ),
                "collaboration_window_years": _default("近三年内合作视为利害关系 [default]"),
                "staff_recorded": Citation(EXPERT_RULES, "管理部门认定的其他应回避情形"),
                "max_experts_per_org_per_panel": _default(
                    "同一评审组内同一单位专家不超过1人 [default]"
                ),
            },
        ),
        ParameterSet(
            name=DRAW,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "experts_per_item": 5,
                "items_per_expert": 10,
                "probability_cap": "1/2",
                "fit_field_weight": Decimal("0.5"),
                "fit_text_weight": Decimal("0.5"),
                "ngram": 2,
                "pool": "field",
            },
            citations={
                "experts_per_item": Citation(
                    MANAGEMENT_MEASURES, "专家评审 每项目专家5人 [default]"
                ),
                "items_per_expert": _default("每位专家每批次评审项目数上限 [default]"),
                "probability_cap": Citation(JECMEN_2020, "probability cap q [default 0.5]"),
                "fit_field_weight": _default("匹配度：领域代码权重 [default]"),
                "fit_text_weight": _default("匹配度：关键词/文本相似度权重 [default]"),
                "ngram": _default("中文文本相似度：字符二元组 [default]"),
                "pool": Citation(EXPERT_RULES, "按学科领域从专家库随机抽取"),
            },
        ),
        ParameterSet(
            name=SCORING,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "method": "trimmed_mean",
                "trim_min_scores": 5,
                "normalise": False,
                "normalise_min_sheets": 3,
                "score_max": 100,
                "outlier_points": 20,
                "disagreement_sd": 15,
                "criteria": (
                    ("innovation", "创新性", "Innovation", 30),
                    ("feasibility", "可行性", "Feasibility", 25),
                    ("team", "团队能力", "Team", 20),
                    ("benefit", "预期效益", "Expected benefit", 25),
                ),
                "comment_min_chars": 10,
                "review_workdays": 10,
                "reminder_workdays_before": 2,
            },
            citations={
                "method": Citation(
                    MANAGEMENT_MEASURES, "专家评审 去掉一个最高分和一个最低分后取平均 [default]"
                ),
                "trim_min_scores": Citation(
                    MANAGEMENT_MEASURES, "专家5人以上（含）时去掉最高、最低分 [default]"
                ),
                "normalise": _default("按专家标准化评分（默认不启用）"),
                "normalise_min_sheets": _default("标准化所需的专家最少评审份数 [default]"),
                "score_max": Citation(MANAGEMENT_MEASURES, "每项指标0至100分"),
                "outlier_points": _default("专家评分偏离组内中位数20分以上提示 [default]"),
                "disagreement_sd": _default("组内评分标准差15分以上提示分歧较大 [default]"),
                "criteria": _default("评审指标及权重：创新性30、可行性25、团队20、效益25"),
                "comment_min_chars": _default("评审意见不少于10字 [default]"),
                "review_workdays": Citation(MANAGEMENT_MEASURES, "专家评审时限 [default]"),
                "reminder_workdays_before": _default("到期前2个工作日提醒 [default]"),
            },
        ),
        ParameterSet(
            name=MEETING,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "min_members": 5,
                "minutes_per_item": 20,
                "score_max": 100,
                "comment_min_chars": 10,
            },
            citations={
                "min_members": Citation(
                    MANAGEMENT_MEASURES, "会议评审 专家组不少于5人（含组长） [default]"
                ),
                "minutes_per_item": _default("每个项目答辩及质询20分钟 [default]"),
                "score_max": Citation(MANAGEMENT_MEASURES, "会评得分0至100分"),
                "comment_min_chars": _default("会评意见不少于10字 [default]"),
            },
        ),
    ]
)


def parameters_on(name: str, day: date) -> ParameterSet:
    return PARAMETERS.in_force(name, day)


# --- review items and experts ----------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """What is reviewed: an application, seen only through what review needs."""

    id: str
    call: str
    title: str
    applicant_uscc: str
    member_usccs: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    applicant_ids: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    text: str = ""
    submitted_at: str = ""  # ISO instant, for the tie rule


RELATION_KINDS = {
    "relative": ("亲属", "relative"),
    "teacher_student": ("师生", "teacher–student"),
    "coauthor": ("合作发表", "co-author"),
    "collaborator": ("项目合作", "collaborator"),
}
TIME_LIMITED = frozenset({"coauthor", "collaborator"})


@dataclass(frozen=True)
class Relation:
    """A relation an expert declared with a person (ID number) or an organisation (USCC).

    ``last_year`` is the last year of a co-authorship or collaboration; relatives and
    teacher–student relations do not lapse.
    """

    kind: str
    person_id: str = ""
    uscc: str = ""
    last_year: int | None = None


@dataclass(frozen=True)
class ExpertProfile:
    id: str
    name: str
    person_id: str
    employer_uscc: str
    fields: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class StaffConflict:
    """A conflict staff recorded for an expert and an item (or every item of a call)."""

    expert: str
    item: str = ""
    call: str = ""
    note: str = ""


def person_key(raw: str) -> str:
    """A resident ID number as compared: normalised; empty stays empty."""
    return normalise_resident_id(raw) if raw else ""


def org_key(raw: str) -> str:
    """A USCC as compared: normalised; empty stays empty."""
    return normalise_uscc(raw) if raw else ""


def strings(value: object) -> tuple[str, ...]:
    """A parameter holding a list of strings, checked."""
    if isinstance(value, tuple):
        return tuple(str(v) for v in value)
    raise ValueError(f"expected a list of strings, got {value!r}")


def mask_person_id(person_id: str) -> str:
    """An ID number shown with the birth date hidden: 440301********1234."""
    return person_id[:6] + "*" * 8 + person_id[14:] if len(person_id) == 18 else "***"
