"""List parameters (limit, marker, sort_key, sort_dir) and Magnum's ``next`` links."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from magnum_lite.common import exception


@dataclass(frozen=True)
class Page:
    limit: int
    marker: str | None
    sort_key: str
    sort_dir: str


def parse(
    params: Mapping[str, str], max_limit: int, allowed_sort_keys: Sequence[str] | None = None
) -> Page:
    """Validates the query parameters of a list request (400 on bad values)."""
    raw_limit = params.get("limit")
    if raw_limit in (None, ""):
        limit = max_limit
    else:
        try:
            limit = int(raw_limit)
        except (TypeError, ValueError):
            raise exception.InvalidParameterValue(
                err=f"Invalid limit '{raw_limit}': it must be an integer."
            ) from None
        if limit <= 0:
            raise exception.InvalidParameterValue(err="Limit must be positive")
        limit = min(limit, max_limit)
    sort_dir = (params.get("sort_dir") or "asc").lower()
    if sort_dir not in ("asc", "desc"):
        raise exception.InvalidParameterValue(
            err=f"Invalid sort direction: {params.get('sort_dir')}. "
            "Acceptable values are 'asc' or 'desc'"
        )
    sort_key = params.get("sort_key") or "id"
    if allowed_sort_keys is not None and sort_key not in allowed_sort_keys:
        raise exception.InvalidParameterValue(
            err=f"Invalid sort_key '{sort_key}'. Acceptable values: "
            f"{', '.join(sorted(allowed_sort_keys))}."
        )
    marker = params.get("marker") or None
    return Page(limit=limit, marker=marker, sort_key=sort_key, sort_dir=sort_dir)


def next_link(
    base_url: str,
    path: str,
    page: Page,
    items: Sequence[Any],
    extra: Mapping[str, str] | None = None,
    marker_attr: str = "uuid",
) -> str | None:
    """The absolute URL of the next page, present whenever this page is full."""
    if not items or len(items) < page.limit:
        return None
    last = items[-1]
    marker = last.get(marker_attr) if isinstance(last, Mapping) else getattr(last, marker_attr)
    query: dict[str, Any] = dict(extra or {})
    query.update(sort_key=page.sort_key, sort_dir=page.sort_dir, limit=page.limit, marker=marker)
    return f"{base_url.rstrip('/')}{path}?{urllib.parse.urlencode(query)}"


def collection(key: str, items: list[dict[str, Any]], next_url: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {key: items}
    if next_url:
        body["next"] = next_url
    return body
