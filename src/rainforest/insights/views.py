"""The leadership dashboard (周期分析) page and its Excel export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rainforest.insights import charts, export, selectors
from rainforest.insights.domain import METHOD_ZH
from rainforest.insights.forms import DashboardFilterForm
from rainforest.insights.permissions import can_see_dashboard

MEDIAN_COLOUR = "#1d70b8"
P90_COLOUR = "#f47738"
OVERDUE_COLOUR = "#d4351c"


def _form(request: HttpRequest) -> DashboardFilterForm:
    if not can_see_dashboard(request.user):
        raise Http404
    form = DashboardFilterForm(request.user, request.GET)
    form.is_valid()
    return form


def _charts(dashboard: selectors.Dashboard) -> list[dict[str, Any]]:
    """Per process and version: the time chart and the overdue chart, as SVG."""
    series = [charts.Series(_("中位数"), MEDIAN_COLOUR), charts.Series(_("第90百分位"), P90_COLOUR)]
    out = []
    for p in dashboard.processes:
        versions = []
        for v in p.versions:
            times = charts.bar_chart(
                chart_id=f"chart-{p.code}-v{v.version}-times",
                title=_("%(process)s：各环节用时（工作日）") % {"process": p.name_zh},
                description=_("每个环节已完成办理的中位数和第90百分位用时，数字标在条形旁。"),
                series=series,
                rows=[charts.Row(s.name_zh, (s.summary.median, s.summary.p90)) for s in v.stages],
            )
            overdue = charts.bar_chart(
                chart_id=f"chart-{p.code}-v{v.version}-overdue",
                title=_("%(process)s：逾期件数（按环节）") % {"process": p.name_zh},
                description=_("当前停留在各环节且已超过时限的办件数。"),
                series=[charts.Series(_("逾期件数"), OVERDUE_COLOUR)],
                rows=[charts.Row(s.name_zh, (s.overdue,)) for s in v.stages],
            )
            versions.append(
                {
                    "block": v,
                    "times_svg": mark_safe(times),  # noqa: S308 -- built by charts.bar_chart, every text escaped
                    "overdue_svg": mark_safe(overdue),  # noqa: S308 -- same
                }
            )
        spans = charts.bar_chart(
            chart_id=f"chart-{p.code}-spans",
            title=_("%(process)s：时段用时（工作日）") % {"process": p.name_zh},
            description=_("从一个节点到另一个节点的中位数和第90百分位用时。"),
            series=series,
            rows=[charts.Row(s.name_zh, (s.summary.median, s.summary.p90)) for s in p.spans],
        )
        shares = [
            {
                "share": sh,
                "svg": mark_safe(  # noqa: S308 -- built by charts.bar_chart, every text escaped
                    charts.bar_chart(
                        chart_id=f"chart-{p.code}-share-{sh.code}",
                        title=_("%(share)s（%%）") % {"share": sh.name_zh},
                        description=_("每年的占比，分子和分母列在下表。"),
                        series=[charts.Series(_("占比（%）"), MEDIAN_COLOUR)],
                        rows=[charts.Row(str(y.year), (y.percent,)) for y in sh.years],
                    )
                ),
            }
            for sh in p.shares
        ]
        out.append(
            {
                "process": p,
                "versions": versions,
                "several_versions": len(versions) > 1,
                "spans_svg": mark_safe(spans),  # noqa: S308 -- same
                "shares": shares,
            }
        )
    return out


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    form.set_choices(selectors.year_options(request.user))
    context: dict[str, Any] = {"form": form, "method": METHOD_ZH}
    if form.errors:
        return render(request, "insights/dashboard.html", context, status=400)
    data = selectors.cycle_times(request.user, form.filters)
    context.update(
        dashboard=data,
        processes=_charts(data),
        query=request.GET.urlencode(),
        generated=timezone.localtime(data.now),
    )
    return render(request, "insights/dashboard.html", context)


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if form.errors:
        form.set_choices(selectors.year_options(request.user))
        return render(
            request, "insights/dashboard.html", {"form": form, "method": METHOD_ZH}, status=400
        )
    data = selectors.cycle_times(request.user, form.filters)
    stamp = timezone.localtime(data.now).strftime("%Y%m%d-%H%M")
    response = HttpResponse(export.workbook(data), content_type=export.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="cycle-times-{stamp}.xlsx"'
    return response
