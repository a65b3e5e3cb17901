"""The WSGI application of magnum-lite-api: routing, microversions and error handling.

Every response is JSON. Errors never leak a traceback: known exceptions become Magnum's
error body with their own status, anything else a 500 body with a generic message.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import oslo_messaging as messaging
import webob
import webob.exc
from oslo_config import cfg
from oslo_log import log as logging

from magnum_lite import conf as ml_conf
from magnum_lite.api import context as api_context
from magnum_lite.api import errors, validation, versions
from magnum_lite.common import exception
from magnum_lite.db import api as dbapi
from nova_docker.exception import NovaDockerException

LOG = logging.getLogger(__name__)

Handler = Callable[..., "Result"]


@dataclass
class Result:
    status: int
    body: Any = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    min_version: versions.Version | None = None
    max_version: versions.Version | None = None


class ApiRequest(webob.Request):
    """A request with the API's context, version, database and RPC client attached."""

    app: App
    version: versions.Version
    context: Any

    @property
    def db(self) -> dbapi.Connection:
        return dbapi.get_instance(self.app.conf)

    @property
    def rpc(self) -> Any:
        return self.app.rpcapi()

    @property
    def conf(self) -> cfg.ConfigOpts:
        return self.app.conf

    @property
    def base_url(self) -> str:
        endpoint = self.app.conf.api.public_endpoint
        if endpoint:
            return endpoint.rstrip("/")
        scheme = self.headers.get("X-Forwarded-Proto") or (
            "https" if self.app.conf.api.enabled_ssl else self.scheme
        )
        return f"{scheme}://{self.host}"

    def json(self) -> Any:  # noqa: D401 - the parsed JSON body
        if self.content_length and self.content_length > validation.MAX_BODY:
            raise exception.InvalidParameterValue(err="The request body is too large.")
        raw = self.body
        if not raw.strip():
            raise exception.InvalidParameterValue(err="The request body is empty; JSON expected.")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise exception.InvalidParameterValue(
                err=f"Malformed JSON in request body: {exc}"
            ) from None

    def at_least(self, version: versions.Version) -> bool:
        return self.version >= version


class App:
    """The WSGI callable (routes are registered by the controllers)."""

    def __init__(self, conf: cfg.ConfigOpts = ml_conf.CONF) -> None:
        self.conf = conf
        self.routes: list[Route] = []
        self._rpc: Any = None
        self._rpc_pid: int | None = None
        self._rpc_lock = threading.Lock()

    # -- registration ----------------------------------------------------------------------
    def add(
        self,
        method: str,
        path: str,
        handler: Handler,
        min_version: versions.Version | None = None,
        max_version: versions.Version | None = None,
    ) -> None:
        """``path`` like ``/v1/clusters/{ident}``; parameters match one path segment."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path.rstrip("/") or "/")
        self.routes.append(
            Route(method, re.compile(f"^{regex}$"), handler, min_version, max_version)
        )

    def rpcapi(self) -> Any:
        pid = os.getpid()
        with self._rpc_lock:
            if self._rpc is None or self._rpc_pid != pid:
                from magnum_lite.conductor import rpcapi

                self._rpc = rpcapi.ConductorAPI(conf=self.conf)
                self._rpc_pid = pid
            return self._rpc

    # -- dispatch --------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Callable) -> Any:
        req = ApiRequest(environ)
        req.app = self
        resp = self.handle(req)
        return resp(environ, start_response)

    def _match(self, req: ApiRequest) -> tuple[Route, dict[str, str]]:
        path = req.path_info.rstrip("/") or "/"
        allowed = False
        for route in self.routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            if route.method != req.method and not (req.method == "HEAD" and route.method == "GET"):
                allowed = True
                continue
            return route, match.groupdict()
        if allowed:
            raise _HTTPError(405, f"The method {req.method} is not allowed for {req.path_info}.")
        raise _HTTPError(404, f"The resource could not be found: {req.path_info}")

    def handle(self, req: ApiRequest) -> webob.Response:
        versioned = req.path_info.rstrip("/").startswith("/v1")
        version_headers: dict[str, str] = {}
        try:
            req.version = versions.DEFAULT_VERSION
            if versioned:
                version_headers = versions.response_headers(None)
                req.version = versions.requested(req.headers)
                versions.check(req.version)
                version_headers = versions.response_headers(req.version)
            route, params = self._match(req)
            if versioned:
                self._check_route_version(req, route)
            req.context = api_context.from_request(req, self.conf.api.auth_strategy)
            result = route.handler(req, **params)
            resp = self._render(result)
        except Exception as exc:  # noqa: BLE001 - every error becomes a JSON body
            resp = self._error(req, exc)
        for key, value in version_headers.items():
            resp.headers[key] = value
        return resp

    def _check_route_version(self, req: ApiRequest, route: Route) -> None:
        if route.max_version is not None and req.version > route.max_version:
            # Resources removed in later microversions (bays, baymodels) are gone there.
            raise _HTTPError(
                404,
                f"The resource could not be found: {req.path_info} is not available at "
                f"microversion {req.version} (it was removed after {route.max_version}).",
            )
        if route.min_version is not None and req.version < route.min_version:
            raise _HTTPError(
                406,
                f"Version {req.version} was requested but the requested API {req.path_info} "
                f"is not supported for this version; it needs {route.min_version} or later.",
            )

    @staticmethod
    def _render(result: Result | webob.Response) -> webob.Response:
        if isinstance(result, webob.Response):
            return result
        if result.status == 204 or result.body is None:
            resp = webob.Response(status=result.status)
            resp.content_type = None
            resp.body = b""
        else:
            resp = errors.json_response(result.status, result.body)
        for key, value in (result.headers or {}).items():
            resp.headers[key] = value
        return resp

    def _error(self, req: webob.Request, exc: Exception) -> webob.Response:
        request_id = ""
        ctx = getattr(req, "context", None)
        if ctx is not None:
            request_id = ctx.request_id or ""
        if isinstance(exc, _HTTPError):
            if exc.status == 406:
                return errors.json_response(406, errors.body(406, exc.message, request_id))
            return errors.error_response(exc.status, exc.message, request_id)
        if isinstance(exc, exception.MicroversionUnsupported):
            return errors.error_response(406, exc.message)
        if isinstance(exc, NovaDockerException):
            code = int(getattr(exc, "code", 500) or 500)
            if code >= 500:
                LOG.error("request %s %s failed: %s", req.method, req.path_info, exc)
            return errors.error_response(code, exc.message, request_id)
        if isinstance(exc, messaging.MessagingTimeout):
            return errors.error_response(
                503, "The conductor did not answer in time; is magnum-lite-conductor running?",
                request_id,
            )  # fmt: skip
        if isinstance(exc, messaging.MessagingException):
            return errors.error_response(503, f"Message queue error: {exc}", request_id)
        if isinstance(exc, webob.exc.HTTPException):
            return errors.error_response(exc.code, exc.explanation or exc.title, request_id)
        LOG.exception("unexpected error in %s %s", req.method, req.path_info)
        return errors.error_response(
            500, "The server has either erred or is incapable of performing the requested "
            "operation.", request_id,
        )  # fmt: skip


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def build(conf: cfg.ConfigOpts = ml_conf.CONF) -> Any:
    """The API application with every controller, wrapped for the auth strategy."""
    from magnum_lite.api.controllers import register_all

    app = App(conf)
    register_all(app)
    if conf.api.auth_strategy == "keystone":
        from magnum_lite.api import auth

        return auth.wrap(app, conf)
    return app
