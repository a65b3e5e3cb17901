"""``auth_strategy = keystone``: keystonemiddleware's auth_token in front of the API.

The version documents (``/`` and ``/v1``) stay public, as in Magnum; every other path
needs a valid token (401 otherwise), and the headers auth_token sets (X-Project-Id,
X-User-Id, X-Roles) become the request context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keystonemiddleware import auth_token
from oslo_config import cfg

PUBLIC_PATHS = frozenset({"/", "/v1"})


def wrap(app: Callable, conf: cfg.ConfigOpts) -> Callable:
    protected = auth_token.AuthProtocol(app, {"oslo_config_config": conf})

    def middleware(environ: dict, start_response: Callable) -> Any:
        path = (environ.get("PATH_INFO") or "/").rstrip("/") or "/"
        if path in PUBLIC_PATHS and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return app(environ, start_response)
        return protected(environ, start_response)

    return middleware
