"""Filtering and keyset pagination helpers shared by the DB API's list methods."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from magnum_lite.common import exception


def column(model: type, key: str) -> sa.Column:
    col = model.__table__.columns.get(key)
    if col is None:
        raise exception.InvalidParameterValue(
            err=f"Invalid filter or sort key '{key}' for {model.__tablename__}."
        )
    return getattr(model, key)


def apply_filters(stmt: sa.Select, model: type, filters: Mapping[str, Any] | None) -> sa.Select:
    """Equality filters on columns; a list, tuple or set value means IN."""
    for key, value in (filters or {}).items():
        col = column(model, key)
        if isinstance(value, (list, tuple, set, frozenset)):
            stmt = stmt.where(col.in_(list(value)))
        elif value is None:
            stmt = stmt.where(col.is_(None))
        else:
            stmt = stmt.where(col == value)
    return stmt


def _null_rank(col: sa.Column) -> sa.Case:
    # NULLs sort first ascending on every backend (MariaDB has no NULLS FIRST).
    return sa.case((col.is_(None), 0), else_=1)


def paginate(
    stmt: sa.Select,
    model: type,
    limit: int | None = None,
    marker_row: Any | None = None,
    sort_key: str | None = None,
    sort_dir: str | None = None,
) -> sa.Select:
    """Order by (sort_key, id) and continue strictly after ``marker_row`` (keyset paging)."""
    sort_key = sort_key or "id"
    sort_dir = (sort_dir or "asc").lower()
    if sort_dir not in ("asc", "desc"):
        raise exception.InvalidParameterValue(
            err=f"Invalid sort direction: {sort_dir}. Acceptable values are 'asc' or 'desc'"
        )
    col = column(model, sort_key)
    ident = model.id
    desc = sort_dir == "desc"
    if sort_key == "id":
        order = [ident.desc() if desc else ident.asc()]
    else:
        rank = _null_rank(col)
        order = (
            [rank.desc(), col.desc(), ident.desc()]
            if desc
            else [rank.asc(), col.asc(), ident.asc()]
        )
    stmt = stmt.order_by(*order)
    if marker_row is not None:
        mval = getattr(marker_row, sort_key)
        mid = marker_row.id
        if sort_key == "id":
            stmt = stmt.where(ident < mid if desc else ident > mid)
        elif mval is None:
            after = sa.and_(col.is_(None), ident < mid if desc else ident > mid)
            stmt = stmt.where(after if desc else sa.or_(col.is_not(None), after))
        else:
            same = sa.and_(col == mval, ident < mid if desc else ident > mid)
            if desc:
                stmt = stmt.where(sa.or_(col.is_(None), col < mval, same))
            else:
                stmt = stmt.where(sa.or_(col > mval, same))
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt
