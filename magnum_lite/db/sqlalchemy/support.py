"""DB API methods for nodes, certificates, services (heartbeats) and quotas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from magnum_lite.common import exception
from magnum_lite.db.sqlalchemy import models
from magnum_lite.db.sqlalchemy import query as q
from magnum_lite.db.sqlalchemy.base import BaseConnection, new_uuid


class SupportMixin(BaseConnection):
    """Rows that hang off clusters, and the service and quota tables."""

    # -- nodes -----------------------------------------------------------------------------
    def create_node(self, values: Mapping[str, Any]) -> models.Node:
        values = new_uuid(values)
        return self._insert(models.Node, values, exception.NodeAlreadyExists(uuid=values["uuid"]))

    def get_node_by_uuid(self, uuid: str) -> models.Node:
        n = models.Node
        with self.db.reader() as s:
            return self._one(
                s, sa.select(n).where(n.uuid == uuid), exception.NodeNotFound(node=uuid)
            )

    def list_nodes(
        self,
        cluster_uuid: str | None = None,
        nodegroup_uuid: str | None = None,
        host: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> list[models.Node]:
        n = models.Node
        stmt = q.apply_filters(sa.select(n), n, filters)
        if cluster_uuid is not None:
            stmt = stmt.where(n.cluster_uuid == cluster_uuid)
        if nodegroup_uuid is not None:
            stmt = stmt.where(n.nodegroup_uuid == nodegroup_uuid)
        if host is not None:
            stmt = stmt.where(n.host == host)
        with self.db.reader() as s:
            return list(s.scalars(stmt.order_by(n.id)))

    def update_node(self, uuid: str, values: Mapping[str, Any]) -> models.Node:
        n = models.Node
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(n).where(n.uuid == uuid), exception.NodeNotFound(node=uuid)
            )
            return self._update_row(s, obj, values)

    def destroy_node(self, uuid: str) -> None:
        n = models.Node
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(n).where(n.uuid == uuid), exception.NodeNotFound(node=uuid)
            )
            s.delete(obj)

    # -- certificates ----------------------------------------------------------------------
    def create_certificate(self, values: Mapping[str, Any]) -> models.X509Certificate:
        values = new_uuid(values)
        return self._insert(
            models.X509Certificate,
            values,
            exception.Conflict(reason=f"certificate {values['uuid']}"),
        )

    def get_certificate(self, cluster_uuid: str, kind: str) -> models.X509Certificate:
        """The newest certificate of that kind for the cluster."""
        x = models.X509Certificate
        stmt = (
            sa.select(x).where(x.cluster_uuid == cluster_uuid, x.kind == kind).order_by(x.id.desc())
        )
        with self.db.reader() as s:
            return self._one(
                s, stmt, exception.CertificateNotFound(kind=kind, cluster=cluster_uuid)
            )

    def list_certificates(self, cluster_uuid: str) -> list[models.X509Certificate]:
        x = models.X509Certificate
        with self.db.reader() as s:
            return list(
                s.scalars(sa.select(x).where(x.cluster_uuid == cluster_uuid).order_by(x.id))
            )

    def destroy_certificates(self, cluster_uuid: str, kind: str | None = None) -> int:
        x = models.X509Certificate
        stmt = sa.delete(x).where(x.cluster_uuid == cluster_uuid)
        if kind is not None:
            stmt = stmt.where(x.kind == kind)
        with self.db.writer() as s:
            return s.execute(stmt).rowcount or 0

    # -- services --------------------------------------------------------------------------
    def service_heartbeat(self, host: str, binary: str) -> models.Service:
        """Creates the (host, binary) row or bumps report_count and last_seen_up."""
        sv = models.Service
        for attempt in range(3):
            now = models.utcnow()
            try:
                with self.db.writer() as s:
                    stmt = sa.select(sv).where(sv.host == host, sv.binary == binary)
                    obj = s.scalars(stmt.with_for_update()).first()
                    if obj is None:
                        obj = sv(host=host, binary=binary, report_count=1, last_seen_up=now)
                        s.add(obj)
                    else:
                        obj.report_count = (obj.report_count or 0) + 1
                        obj.last_seen_up = now
                        obj.updated_at = now
                    s.flush()
                    return obj
            except sa_exc.IntegrityError:
                if attempt == 2:  # another process inserted it at the same moment; retry
                    raise
        raise AssertionError("unreachable")

    def get_service(self, host: str, binary: str) -> models.Service:
        sv = models.Service
        with self.db.reader() as s:
            return self._one(
                s, sa.select(sv).where(sv.host == host, sv.binary == binary),
                exception.ServiceNotFound(host=host, binary=binary),
            )  # fmt: skip

    def list_services(self, binary: str | None = None) -> list[models.Service]:
        sv = models.Service
        stmt = sa.select(sv).order_by(sv.id)
        if binary is not None:
            stmt = stmt.where(sv.binary == binary)
        with self.db.reader() as s:
            return list(s.scalars(stmt))

    def update_service(self, host: str, binary: str, values: Mapping[str, Any]) -> models.Service:
        sv = models.Service
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(sv).where(sv.host == host, sv.binary == binary),
                exception.ServiceNotFound(host=host, binary=binary),
            )  # fmt: skip
            return self._update_row(s, obj, values)

    def destroy_service(self, host: str, binary: str) -> None:
        sv = models.Service
        with self.db.writer() as s:
            s.execute(sa.delete(sv).where(sv.host == host, sv.binary == binary))

    # -- quotas ----------------------------------------------------------------------------
    def create_quota(self, values: Mapping[str, Any]) -> models.Quota:
        return self._insert(
            models.Quota,
            values,
            exception.QuotaAlreadyExists(
                project_id=values.get("project_id"), resource=values.get("resource")
            ),
        )

    def get_quota(self, project_id: str, resource: str) -> models.Quota:
        qt = models.Quota
        with self.db.reader() as s:
            return self._one(
                s, sa.select(qt).where(qt.project_id == project_id, qt.resource == resource),
                exception.QuotaNotFound(msg=f"for project {project_id} and resource {resource}"),
            )  # fmt: skip

    def list_quotas(
        self,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: int | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[models.Quota]:
        """Quotas have no uuid: ``marker`` is the integer id of the last row seen."""
        qt = models.Quota
        stmt = q.apply_filters(sa.select(qt), qt, filters)
        with self.db.reader() as s:
            marker_row = s.get(qt, marker) if marker is not None else None
            if marker is not None and marker_row is None:
                raise exception.QuotaNotFound(msg=f"marker {marker}")
            stmt = q.paginate(stmt, qt, limit, marker_row, sort_key, sort_dir)
            return list(s.scalars(stmt))

    def update_quota(self, project_id: str, resource: str, hard_limit: int) -> models.Quota:
        qt = models.Quota
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(qt).where(qt.project_id == project_id, qt.resource == resource),
                exception.QuotaNotFound(msg=f"for project {project_id} and resource {resource}"),
            )  # fmt: skip
            return self._update_row(s, obj, {"hard_limit": hard_limit})

    def destroy_quota(self, project_id: str, resource: str) -> None:
        qt = models.Quota
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(qt).where(qt.project_id == project_id, qt.resource == resource),
                exception.QuotaNotFound(msg=f"for project {project_id} and resource {resource}"),
            )  # fmt: skip
            s.delete(obj)
