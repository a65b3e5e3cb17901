"""Magnum's error bodies.

4xx/5xx: ``{"errors": [{"request_id", "code": "client"|"server", "status", "title",
"detail", "links"}]}``; python-magnumclient shows ``title`` and ``detail``. An unsupported
microversion gets the 406 body ``{"errors": [{"code": "magnum.microversion-unsupported",
"title", "min_version", "max_version", "links"}]}``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import webob

from magnum_lite.api import versions

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}

_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)", re.S)


def title_of(message: str) -> str:
    """The first sentence of the message (Magnum's title)."""
    match = _SENTENCE.match(message.strip())
    return (match.group(1) if match else message.strip()) or "Error"


def body(status: int, message: str, request_id: str = "") -> dict[str, Any]:
    return {
        "errors": [
            {
                "request_id": request_id,
                "code": "client" if status < 500 else "server",
                "status": status,
                "title": title_of(message) if message else _TITLES.get(status, "Error"),
                "detail": message or _TITLES.get(status, "Error"),
                "links": [],
            }
        ]
    }


def microversion_body(message: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "request_id": "",
                "code": "magnum.microversion-unsupported",
                "title": message,
                "min_version": str(versions.MIN_VERSION),
                "max_version": str(versions.MAX_VERSION),
                "links": [],
            }
        ]
    }


def json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None
) -> webob.Response:
    resp = webob.Response(status=status, content_type="application/json", charset="utf-8")
    resp.body = json.dumps(payload).encode()
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def error_response(status: int, message: str, request_id: str = "") -> webob.Response:
    if status == 406:
        return json_response(406, microversion_body(message))
    return json_response(status, body(status, message, request_id))
