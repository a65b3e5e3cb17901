"""The SQLAlchemy implementation of magnum_lite's DB API.

Every method opens its own short session and returns detached ORM objects (attributes
stay loaded: ``expire_on_commit=False``) or lists of them. Nothing keeps a transaction
open between calls, so SQLite writers from other processes never find it locked.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from magnum_lite.common import exception
from magnum_lite.db.sqlalchemy import models, node_quota
from magnum_lite.db.sqlalchemy import query as q
from magnum_lite.db.sqlalchemy.base import READ_ONLY, check_keys, new_uuid
from magnum_lite.db.sqlalchemy.support import SupportMixin


class Connection(SupportMixin):
    """magnum_lite's database API (see magnum_lite.db.api.get_instance)."""

    # -- cluster templates -----------------------------------------------------------------
    @staticmethod
    def _template_scope(stmt: sa.Select, project_id: str | None) -> sa.Select:
        if project_id is None:
            return stmt
        t = models.ClusterTemplate
        return stmt.where(sa.or_(t.project_id == project_id, t.public.is_(True)))

    def create_cluster_template(self, values: Mapping[str, Any]) -> models.ClusterTemplate:
        values = new_uuid(values)
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
        max_nodes: int | None = None,
    ) -> models.Cluster:
        """Inserts a cluster and its ``nodegroups`` in one transaction.

        With ``max_clusters`` (``max_nodes``), the project's cluster count (node total, see
        node_quota) is checked inside the same transaction and ResourceLimitExceeded (403)
        raised when the new cluster would exceed it; nothing is written then.
        """
        c = models.Cluster
        values = new_uuid(values)
        check_keys(c, values, READ_ONLY)
        ng_values = []
        for ng in nodegroups:
            ng = new_uuid(ng)
            ng.setdefault("cluster_id", values["uuid"])
            ng.setdefault("project_id", values.get("project_id"))
            check_keys(models.NodeGroup, ng, READ_ONLY)
            ng_values.append(ng)
        project_id = values.get("project_id")
        added = sum(int(ng.get("node_count") or 0) for ng in ng_values)

        def insert() -> models.Cluster:
            # Fresh ORM objects per attempt: a deadlock victim's rollback expunges them.
            cluster = c(**values)
            with self.db.writer() as s:
                if max_clusters is not None or max_nodes is not None:
                    node_quota.lock_project(s, project_id)
                node_quota.enforce(s, project_id, max_nodes, added=added)
                if max_clusters is not None:
                    count = s.scalar(
                        sa.select(sa.func.count(c.id)).where(c.project_id == project_id)
                    )
                    if count + 1 > max_clusters:
                        raise exception.ResourceLimitExceeded(
                            msg=f"You have reached the maximum clusters per project, "
                            f"{max_clusters}. You may delete a cluster to make room for a new one."
                        )
                s.add(cluster)
                s.add_all([models.NodeGroup(**ng) for ng in ng_values])
            return cluster

        try:
            return node_quota.retry_on_deadlock(insert)
        except sa_exc.IntegrityError as exc:
            raise exception.ClusterAlreadyExists(uuid=values["uuid"]) from exc

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
        max_nodes: int | None = None,
    ) -> models.Cluster:
        """Updates a cluster (and, in the same transaction, nodegroups by uuid).

        ``expected_status`` makes it a compare-and-set: when the row's status is not (one
        of) it, nothing is written and ClusterStatusChanged (409) is raised. With
        ``max_nodes``, the nodegroups' new node counts are checked against the project's
        node quota in the same transaction (ResourceLimitExceeded, 403, writes nothing).
        """
        c = models.Cluster
        project_id = None
        if max_nodes is not None:
            # Read before the transaction: the quota lock must be its first statement.
            with self.db.reader() as s:
                project_id = s.scalar(sa.select(c.project_id).where(c.uuid == uuid))

        def write() -> models.Cluster:
            with self.db.writer() as s:
                if max_nodes is not None:
                    node_quota.lock_project(s, project_id)
                obj = self._one(
                    s, sa.select(c).where(c.uuid == uuid).with_for_update(),
                    exception.ClusterNotFound(cluster=uuid),
                )  # fmt: skip
                if expected_status is not None:
                    expected = (
                        [expected_status]
                        if isinstance(expected_status, str)
                        else list(expected_status)
                    )
                    if obj.status not in expected:
                        raise exception.ClusterStatusChanged(
                            cluster=uuid, status=obj.status, expected=", ".join(expected)
                        )
                if max_nodes is not None:
                    changed = {
                        ng: int(v["node_count"])
                        for ng, v in (nodegroups or {}).items()
                        if v.get("node_count") is not None
                    }
                    node_quota.enforce(s, obj.project_id, max_nodes, changed=changed)
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

        return node_quota.retry_on_deadlock(write)

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
    def create_nodegroup(
        self, values: Mapping[str, Any], max_nodes: int | None = None
    ) -> models.NodeGroup:
        """With ``max_nodes``, checks the project's node quota in the insert's transaction."""
        values = new_uuid(values)
        if max_nodes is not None:
            check_keys(models.NodeGroup, values, READ_ONLY)
            c = models.Cluster
            with self.db.reader() as s:
                project_id = s.scalar(
                    sa.select(c.project_id).where(c.uuid == values.get("cluster_id"))
                )

            def insert() -> models.NodeGroup:
                ng = models.NodeGroup(**values)
                with self.db.writer() as s:
                    node_quota.lock_project(s, project_id)
                    added = int(values.get("node_count") or 0)
                    node_quota.enforce(s, project_id, max_nodes, added=added)
                    s.add(ng)
                return ng

            try:
                return node_quota.retry_on_deadlock(insert)
            except sa_exc.IntegrityError as exc:
                raise exception.NodeGroupAlreadyExists(
                    name=values.get("name"), cluster_id=values.get("cluster_id")
                ) from exc
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
