"""Who may see enforcement collaboration: police legal officers (公安法制部门) only.

Nobody else learns that a request exists: every page and endpoint answers 404 to them.
The generic case list and pages hide the cases because the process is registered
``restricted=True`` (rainforest.cases.permissions).
"""

from __future__ import annotations

from typing import Any

from rainforest.accounts.permissions import has_role
from rainforest.accounts.roles import Role


def is_police_legal(user: Any) -> bool:
    return has_role(user, Role.POLICE_LEGAL_OFFICER)
