"""Typed fields for request bodies: every bad value gets a 400 that names the field."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from magnum_lite.common import exception

CLUSTER_NAME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.-]*$")
CLUSTER_NAME_MAX = 242
MAX_BODY = 1024 * 1024


def _bad(field: str, value: Any, why: str) -> exception.InvalidParameterValue:
    shown = json.dumps(value)[:200] if _jsonable(value) else repr(value)[:200]
    return exception.InvalidParameterValue(
        err=f"Invalid input for field/attribute {field}. Value: {shown}. {why}"
    )


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Field:
    kind: str  # str, int, bool, dict, list, any
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 255
    nullable: bool = True

    def coerce(self, name: str, value: Any) -> Any:
        if value is None:
            if not self.nullable:
                raise _bad(name, value, "Mandatory field missing.")
            return None
        kind = self.kind
        if kind == "str":
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise _bad(name, value, "Wrong type. Expected a string.")
            value = str(value)
            if len(value) > self.max_length:
                raise _bad(name, value, f"Longer than {self.max_length} characters.")
            return value
        if kind == "int":
            if isinstance(value, bool):
                raise _bad(name, value, "Wrong type. Expected an integer.")
            if isinstance(value, str):
                try:
                    value = int(value.strip())
                except ValueError:
                    raise _bad(name, value, "Wrong type. Expected an integer.") from None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int):
                raise _bad(name, value, "Wrong type. Expected an integer.")
            if self.minimum is not None and value < self.minimum:
                raise _bad(name, value, f"Value should be greater or equal to {self.minimum}.")
            if self.maximum is not None and value > self.maximum:
                raise _bad(name, value, f"Value should be less or equal to {self.maximum}.")
            return value
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
                return value.strip().lower() in ("true", "1")
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            raise _bad(name, value, "Wrong type. Expected a boolean.")
        if kind == "dict":
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    raise _bad(name, value, "Wrong type. Expected a JSON object.") from None
            if not isinstance(value, dict):
                raise _bad(name, value, "Wrong type. Expected a JSON object.")
            out = {}
            for key, item in value.items():
                if isinstance(item, (dict, list)) or item is None:
                    raise _bad(name, value, f"Label '{key}' must be a string.")
                out[str(key)] = item if isinstance(item, str) else json.dumps(item)
            return out
        if kind == "list":
            if not isinstance(value, list):
                raise _bad(name, value, "Wrong type. Expected a list.")
            return value
        return value


STR = Field("str")
BOOL = Field("bool", nullable=False)
DICT = Field("dict")


def check_body(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise exception.InvalidParameterValue(
            err=f"The request body for a {what} must be a JSON object."
        )
    return body


def coerce_fields(
    body: Mapping[str, Any], fields: Mapping[str, Field], what: str
) -> dict[str, Any]:
    """Rejects unknown attributes and converts each known one to its type."""
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise exception.InvalidParameterValue(
            err=f"Unknown attribute for argument {what}: {', '.join(map(str, unknown))}"
        )
    return {key: fields[key].coerce(key, value) for key, value in body.items()}


def require(values: Mapping[str, Any], *names: str) -> None:
    for name in names:
        if values.get(name) in (None, ""):
            raise _bad(name, None, "Mandatory field missing.")


def check_cluster_name(name: str) -> None:
    if not CLUSTER_NAME_RE.match(name) or len(name) > CLUSTER_NAME_MAX:
        raise exception.InvalidName(name=name)


def check_ip(name: str, value: str | None) -> None:
    if value is None:
        return
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise _bad(name, value, "Expected an IP address.") from None
