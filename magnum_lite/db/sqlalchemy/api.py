"""The SQLAlchemy implementation of magnum_lite's DB API.

Every method opens its own short session and returns detached ORM objects (attributes
stay loaded: ``expire_on_commit=False``) or lists of them. Nothing keeps a transaction
open between calls, so SQLite writers from other processes never find it locked.
"""

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

_READ_ONLY = frozenset({"id"})


def _new_uuid(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    values.setdefault("uuid", str(uuidlib.uuid4()))
    return values


def _check_keys(model: type, values: Mapping[str, Any], read_only: Iterable[str]) -> None:
    cols = model.__table__.columns
    for key in values:
        if key not in cols:
            raise exception.InvalidParameterValue(
                err=f"Unknown field '{key}' for {model.__tablename__}."
            )
        if key in read_only:
            raise exception.InvalidParameterValue(err=f"Cannot overwrite '{key}'.")


class Connection:
    """magnum_lite's database API (see magnum_lite.db.api.get_instance)."""

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
        _check_keys(model, values, _READ_ONLY)
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
        _check_keys(type(obj), values, _READ_ONLY | {"uuid"})
        for key, value in values.items():
            setattr(obj, key, value)
        obj.updated_at = models.utcnow()
        s.flush()
        return obj

    # -- cluster templates -----------------------------------------------------------------
    @staticmethod
    def _template_scope(stmt: sa.Select, project_id: str | None) -> sa.Select:
        if project_id is None:
            return stmt
        t = models.ClusterTemplate
        return stmt.where(sa.or_(t.project_id == project_id, t.public.is_(True)))

    def create_cluster_template(self, values: Mapping[str, Any]) -> models.ClusterTemplate:
        values = _new_uuid(values)
        return self._insert(
            models.ClusterTemplate,
            values,
            exception.ClusterTemplateAlreadyExists(uuid=values["uuid"]),
        )

    def get_cluster_template_by_uuid(
        self, uuid: str, project_id: str | None = None
    ) -> models.ClusterTemplate:
        t = models.ClusterTemplate
        stmt = self._template_scope(sa.select(t).where(t.uuid == uuid), project_id)
        with self.db.reader() as s:
            return self._one(s, stmt, exception.ClusterTemplateNotFound(clustertemplate=uuid))

    def get_cluster_template_by_name(
        self, name: str, project_id: str | None = None
    ) -> models.ClusterTemplate:
        t = models.ClusterTemplate
        stmt = self._template_scope(sa.select(t).where(t.name == name), project_id)
        return self._by_name(t, stmt, name, exception.ClusterTemplateNotFound(clustertemplate=name))

    def list_cluster_templates(
        self,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
        visible_to_project: str | None = None,
    ) -> list[models.ClusterTemplate]:
        """``visible_to_project``: that project's templates plus the public ones."""
        t = models.ClusterTemplate
        stmt = q.apply_filters(sa.select(t), t, filters)
        stmt = self._template_scope(stmt, visible_to_project)
        return self._list(
            t, stmt, limit, marker, sort_key, sort_dir,
            exception.ClusterTemplateNotFound(clustertemplate=marker),
        )  # fmt: skip

    def update_cluster_template(
        self, uuid: str, values: Mapping[str, Any]
    ) -> models.ClusterTemplate:
        t = models.ClusterTemplate
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(t).where(t.uuid == uuid),
                exception.ClusterTemplateNotFound(clustertemplate=uuid),
            )  # fmt: skip
            return self._update_row(s, obj, values)

    def destroy_cluster_template(self, uuid: str) -> None:
        """Deletes the template; 400 ClusterTemplateReferenced while a cluster uses it."""
        t, c = models.ClusterTemplate, models.Cluster
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(t).where(t.uuid == uuid),
                exception.ClusterTemplateNotFound(clustertemplate=uuid),
            )  # fmt: skip
            used = s.scalar(sa.select(sa.func.count(c.id)).where(c.cluster_template_id == uuid))
            if used:
                raise exception.ClusterTemplateReferenced(clustertemplate=uuid)
            s.delete(obj)

    # -- clusters --------------------------------------------------------------------------
    @staticmethod
    def _cluster_scope(stmt: sa.Select, project_id: str | None) -> sa.Select:
        if project_id is None:
            return stmt
        return stmt.where(models.Cluster.project_id == project_id)

    def create_cluster(
        self,
        values: Mapping[str, Any],
        nodegroups: Iterable[Mapping[str, Any]] = (),
        max_clusters: int | None = None,
    ) -> models.Cluster:
        """Inserts a cluster and its ``nodegroups`` in one transaction.

        With ``max_clusters``, the project's cluster count is checked inside the same
        transaction and ResourceLimitExceeded (403) raised when the new one would exceed it.
        """
        c = models.Cluster
        values = _new_uuid(values)
        _check_keys(c, values, _READ_ONLY)
        ngs = []
        for ng in nodegroups:
            ng = _new_uuid(ng)
            ng.setdefault("cluster_id", values["uuid"])
            ng.setdefault("project_id", values.get("project_id"))
            _check_keys(models.NodeGroup, ng, _READ_ONLY)
            ngs.append(models.NodeGroup(**ng))
        cluster = c(**values)
        try:
            with self.db.writer() as s:
                if max_clusters is not None:
                    count = s.scalar(
                        sa.select(sa.func.count(c.id)).where(
                            c.project_id == values.get("project_id")
                        )
                    )
                    if count + 1 > max_clusters:
                        raise exception.ResourceLimitExceeded(
                            msg=f"You have reached the maximum clusters per project, "
                            f"{max_clusters}. You may delete a cluster to make room for a new one."
                        )
                s.add(cluster)
                s.add_all(ngs)
        except sa_exc.IntegrityError as exc:
            raise exception.ClusterAlreadyExists(uuid=values["uuid"]) from exc
        return cluster

    def get_cluster_by_uuid(self, uuid: str, project_id: str | None = None) -> models.Cluster:
        c = models.Cluster
        stmt = self._cluster_scope(sa.select(c).where(c.uuid == uuid), project_id)
        with self.db.reader() as s:
            return self._one(s, stmt, exception.ClusterNotFound(cluster=uuid))

    def get_cluster_by_name(self, name: str, project_id: str | None = None) -> models.Cluster:
        c = models.Cluster
        stmt = self._cluster_scope(sa.select(c).where(c.name == name), project_id)
        return self._by_name(c, stmt, name, exception.ClusterNotFound(cluster=name))

    def list_clusters(
        self,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[models.Cluster]:
        """One query, whatever the page size (filters: any column; a list means IN)."""
        c = models.Cluster
        stmt = q.apply_filters(sa.select(c), c, filters)
        return self._list(
            c, stmt, limit, marker, sort_key, sort_dir, exception.ClusterNotFound(cluster=marker)
        )

    def count_clusters(self, project_id: str | None = None) -> int:
        c = models.Cluster
        stmt = self._cluster_scope(sa.select(sa.func.count(c.id)), project_id)
        with self.db.reader() as s:
            return int(s.scalar(stmt) or 0)

    def cluster_stats(self, project_id: str | None = None) -> tuple[int, int]:
        """(clusters, nodes): nodes are master_count + node_count summed over the clusters."""
        c = models.Cluster
        stmt = sa.select(
            sa.func.count(c.id),
            sa.func.coalesce(sa.func.sum(c.node_count), 0),
            sa.func.coalesce(sa.func.sum(c.master_count), 0),
        )
        stmt = self._cluster_scope(stmt, project_id)
        with self.db.reader() as s:
            count, nodes, masters = s.execute(stmt).one()
        return int(count), int(nodes) + int(masters)

    def update_cluster(
        self,
        uuid: str,
        values: Mapping[str, Any],
        expected_status: str | Iterable[str] | None = None,
        nodegroups: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> models.Cluster:
        """Updates a cluster (and, in the same transaction, nodegroups by uuid).

        ``expected_status`` makes it a compare-and-set: when the row's status is not (one
        of) it, nothing is written and ClusterStatusChanged (409) is raised.
        """
        c = models.Cluster
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(c).where(c.uuid == uuid).with_for_update(),
                exception.ClusterNotFound(cluster=uuid),
            )  # fmt: skip
            if expected_status is not None:
                expected = (
                    [expected_status] if isinstance(expected_status, str) else list(expected_status)
                )
                if obj.status not in expected:
                    raise exception.ClusterStatusChanged(
                        cluster=uuid, status=obj.status, expected=", ".join(expected)
                    )
            self._update_row(s, obj, values)
            for ng_uuid, ng_values in (nodegroups or {}).items():
                ng = self._one(
                    s,
                    sa.select(models.NodeGroup).where(
                        models.NodeGroup.uuid == ng_uuid, models.NodeGroup.cluster_id == uuid
                    ),
                    exception.NodeGroupNotFound(nodegroup=ng_uuid),
                )
                self._update_row(s, ng, ng_values)
            return obj

    def destroy_cluster(self, uuid: str) -> None:
        """Deletes the cluster with its nodegroups, nodes and certificates."""
        c = models.Cluster
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(c).where(c.uuid == uuid), exception.ClusterNotFound(cluster=uuid)
            )
            s.execute(sa.delete(models.Node).where(models.Node.cluster_uuid == uuid))
            s.execute(sa.delete(models.NodeGroup).where(models.NodeGroup.cluster_id == uuid))
            s.execute(
                sa.delete(models.X509Certificate).where(models.X509Certificate.cluster_uuid == uuid)
            )
            s.delete(obj)

    # -- nodegroups ------------------------------------------------------------------------
    def create_nodegroup(self, values: Mapping[str, Any]) -> models.NodeGroup:
        values = _new_uuid(values)
        return self._insert(
            models.NodeGroup,
            values,
            exception.NodeGroupAlreadyExists(
                name=values.get("name"), cluster_id=values.get("cluster_id")
            ),
        )

    def get_nodegroup_by_uuid(self, cluster_uuid: str | None, uuid: str) -> models.NodeGroup:
        n = models.NodeGroup
        stmt = sa.select(n).where(n.uuid == uuid)
        if cluster_uuid is not None:
            stmt = stmt.where(n.cluster_id == cluster_uuid)
        with self.db.reader() as s:
            return self._one(s, stmt, exception.NodeGroupNotFound(nodegroup=uuid))

    def get_nodegroup_by_name(self, cluster_uuid: str, name: str) -> models.NodeGroup:
        n = models.NodeGroup
        stmt = sa.select(n).where(n.cluster_id == cluster_uuid, n.name == name)
        return self._by_name(n, stmt, name, exception.NodeGroupNotFound(nodegroup=name))

    def list_nodegroups(
        self,
        cluster_uuid: str,
        role: str | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[models.NodeGroup]:
        n = models.NodeGroup
        stmt = q.apply_filters(sa.select(n).where(n.cluster_id == cluster_uuid), n, filters)
        if role is not None:
            stmt = stmt.where(n.role == role)
        return self._list(
            n,
            stmt,
            limit,
            marker,
            sort_key,
            sort_dir,
            exception.NodeGroupNotFound(nodegroup=marker),
        )

    def list_nodegroups_for_clusters(self, cluster_uuids: Iterable[str]) -> list[models.NodeGroup]:
        """The nodegroups of several clusters in one query (for list views)."""
        n = models.NodeGroup
        uuids = list(cluster_uuids)
        if not uuids:
            return []
        with self.db.reader() as s:
            return list(s.scalars(sa.select(n).where(n.cluster_id.in_(uuids)).order_by(n.id)))

    def update_nodegroup(self, uuid: str, values: Mapping[str, Any]) -> models.NodeGroup:
        n = models.NodeGroup
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(n).where(n.uuid == uuid), exception.NodeGroupNotFound(nodegroup=uuid)
            )
            return self._update_row(s, obj, values)

    def destroy_nodegroup(self, uuid: str) -> None:
        """Deletes the nodegroup and the node rows in it."""
        n = models.NodeGroup
        with self.db.writer() as s:
            obj = self._one(
                s, sa.select(n).where(n.uuid == uuid), exception.NodeGroupNotFound(nodegroup=uuid)
            )
            s.execute(sa.delete(models.Node).where(models.Node.nodegroup_uuid == uuid))
            s.delete(obj)

    # -- nodes -----------------------------------------------------------------------------
    def create_node(self, values: Mapping[str, Any]) -> models.Node:
        values = _new_uuid(values)
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
        values = _new_uuid(values)
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

    # -- misc ------------------------------------------------------------------------------
    @staticmethod
    def utcnow() -> datetime.datetime:
        return models.utcnow()

    def dispose(self) -> None:
        self.db.dispose()
