"""JSON-Patch updates with Magnum's rules.

Only ``add``, ``replace`` and ``remove``; internal attributes (``/uuid``, ``/id``,
``/created_at`` ...) can't be changed; mandatory attributes can't be removed; string values
are JSON-decoded when they parse (``"3"`` → 3, ``"true"`` → true), as Magnum does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

import jsonpatch
import jsonpointer

from magnum_lite.common import exception

OPS = ("add", "replace", "remove")
INTERNAL = frozenset({"uuid", "id", "created_at", "updated_at", "project_id", "user_id", "links"})


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def validate(
    patch: Any,
    fields: Iterable[str],
    internal: Iterable[str] = INTERNAL,
    mandatory: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Checks a JSON-Patch document and returns it with decoded values (400 on errors)."""
    if not isinstance(patch, list) or not patch:
        raise exception.InvalidJsonPatch(
            reason="the body must be a non-empty JSON list of patch operations"
        )
    fields, internal, mandatory = set(fields), set(internal), set(mandatory)
    out = []
    for op in patch:
        if not isinstance(op, dict):
            raise exception.InvalidJsonPatch(reason=f"operation {op!r} is not an object")
        unknown = set(op) - {"op", "path", "value", "from"}
        if unknown:
            raise exception.InvalidJsonPatch(reason=f"unknown keys {sorted(unknown)} in {op!r}")
        name, path = op.get("op"), op.get("path")
        if name not in OPS:
            raise exception.InvalidJsonPatch(
                reason=f"op '{name}' is not supported; use one of {', '.join(OPS)}"
            )
        if not isinstance(path, str) or not path.startswith("/") or len(path) < 2:
            raise exception.InvalidJsonPatch(reason=f"invalid path {path!r}")
        top = path[1:].split("/", 1)[0].replace("~1", "/").replace("~0", "~")
        if top in internal:
            raise exception.InvalidJsonPatch(
                reason=f"'/{top}' is an internal attribute and can not be updated"
            )
        if top not in fields:
            raise exception.InvalidJsonPatch(reason=f"'/{top}' is not an attribute that exists")
        if name == "remove" and "/" not in path[1:] and top in mandatory:
            raise exception.InvalidJsonPatch(
                reason=f"'/{top}' is a mandatory attribute and can not be removed"
            )
        item = {"op": name, "path": path}
        if name != "remove":
            if "value" not in op:
                raise exception.InvalidJsonPatch(reason=f"'{name}' of {path} needs a 'value'")
            item["value"] = _decode(op["value"])
        out.append(item)
    return out


def apply(doc: dict[str, Any], patch: list[dict[str, Any]]) -> dict[str, Any]:
    """Applies a validated patch to a copy of ``doc``; removed top-level keys become None."""
    doc = copy.deepcopy(doc)
    # Nested paths (/labels/key) need the container to exist.
    for op in patch:
        parts = op["path"][1:].split("/")
        if len(parts) > 1 and doc.get(parts[0]) is None and op["op"] == "add":
            doc[parts[0]] = {}
    try:
        result = jsonpatch.apply_patch(doc, patch)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise exception.InvalidJsonPatch(reason=str(exc)) from exc
    for key in doc:
        result.setdefault(key, None)
    return result
