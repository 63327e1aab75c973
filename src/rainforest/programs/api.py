"""R&D programmes over the API, one router mounted at ``/api/v1/programs``.

Each subject has its own module and router, hung below this one:

- ``api_calls``: public guidelines, drafting and publishing calls, proposals (stages 1-3);
- ``api_applications``: applications and formal review (stages 4-5);
- ``api_decision``: expert scores and ranking (6-7); ``api_notice``: the public notice and
  objections (8); ``api_contract``: approval and the task contract (9);
- ``api_execution``: running projects (10), with the organisation modes (``api_modes``).

What they share (amounts, integers, errors' wording) is in ``api_common``.
"""

from __future__ import annotations

from ninja import Router

from rainforest.api.auth import AUTH
from rainforest.programs.api_applications import router as applications_router
from rainforest.programs.api_calls import router as calls_router
from rainforest.programs.api_contract import router as contract_router
from rainforest.programs.api_decision import router as decision_router
from rainforest.programs.api_execution import router as execution_router
from rainforest.programs.api_notice import router as notice_router

router = Router(tags=["programs: R&D programmes"], auth=AUTH)
router.add_router("", calls_router)
router.add_router("", applications_router)
router.add_router("", decision_router)
router.add_router("", notice_router)
router.add_router("", contract_router)
router.add_router("", execution_router)
