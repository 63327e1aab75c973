"""Organisation-mode pages: 揭榜挂帅 (public list, take-up, the team's own page, the
bureau's management page), national matching funds and innovation consortia.

Owner (业主制) plans and portfolio stage gates are handled on the generic case page and
through the API for now.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.core.errors import DomainError, ValidationError
from rainforest.programs import domain_modes as dm
from rainforest.programs import selectors_execution as sel
from rainforest.programs.models import ChallengeStatus, TeamStatus
from rainforest.programs.permissions import can_run_programme
from rainforest.programs.services import modes
from rainforest.programs.services import modes_registrations as mr
from rainforest.programs.views.common import applicant_org, error_list, money

GATE_ROWS = 4
MEMBER_ROWS = 4


def _officer(request: HttpRequest) -> None:
    if not can_run_programme(request.user):
        raise Http404


def _end_of(raw: str, field: str) -> datetime:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(
            "请按 2026-10-31 的格式填写日期",
            "Write the date as 2026-10-31",
            field=field,
            code="invalid",
        ) from None
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


# --- 揭榜挂帅: public ----------------------------------------------------------------


@require_GET
def challenge_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programs/modes/challenge_list.html",
        {
            "challenges": list(sel.visible_challenges(request.user)[:200]),
            "staff": can_run_programme(request.user),
        },
    )


@require_GET
def challenge_detail(request: HttpRequest, challenge_id: int) -> HttpResponse:
    challenge = sel.access_challenge(request.user, challenge_id)
    mine = (
        sel.visible_teams(request.user).filter(challenge=challenge).first()
        if request.user.is_authenticated and not can_run_programme(request.user)
        else None
    )
    return render(
        request,
        "programs/modes/challenge_detail.html",
        {
            "challenge": challenge,
            "gates": list(challenge.gates.all()),
            "staff": can_run_programme(request.user),
            "my_team": mine,
            "open": challenge.status == ChallengeStatus.PUBLISHED
            and timezone.now() <= challenge.takeup_closes_at,
        },
    )


# --- 揭榜挂帅: the bureau ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def challenge_new(request: HttpRequest) -> HttpResponse:
    _officer(request)
    typed = {k: v for k, v in request.POST.items()}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            gates = []
            for i in range(GATE_ROWS):
                title = typed.get(f"gates-{i}-title", "").strip()
                if not title:
                    continue
                try:
                    share = Decimal(typed.get(f"gates-{i}-share", "").strip()) / 100
                except InvalidOperation:
                    raise ValidationError(
                        "拨付比例应为百分数，如 30",
                        "The share is a percentage, e.g. 30",
                        field=f"gates.{i}.share",
                        code="share_invalid",
                    ) from None
                gates.append(
                    modes.GateIn(
                        title,
                        _end_of(typed.get(f"gates-{i}-deadline", ""), f"gates.{i}.deadline"),
                        share,
                    )
                )
            max_raw = typed.get("max_teams", "").strip()
            if not max_raw.isdigit():
                raise ValidationError(
                    "最多支持团队数应为整数",
                    "The number of teams must be a whole number",
                    field="max_teams",
                    code="invalid",
                )
            challenge = modes.challenge_create(
                actor=request.user,
                title=typed.get("title", ""),
                goal=typed.get("goal", ""),
                funding_per_team=money(typed.get("funding_per_team", ""), "funding_per_team"),
                max_teams=int(max_raw),
                takeup_closes_at=_end_of(typed.get("takeup_closes_on", ""), "takeup_closes_on"),
                gates=gates,
            )
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, _("榜单草稿已保存：%(n)s") % {"n": challenge.number})
            return redirect("programs:challenge_manage", challenge_id=challenge.pk)
    return render(
        request,
        "programs/modes/challenge_form.html",
        {"typed": typed, "errors": errors, "gate_rows": range(GATE_ROWS)},
        status=422 if errors else 200,
    )


def _manage(
    request: HttpRequest, challenge_id: int, errors: list[tuple[str, str]] | None = None
) -> HttpResponse:
    challenge = sel.access_challenge(request.user, challenge_id)
    teams = list(sel.visible_teams(request.user).filter(challenge=challenge))
    return render(
        request,
        "programs/modes/challenge_manage.html",
        {
            "challenge": challenge,
            "gates": list(challenge.gates.all()),
            "teams": teams,
            "errors": errors or [],
        },
        status=422 if errors else 200,
    )


@login_required
@require_GET
def challenge_manage(request: HttpRequest, challenge_id: int) -> HttpResponse:
    _officer(request)
    return _manage(request, challenge_id)


@login_required
@require_POST
def challenge_act(request: HttpRequest, challenge_id: int) -> HttpResponse:
    """One action of the management page: publish, select, review a report, evaluate."""
    _officer(request)
    challenge = sel.access_challenge(request.user, challenge_id)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "publish":
            modes.challenge_publish(actor=request.user, challenge=challenge)
        elif action in ("select", "not_select"):
            team = sel.access_team(request.user, request.POST.get("team", ""))
            modes.team_select(
                actor=request.user, team=team, selected=action == "select", reason=reason
            )
        elif action in ("accept", "reject"):
            report = sel.access_gate_report(request.user, request.POST.get("report", ""))
            modes.gate_report_review(
                actor=request.user, report=report, accept=action == "accept", reason=reason
            )
        elif action == "evaluate":
            modes.challenge_evaluate(actor=request.user, challenge=challenge)
        else:
            raise Http404
    except DomainError as exc:
        return _manage(request, challenge_id, error_list(exc))
    messages.success(request, _("已办理"))
    return redirect("programs:challenge_manage", challenge_id=challenge_id)


# --- 揭榜挂帅: teams -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def challenge_take_up(request: HttpRequest, challenge_id: int) -> HttpResponse:
    challenge = sel.access_challenge(request.user, challenge_id)
    organisation = applicant_org(request)
    if organisation is None:
        raise Http404
    typed = {k: v for k, v in request.POST.items()}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            team = modes.challenge_take_up(
                actor=request.user,
                challenge=challenge,
                organisation=organisation,
                leader_name=typed.get("leader_name", ""),
                plan=typed.get("plan", ""),
            )
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, _("已揭榜，办件编号 %(n)s") % {"n": team.case.number})
            return redirect("programs:team_detail", team_id=team.pk)
    return render(
        request,
        "programs/modes/takeup_form.html",
        {"challenge": challenge, "organisation": organisation, "typed": typed, "errors": errors},
        status=422 if errors else 200,
    )


def _team_page(
    request: HttpRequest, team_id: int, errors: list[tuple[str, str]] | None = None
) -> HttpResponse:
    team = sel.access_team(request.user, team_id)
    reports = {r.gate_id: r for r in team.reports.all()}
    paid = {p.gate_id: p for p in team.tranches.all()}
    now = timezone.now()
    gates = [
        {
            "gate": g,
            "report": reports.get(g.pk),
            "tranche": paid.get(g.pk),
            "can_report": team.status == TeamStatus.ACTIVE
            and g.pk not in reports
            and now <= g.deadline,
        }
        for g in team.challenge.gates.all()
    ]
    return render(
        request,
        "programs/modes/team_detail.html",
        {"team": team, "gates": gates, "errors": errors or []},
        status=422 if errors else 200,
    )


@login_required
@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    return _team_page(request, team_id)


@login_required
@require_POST
def gate_report(request: HttpRequest, team_id: int, gate_id: int) -> HttpResponse:
    team = sel.access_team(request.user, team_id)
    gate = team.challenge.gates.filter(pk=gate_id).first()
    if gate is None:
        raise Http404
    try:
        modes.gate_report_submit(
            actor=request.user, team=team, gate=gate, body=request.POST.get("report", "")
        )
    except DomainError as exc:
        return _team_page(request, team_id, [(f"report-{gate.pk}", error_list(exc)[0][1])])
    messages.success(request, _("节点报告已提交"))
    return redirect("programs:team_detail", team_id=team_id)


# --- 配套资助 ----------------------------------------------------------------------------


@login_required
@require_GET
def national_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programs/modes/national_list.html",
        {
            "registrations": list(sel.visible_national_projects(request.user)[:200]),
            "can_register": applicant_org(request) is not None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def national_new(request: HttpRequest) -> HttpResponse:
    organisation = applicant_org(request)
    if organisation is None:
        raise Http404
    typed = {k: v for k, v in request.POST.items()}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            try:
                start = date.fromisoformat(typed.get("period_start", "").strip())
            except ValueError:
                raise ValidationError(
                    "请按 2026-01-01 的格式填写日期",
                    "Write the date as 2026-01-01",
                    field="period_start",
                    code="invalid",
                ) from None
            try:
                end = date.fromisoformat(typed.get("period_end", "").strip())
            except ValueError:
                raise ValidationError(
                    "请按 2028-12-31 的格式填写日期",
                    "Write the date as 2028-12-31",
                    field="period_end",
                    code="invalid",
                ) from None
            registration = mr.national_register(
                actor=request.user,
                organisation=organisation,
                programme=typed.get("programme", ""),
                number=typed.get("number", ""),
                title=typed.get("title", ""),
                national_funding=money(typed.get("national_funding", ""), "national_funding"),
                period_start=start,
                period_end=end,
                landed_in_shenzhen=typed.get("landed_in_shenzhen") == "yes",
                proof=request.FILES.get("proof"),
            )
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(
                request,
                _("已登记，办件编号 %(n)s，按规则配套 %(a)s 元")
                % {"n": registration.case.number, "a": f"{registration.matching_amount:.2f}"},
            )
            return redirect("web:case", case_id=registration.case_id)
    return render(
        request,
        "programs/modes/national_form.html",
        {"organisation": organisation, "typed": typed, "errors": errors},
        status=422 if errors else 200,
    )


# --- 创新联合体 --------------------------------------------------------------------------


@login_required
@require_GET
def consortium_list(request: HttpRequest) -> HttpResponse:
    staff = can_run_programme(request.user)
    return render(
        request,
        "programs/modes/consortium_list.html",
        {
            "consortia": list(sel.visible_consortia(request.user)[:200]),
            "can_register": applicant_org(request) is not None,
            "share": mr.consortium_led_share() if staff else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consortium_new(request: HttpRequest) -> HttpResponse:
    organisation = applicant_org(request)
    if organisation is None:
        raise Http404
    typed = {k: v for k, v in request.POST.items()}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        members = [
            dm.PartnerIn(
                typed.get(f"members-{i}-uscc", ""),
                typed.get(f"members-{i}-name", ""),
                typed.get(f"members-{i}-kind", ""),
            )
            for i in range(MEMBER_ROWS)
            if typed.get(f"members-{i}-uscc", "").strip()
            or typed.get(f"members-{i}-name", "").strip()
        ]
        try:
            consortium = mr.consortium_register(
                actor=request.user,
                lead=organisation,
                name=typed.get("name", ""),
                members=members,
                agreement=request.FILES.get("agreement"),
            )
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(
                request, _("已提交登记，办件编号 %(n)s") % {"n": consortium.case.number}
            )
            return redirect("web:case", case_id=consortium.case_id)
    return render(
        request,
        "programs/modes/consortium_form.html",
        {
            "organisation": organisation,
            "typed": typed,
            "errors": errors,
            "member_rows": range(MEMBER_ROWS),
        },
        status=422 if errors else 200,
    )
