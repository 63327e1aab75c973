"""The organisation modes over the API, one router hung below ``api_execution``:

- ``api_challenges``: 揭榜挂帅 challenges and teams;
- ``api_registrations``: national matching funds and innovation consortia;
- ``api_owner``: 业主制 plans and their sub-projects;
- ``api_portfolios``: 项目经理人制 portfolios and stage gates.
"""

from __future__ import annotations

from ninja import Router

from rainforest.api.auth import AUTH
from rainforest.programs.api_challenges import router as challenges_router
from rainforest.programs.api_owner import router as owner_router
from rainforest.programs.api_portfolios import router as portfolios_router
from rainforest.programs.api_registrations import router as registrations_router

router = Router(tags=["programs: organisation modes"], auth=AUTH)
router.add_router("", challenges_router)
router.add_router("", registrations_router)
router.add_router("", owner_router)
router.add_router("", portfolios_router)
