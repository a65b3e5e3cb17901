"""The request context that travels with every RPC message."""

from __future__ import annotations

from typing import Any

from oslo_context import context


class RequestContext(context.RequestContext):
    """oslo.context's context; from_dict/to_dict carry it over RPC."""

    @classmethod
    def from_dict(cls, values: dict[str, Any], **kwargs: Any) -> RequestContext:
        return super().from_dict(values, **kwargs)


def get_admin_context() -> RequestContext:
    return RequestContext(is_admin=True, overwrite=False)
