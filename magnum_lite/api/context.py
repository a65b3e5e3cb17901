"""The request context of an API call, from the identity headers.

keystonemiddleware's auth_token sets ``X-Project-Id``, ``X-User-Id`` and ``X-Roles`` after
validating a token; with ``auth_strategy = noauth`` the client sends them itself. A request
without any of them acts as project ``admin`` with the ``admin`` role (noauth only).
"""

from __future__ import annotations

import webob

from magnum_lite.common import policy
from nova_docker.common.context import RequestContext

_IDENTITY = ("X-Project-Id", "X-User-Id", "X-Roles", "X-Tenant-Id")


def from_request(req: webob.Request, auth_strategy: str) -> RequestContext:
    headers = req.headers
    project = headers.get("X-Project-Id") or headers.get("X-Tenant-Id")
    user = headers.get("X-User-Id")
    roles_raw = headers.get("X-Roles")
    if auth_strategy == "noauth" and not any(h in headers for h in _IDENTITY):
        project, user, roles = "admin", "admin", ["admin"]
    else:
        roles = [r.strip() for r in (roles_raw or "").split(",") if r.strip()]
    ctx = RequestContext(
        user_id=user,
        project_id=project,
        roles=roles,
        auth_token=headers.get("X-Auth-Token"),
        request_id=headers.get("X-Openstack-Request-Id") or None,
        overwrite=False,
    )
    ctx.is_admin = policy.check_is_admin(ctx)
    return ctx
