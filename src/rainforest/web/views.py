"""Pages shared by every module: home, my tasks, the case list, a case, the inbox."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rainforest.accounts.permissions import case_roles
from rainforest.cases import registry
from rainforest.cases.models import Notification
from rainforest.cases.permissions import hidden_process_codes
from rainforest.cases.selectors import Sla, access_case, case_list, due_soon_limit, my_tasks, sla_of
from rainforest.cases.services import case_transition
from rainforest.core.errors import DomainError
from rainforest.core.workflow import render_svg
from rainforest.language import english

SLA_NAMES = {
    Sla.ON_TIME: gettext_lazy("按时"),
    Sla.DUE_SOON: gettext_lazy("临期"),
    Sla.OVERDUE: gettext_lazy("超期"),
    Sla.PAUSED: gettext_lazy("暂停计时（待补正）"),
    Sla.CLOSED: gettext_lazy("已办结"),
}


def name_of(thing: Any) -> str:
    """A stage's, transition's or process's name in the page's language."""
    return str(thing.name_en if english() else thing.name_zh)


def _annotate(cases: list[Any]) -> list[Any]:
    now = timezone.now()
    soon = due_soon_limit(now)
    for case in cases:
        defn = registry.get(case.process_code, case.process_version)
        case.sla = sla_of(case, now, soon)
        case.sla_name = SLA_NAMES[case.sla]
        case.stage_name = name_of(defn.stage(case.stage))
        case.process_name = name_of(defn)
    return cases


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:tasks")
    return render(request, "web/home.html")


@require_GET
def services(request: HttpRequest) -> HttpResponse:
    """Every service this person may use, and the public ones."""
    return render(request, "web/services.html")


@login_required
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    cases = _annotate(my_tasks(request.user))
    return render(request, "web/tasks.html", {"cases": cases})


@login_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    sla_value = request.GET.get("sla") or None
    sla = Sla(sla_value) if sla_value in {s.value for s in Sla} else None
    process = request.GET.get("process") or None
    query = (request.GET.get("q") or "").strip()[:100] or None
    qs = case_list(request.user, sla=sla, process=process, query=query)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    _annotate(list(page.object_list))
    return render(
        request,
        "web/cases.html",
        {
            "page": page,
            "sla": sla_value or "",
            "process": process or "",
            "q": query or "",
            "sla_choices": [(s.value, SLA_NAMES[s]) for s in Sla],
            "processes": [
                (d.code, name_of(d))
                for d in registry.all_definitions()
                if d.code not in hidden_process_codes(request.user)
            ],
        },
    )


def _durations(case: Any) -> dict[str, str]:
    used: dict[str, int] = {}
    for visit in case.visits.all():
        if visit.workdays_used is not None:
            used[visit.stage] = used.get(visit.stage, 0) + visit.workdays_used
    return {
        stage: ngettext("用时 %(n)d 个工作日", "用时 %(n)d 个工作日", days) % {"n": days}
        for stage, days in used.items()
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, case_id)


def _case_page(
    request: HttpRequest,
    case_id: int,
    *,
    errors: list[tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    case = access_case(request.user, case_id)
    hook = registry.on_view(case.process_code)
    if hook is not None:
        hook(actor=request.user, case=case, via="case_page")
    defn = registry.get(case.process_code, case.process_version)
    _annotate([case])
    roles = case_roles(request.user, case)
    actions = [
        {"action": t.action, "requires_reason": t.requires_reason, "name": name_of(t)}
        for t in defn.transitions_from(case.stage)
        if t.roles & roles
    ]
    svg = render_svg(defn, current=case.stage, durations=_durations(case))
    # The timeline stores codes; people read the process's own names for them.
    stage_names = {s.code: name_of(s) for s in defn.stages}
    action_names = {"open": _("提交"), **{t.action: name_of(t) for t in defn.transitions}}
    timeline = list(case.timeline.select_related("actor"))
    for entry in timeline:
        entry.action_name = action_names.get(entry.action, entry.action)
        entry.from_name = stage_names.get(entry.from_stage, entry.from_stage)
        entry.to_name = stage_names.get(entry.to_stage, entry.to_stage)
    extra_template = select_template(
        [f"{case.process_code}/case_extra.html", "web/_empty.html"]
    ).template.name
    return render(
        request,
        "web/case_detail.html",
        {
            "case": case,
            "defn": defn,
            "timeline": timeline,
            "actions": actions,
            "diagram": mark_safe(svg),  # noqa: S308 -- render_svg escapes every text it draws
            "attachments": case.attachments.all(),
            "extra_template": extra_template,
            "stage_names": stage_names,
            "errors": errors or [],
            "typed": typed or {},
        },
        status=status,
    )


@login_required
@require_POST
def case_act(request: HttpRequest, case_id: int) -> HttpResponse:
    """Carry out one action on a case from its page; problems come back on the same page."""
    case = access_case(request.user, case_id)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()
    act = registry.handler(case.process_code) or case_transition
    try:
        act(case=case, action=action, actor=request.user, reason=reason)
    except DomainError as exc:
        anchor = f"reason-{action}" if exc.field == "reason" else "main"
        return _case_page(
            request,
            case.id,
            errors=[(anchor, exc.message(get_language() or "zh-hans"))],
            typed={"action": action, "reason": reason},
            status=exc.http_status if exc.http_status != 403 else 403,
        )
    messages.success(request, _("已办理：%(number)s") % {"number": case.number})
    return redirect("web:case", case_id=case.id)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(user=request.user).select_related("case")[:100]
    return render(request, "web/inbox.html", {"notes": notes})


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("web:inbox")


def unread_count(request: HttpRequest) -> int:
    if not request.user.is_authenticated:
        return 0
    return Notification.objects.filter(user=request.user, read_at__isnull=True).count()


def sla_counts(user: Any) -> dict[str, int]:
    rows = case_list(user).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}
