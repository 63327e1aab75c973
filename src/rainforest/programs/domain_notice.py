"""The public notice (社会公示) and objections (异议) for R&D programmes. Pure.

The notice period is counted in working days with the calendar passed in; it cannot
close early, and nothing is approved while an objection is open. An objection is named,
with a contact and its grounds.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rainforest.core.errors import ValidationError
from rainforest.core.policy import (
    Decision,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.core.workdays import DEFAULT_TZ, WorkdayAnswer
from rainforest.programs.domain_decision import (
    invalid,
    local_text,
    ranking_parameters,
    require_aware,
)

__all__ = [
    "NoticeWindow",
    "ObjectionInput",
    "PendingObjection",
    "WorkingDayCalendar",
    "can_approve_after_notice",
    "can_close_notice",
    "notice_window",
    "objection_problems",
    "validate_objection",
]


# --- public notice ---------------------------------------------------------------------


class WorkingDayCalendar(Protocol):
    """What the rules need of :class:`rainforest.core.workdays.WorkCalendar`."""

    def add_workdays(self, start: datetime, n: int) -> WorkdayAnswer[datetime]: ...

    def end_of_workday_after(self, start: datetime, n: int) -> WorkdayAnswer[datetime]: ...


@dataclass(frozen=True)
class NoticeWindow:
    """A public notice (社会公示): open from ``opens_at`` to ``closes_at``, both included."""

    opens_at: datetime
    closes_at: datetime
    workdays: int
    provisional: bool
    decision: Decision


def notice_window(
    opens_at: datetime,
    calendar: WorkingDayCalendar,
    *,
    params: ParameterSet,
    notice_workdays: int | None = None,
) -> NoticeWindow:
    """The notice closes at the end (23:59:59.999999) of the n-th working day after it opens.

    The day it opens is not counted (民法典 第二百零一条: a period counted in days starts
    the next day). ``notice_workdays`` comes from the call; without it the parameter applies.
    """
    require_aware(opens_at, "opens_at")
    days = params.integer("notice_workdays") if notice_workdays is None else notice_workdays
    if isinstance(days, bool) or days < 1:
        raise invalid(
            "公示期至少为 1 个工作日。",
            "The notice period must be at least one working day.",
            field="notice_workdays",
            code="notice_period_invalid",
        )
    counting = params.value("notice_period_counting")
    if counting != "next_day":
        raise ValueError(f"notice_period_counting must be 'next_day', got {counting!r}")
    answer = calendar.end_of_workday_after(opens_at, days)
    closes_at = answer.value
    note_zh = "（所涉年份节假日安排未知，仅按周末计算，日期为暂定）" if answer.provisional else ""
    note_en = (
        " (the holidays of a year involved are not known yet; counted on weekends only, "
        "provisional)"
        if answer.provisional
        else ""
    )
    return NoticeWindow(
        opens_at=opens_at,
        closes_at=closes_at,
        workdays=days,
        provisional=answer.provisional,
        decision=decide(
            "notice_period",
            params,
            reasons=[
                Reason(
                    f"公示期 {days} 个工作日，自 {local_text(opens_at)} 起，发布当日不计入，"
                    f"至 {local_text(closes_at)} 止（含当日）{note_zh}。",
                    f"The notice runs {days} working days from {local_text(opens_at)}; the "
                    f"day it opens is not counted; it closes at the end of "
                    f"{local_text(closes_at)} (inclusive){note_en}.",
                )
            ],
            cite=["notice_workdays", "notice_period_counting"],
            facts={
                "opens_at": opens_at,
                "closes_at": closes_at,
                "workdays": days,
                "from_call": notice_workdays is not None,
                "provisional": answer.provisional,
            },
        ),
    )


@dataclass(frozen=True)
class PendingObjection:
    """An objection whose outcome is not settled yet."""

    number: str
    application_number: str


def _notice_check(
    now: datetime,
    closes_at: datetime,
    open_objections: Sequence[PendingObjection],
    params: ParameterSet | None,
    *,
    what_zh: str,
    what_en: str,
) -> Decision:
    require_aware(now, "now")
    require_aware(closes_at, "closes_at")
    ps = params or ranking_parameters(now.astimezone(DEFAULT_TZ).date())
    reasons: list[Reason] = []
    refusals: list[str] = []
    if now <= closes_at:
        refusals.append("notice_open")
        reasons.append(
            Reason(
                f"公示期至 {local_text(closes_at)} 止（含当日），现在是 {local_text(now)}，"
                f"公示期未满，不能{what_zh}。",
                f"The notice runs until {local_text(closes_at)} inclusive and it is now "
                f"{local_text(now)}: the notice has not ended, so it cannot {what_en}.",
            )
        )
    pending = sorted(open_objections, key=lambda o: o.number)
    if pending:
        refusals.append("objections_unsettled")
        named_zh = "；".join(f"异议 {o.number}（涉及申请 {o.application_number}）" for o in pending)
        named_en = "; ".join(
            f"objection {o.number} (application {o.application_number})" for o in pending
        )
        reasons.append(
            Reason(
                f"尚有 {len(pending)} 件异议未办结：{named_zh}。异议办结前不能{what_zh}。",
                f"{len(pending)} objection(s) not yet settled: {named_en}. It cannot {what_en} "
                "until they are settled.",
            )
        )
    if not refusals:
        reasons.append(
            Reason(
                f"公示期已于 {local_text(closes_at)} 届满，且无未办结的异议，可以{what_zh}。",
                f"The notice ended at {local_text(closes_at)} and no objection is open: it may "
                f"{what_en}.",
            )
        )
    return decide(
        "refused" if refusals else "allowed",
        ps,
        reasons=reasons,
        cite=["notice_workdays", "objection_grounds_min_chars"],
        facts={
            "now": now,
            "closes_at": closes_at,
            "refusals": refusals,
            "open_objections": [o.number for o in pending],
        },
    )


def can_close_notice(
    now: datetime,
    closes_at: datetime,
    open_objections: Sequence[PendingObjection],
    *,
    params: ParameterSet | None = None,
) -> Decision:
    """``allowed`` only after ``closes_at`` (the last instant still belongs to the notice)
    and with no unsettled objection; otherwise ``refused`` with every reason named
    (``facts["refusals"]``: ``notice_open``, ``objections_unsettled``).
    """
    return _notice_check(
        now,
        closes_at,
        open_objections,
        params,
        what_zh="结束公示并进入立项",
        what_en="close the notice and proceed to approval",
    )


def can_approve_after_notice(
    now: datetime,
    closes_at: datetime,
    open_objections: Sequence[PendingObjection],
    *,
    params: ParameterSet | None = None,
) -> Decision:
    """The same test as :func:`can_close_notice`, worded for approval (立项)."""
    return _notice_check(
        now,
        closes_at,
        open_objections,
        params,
        what_zh="立项",
        what_en="be approved",
    )


@dataclass(frozen=True)
class ObjectionInput:
    """An objection as lodged (实名异议): who, how to reach them, why, about which application."""

    objector_name: str
    contact: str
    grounds: str
    application_number: str
    lodged_at: datetime


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9\- ]{5,18}[0-9]")


def objection_problems(
    objection: ObjectionInput,
    *,
    window: NoticeWindow,
    listed_numbers: Collection[str],
    params: ParameterSet,
) -> tuple[ValidationError, ...]:
    """Every problem with an objection, one error per field (empty when it is acceptable).

    Lodging is within the notice when ``opens_at <= lodged_at <= closes_at`` (both ends
    included).
    """
    problems: list[ValidationError] = []
    name = (objection.objector_name or "").strip()
    if not name:
        problems.append(
            invalid(
                "请填写异议人姓名或单位名称：异议须实名提出。",
                "Enter your name or your organisation's name: objections are not anonymous.",
                field="objector_name",
                code="objection_name_required",
            )
        )
    contact = (objection.contact or "").strip()
    if not contact:
        problems.append(
            invalid(
                "请填写联系电话或电子邮箱，以便告知异议处理结果。",
                "Enter a phone number or an email address so we can tell you the outcome.",
                field="contact",
                code="objection_contact_required",
            )
        )
    elif not (_EMAIL.fullmatch(contact) or _PHONE.fullmatch(contact)):
        problems.append(
            invalid(
                "联系方式应为电话号码（如 13800138000、0755-88888888）或电子邮箱（如 name@example.cn）。",
                "Enter the contact as a phone number (such as 13800138000 or 0755-88888888) or "
                "an email address (such as name@example.cn).",
                field="contact",
                code="objection_contact_invalid",
            )
        )
    minimum = params.integer("objection_grounds_min_chars")
    grounds = (objection.grounds or "").strip()
    if len(grounds) < minimum:
        problems.append(
            invalid(
                f"请写明异议的事实和理由，至少 {minimum} 个字（现为 {len(grounds)} 个字）。",
                f"Describe the facts and grounds of the objection in at least {minimum} "
                f"characters (now {len(grounds)}).",
                field="grounds",
                code="objection_grounds_too_short",
            )
        )
    number = (objection.application_number or "").strip()
    if not number:
        problems.append(
            invalid(
                "请选择异议涉及的公示项目。",
                "Choose the listed project the objection concerns.",
                field="application_number",
                code="objection_application_required",
            )
        )
    elif number not in listed_numbers:
        problems.append(
            invalid(
                f"申请 {number} 不在本次公示名单中，请选择公示名单中的项目。",
                f"Application {number} is not on this notice; choose a listed project.",
                field="application_number",
                code="objection_application_not_listed",
            )
        )
    require_aware(objection.lodged_at, "lodged_at")
    if objection.lodged_at < window.opens_at:
        problems.append(
            invalid(
                f"公示自 {local_text(window.opens_at)} 开始，此前不能提出异议。",
                f"The notice opens at {local_text(window.opens_at)}; objections can be lodged "
                "from then.",
                field="lodged_at",
                code="objection_before_notice",
            )
        )
    elif objection.lodged_at > window.closes_at:
        problems.append(
            invalid(
                f"公示期已于 {local_text(window.closes_at)} 结束，不再受理异议。",
                f"The notice ended at {local_text(window.closes_at)}; objections are no longer "
                "accepted.",
                field="lodged_at",
                code="objection_after_notice",
            )
        )
    return tuple(problems)


def validate_objection(
    objection: ObjectionInput,
    *,
    window: NoticeWindow,
    listed_numbers: Collection[str],
    params: ParameterSet,
) -> ObjectionInput:
    """The objection with its text trimmed, or the first problem raised."""
    problems = objection_problems(
        objection, window=window, listed_numbers=listed_numbers, params=params
    )
    if problems:
        raise problems[0]
    return ObjectionInput(
        objector_name=objection.objector_name.strip(),
        contact=objection.contact.strip(),
        grounds=objection.grounds.strip(),
        application_number=objection.application_number.strip(),
        lodged_at=objection.lodged_at,
    )
