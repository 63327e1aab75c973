"""The links each role sees, in one table.

``roles`` None means anyone, signed in or not (public services); otherwise the link shows
to people holding any of the roles. The masthead shows the signed-in person's own links;
the home page and the services page list the public ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Link:
    label: object  # a lazy translation
    url: str
    roles: frozenset[str] | None


def _r(*roles: str) -> frozenset[str]:
    return frozenset(roles)


SIGNED_IN = _r(
    "applicant",
    "programme_officer",
    "expert",
    "bank_officer",
    "procurement_officer",
    "data_officer",
    "police_legal_officer",
    "provider",
    "administrator",
)

LINKS = [
    # R&D programmes
    Link(_("项目申请"), "/programs/applications/", _r("applicant")),
    Link(_("项目建议"), "/programs/proposals/", _r("applicant", "programme_officer")),
    Link(_("指南管理"), "/programs/calls/", _r("programme_officer")),
    Link(_("项目建议征集"), "/programs/windows/", _r("programme_officer")),
    Link(_("项目执行"), "/programs/projects/", _r("applicant", "programme_officer")),
    Link(_("国家项目配套"), "/programs/national/", _r("applicant", "programme_officer")),
    Link(_("创新联合体"), "/programs/consortia/", _r("applicant", "programme_officer")),
    Link(_("业主制项目"), "/programs/owner-plans/", _r("applicant", "programme_officer")),
    Link(_("项目经理人项目群"), "/programs/portfolios/", _r("programme_officer")),
    # Finance
    Link(_("知识产权质押登记"), "/finance/pledges/", _r("bank_officer", "programme_officer")),
    Link(_("新建质押登记"), "/finance/pledges/new/", _r("bank_officer")),
    # Vouchers
    Link(_("我的服务券"), "/vouchers/mine/", _r("applicant")),
    Link(_("申领服务券"), "/vouchers/apply/", _r("applicant")),
    Link(_("应收与核销"), "/vouchers/provider/", _r("provider")),
    Link(_("提交发票核销"), "/vouchers/provider/redeem/", _r("provider")),
    Link(_("服务券审核"), "/vouchers/staff/", _r("programme_officer")),
    Link(_("服务券结算"), "/vouchers/staff/settlements/", _r("programme_officer")),
    Link(_("服务券监管"), "/vouchers/staff/oversight/", _r("programme_officer", "administrator")),
    # Credit portraits
    Link(_("本企业信用画像"), "/portrait/mine/", _r("applicant")),
    Link(_("企业信用画像"), "/portrait/bank/", _r("bank_officer")),
    Link(_("授信统计"), "/portrait/dashboard/", _r("bank_officer", "programme_officer")),
    Link(_("画像运行记录"), "/portrait/runs/", _r("data_officer", "administrator")),
    Link(_("名称关联待确认"), "/portrait/links/", _r("data_officer", "administrator")),
    # Expert review
    Link(_("专家评审"), "/review/", _r("programme_officer", "expert")),
    Link(_("专家库"), "/review/experts/", _r("programme_officer")),
    Link(_("申请成为评审专家"), "/review/register/", _r("applicant")),
    # Enforcement
    Link(_("异地办案协作"), "/enforcement/requests/", _r("police_legal_officer")),
    Link(_("协作月度报告"), "/enforcement/reports/monthly/", _r("police_legal_officer")),
    # Procurement
    Link(_("政府采购项目"), "/procurement/projects/", _r("procurement_officer")),
    # Enterprises
    Link(_("企业库"), "/enterprises/", _r("programme_officer", "administrator")),
    Link(_("我的企业"), "/enterprises/mine/", _r("applicant")),
    # Leadership
    Link(_("周期分析"), "/insights/", _r("programme_officer", "administrator")),
    # Public services
    Link(_("申请指南"), "/programs/public/calls/", None),
    Link(_("拟立项公示"), "/programs/public/notices/", None),
    Link(_("揭榜挂帅榜单"), "/programs/public/challenges/", None),
    Link(_("中小企业预留份额测算"), "/procurement/public/set-aside/", None),
    Link(_("高企自评"), "/enterprises/public/hnte-check/", None),
    Link(_("研发费用加计扣除"), "/enterprises/public/rd-deduction/", None),
    Link(_("服务券公开数据"), "/vouchers/public/figures/", None),
    Link(_("接口文档"), "/api/v1/docs", None),
]


def links_for(roles: frozenset[str]) -> list[Link]:
    return [link for link in LINKS if link.roles is not None and link.roles & roles]


def public_links() -> list[Link]:
    return [link for link in LINKS if link.roles is None]
