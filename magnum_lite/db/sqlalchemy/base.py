"""The shared part of the DB API: short sessions and generic row helpers."""

from __future__ import annotations

import datetime
import uuid as uuidlib
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from magnum_lite.common import exception
from magnum_lite.db.sqlalchemy import engine as engine_mod
from magnum_lite.db.sqlalchemy import models
from magnum_lite.db.sqlalchemy import query as q

READ_ONLY = frozenset({"id"})


def new_uuid(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    values.setdefault("uuid", str(uuidlib.uuid4()))
    return values


def check_keys(model: type, values: Mapping[str, Any], read_only: Iterable[str]) -> None:
    cols = model.__table__.columns
    for key in values:
        if key not in cols:
            raise exception.InvalidParameterValue(
                err=f"Unknown field '{key}' for {model.__tablename__}."
            )
        if key in read_only:
            raise exception.InvalidParameterValue(err=f"Cannot overwrite '{key}'.")


class BaseConnection:
    """Engine, sessions and the helpers every query method uses."""

    def __init__(self, url: str, busy_timeout: float = 60.0, debug: bool = False) -> None:
        self.db = engine_mod.Database(url, busy_timeout=busy_timeout, debug=debug)

    # -- generic helpers -------------------------------------------------------------------
    def _one(self, session: orm.Session, stmt: sa.Select, not_found: exception.NotFound) -> Any:
        row = session.scalars(stmt).first()
        if row is None:
            raise not_found
        return row

    def _by_name(self, model: type, stmt: sa.Select, name: str, not_found: Exception) -> Any:
        with self.db.reader() as s:
            rows = list(s.scalars(stmt.limit(2)))
        if not rows:
            raise not_found
        if len(rows) > 1:
            raise exception.Conflicting(resource=model.__tablename__, name=name)
        return rows[0]

    def _insert(self, model: type, values: Mapping[str, Any], exists: Exception) -> Any:
        check_keys(model, values, READ_ONLY)
        obj = model(**values)
        try:
            with self.db.writer() as s:
                s.add(obj)
        except sa_exc.IntegrityError as exc:
            raise exists from exc
        return obj

    def _list(
        self,
        model: type,
        stmt: sa.Select,
        limit: int | None,
        marker: str | None,
        sort_key: str | None,
        sort_dir: str | None,
        not_found_marker: Exception | None = None,
    ) -> list[Any]:
        with self.db.reader() as s:
            marker_row = None
            if marker is not None:
                marker_row = s.scalars(sa.select(model).where(model.uuid == marker)).first()
                if marker_row is None:
                    raise not_found_marker or exception.NotFound(reason=f"marker {marker}")
            stmt = q.paginate(stmt, model, limit, marker_row, sort_key, sort_dir)
            return list(s.scalars(stmt))

    def _update_row(self, s: orm.Session, obj: Any, values: Mapping[str, Any]) -> Any:
        check_keys(type(obj), values, READ_ONLY | {"uuid"})
        for key, value in values.items():
            setattr(obj, key, value)
        obj.updated_at = models.utcnow()
        s.flush()
        return obj

    # -- misc ------------------------------------------------------------------------------
    @staticmethod
    def utcnow() -> datetime.datetime:
        return models.utcnow()

    def dispose(self) -> None:
        self.db.dispose()
