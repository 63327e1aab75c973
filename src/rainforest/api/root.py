"""The JSON API under ``/api/v1``: OpenAPI at ``openapi.json``, docs at ``docs``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI

from rainforest.api import errors

api = NinjaAPI(
    title="Rainforest 科创雨林 API",
    version="1",
    description="科技创新政策服务平台接口。错误统一为 {code, message, fields}。",
    urls_namespace="api",
)
errors.install(api)


@api.get("/health", tags=["meta"], summary="存活检查 / liveness")
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


def _register_routers() -> None:
    from rainforest.cases.api import router as cases_router
    from rainforest.enforcement.api import router as enforcement_router
    from rainforest.enterprises.api import router as enterprises_router
    from rainforest.finance.api import router as finance_router
    from rainforest.insights.api import router as insights_router
    from rainforest.portrait.api import router as portrait_router
    from rainforest.procurement.api import router as procurement_router
    from rainforest.programs.api import router as programs_router
    from rainforest.review.api import router as review_router
    from rainforest.vouchers.api import router as vouchers_router

    api.add_router("/cases", cases_router)
    api.add_router("/finance", finance_router)
    api.add_router("/programs", programs_router)
    api.add_router("/procurement", procurement_router)
    api.add_router("/enforcement", enforcement_router)
    api.add_router("/enterprises", enterprises_router)
    api.add_router("/insights", insights_router)
    api.add_router("/vouchers", vouchers_router)
    api.add_router("/review", review_router)
    api.add_router("/portrait", portrait_router)


_register_routers()
