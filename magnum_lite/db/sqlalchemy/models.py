"""SQLAlchemy 2 models of magnum_lite (the Alembic migrations create exactly these).

Every table has an integer ``id`` (the default sort key, so lists come back in creation
order) and, where the API names rows, a ``uuid``. Relations between rows are by uuid, as
the API and the conductor speak uuids. JSON-valued columns are stored as text so that the
same schema works on SQLite, MariaDB and PostgreSQL.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime.datetime:
    """Naive UTC timestamps, as OpenStack stores them."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


class JSONText(TypeDecorator):
    """A JSON value kept in a TEXT column (portable across the three databases)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else json.dumps(value, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else json.loads(value)


class Base(orm.DeclarativeBase):
    def as_dict(self) -> dict[str, Any]:
        return {c.key: getattr(self, c.key) for c in self.__table__.columns}

    def __repr__(self) -> str:
        ident = getattr(self, "uuid", None) or getattr(self, "id", None)
        return f"<{type(self).__name__} {ident}>"


def _uuid() -> orm.Mapped[str]:
    return orm.mapped_column(sa.String(36), nullable=False, unique=True)


class TimestampMixin:
    created_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime, default=utcnow
    )
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime, onupdate=utcnow
    )


def _str(length: int = 255, **kw: Any) -> orm.Mapped[str | None]:
    return orm.mapped_column(sa.String(length), nullable=True, **kw)


class ClusterTemplate(TimestampMixin, Base):
    __tablename__ = "cluster_templates"

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = _uuid()
    project_id: orm.Mapped[str | None] = _str(index=True)
    user_id: orm.Mapped[str | None] = _str()
    name: orm.Mapped[str | None] = _str(index=True)
    coe: orm.Mapped[str | None] = _str()
    image_id: orm.Mapped[str | None] = _str()
    cluster_distro: orm.Mapped[str | None] = _str()
    server_type: orm.Mapped[str | None] = _str()
    driver: orm.Mapped[str | None] = _str()
    flavor_id: orm.Mapped[str | None] = _str()
    master_flavor_id: orm.Mapped[str | None] = _str()
    keypair_id: orm.Mapped[str | None] = _str()
    external_network_id: orm.Mapped[str | None] = _str()
    fixed_network: orm.Mapped[str | None] = _str()
    fixed_subnet: orm.Mapped[str | None] = _str()
    network_driver: orm.Mapped[str | None] = _str()
    volume_driver: orm.Mapped[str | None] = _str()
    docker_storage_driver: orm.Mapped[str | None] = _str()
    docker_volume_size: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    dns_nameserver: orm.Mapped[str | None] = _str()
    apiserver_port: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    http_proxy: orm.Mapped[str | None] = _str()
    https_proxy: orm.Mapped[str | None] = _str()
    no_proxy: orm.Mapped[str | None] = _str()
    insecure_registry: orm.Mapped[str | None] = _str()
    labels: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    tags: orm.Mapped[str | None] = _str()
    tls_disabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    public: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    hidden: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    registry_enabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    master_lb_enabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    floating_ip_enabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=True)


class Cluster(TimestampMixin, Base):
    __tablename__ = "clusters"

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = _uuid()
    name: orm.Mapped[str | None] = _str(index=True)
    project_id: orm.Mapped[str | None] = _str(index=True)
    user_id: orm.Mapped[str | None] = _str()
    cluster_template_id: orm.Mapped[str | None] = _str(36, index=True)
    keypair: orm.Mapped[str | None] = _str()
    docker_volume_size: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    labels: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    labels_overridden: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    labels_added: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    labels_skipped: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    master_flavor_id: orm.Mapped[str | None] = _str()
    flavor_id: orm.Mapped[str | None] = _str()
    stack_id: orm.Mapped[str | None] = _str()
    api_address: orm.Mapped[str | None] = _str()
    node_addresses: orm.Mapped[list | None] = orm.mapped_column(JSONText)
    master_addresses: orm.Mapped[list | None] = orm.mapped_column(JSONText)
    status: orm.Mapped[str | None] = _str(20, index=True)
    status_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    health_status: orm.Mapped[str | None] = _str(20)
    health_status_reason: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    create_timeout: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    discovery_url: orm.Mapped[str | None] = _str()
    coe_version: orm.Mapped[str | None] = _str()
    container_version: orm.Mapped[str | None] = _str()
    fixed_network: orm.Mapped[str | None] = _str()
    fixed_subnet: orm.Mapped[str | None] = _str()
    floating_ip_enabled: orm.Mapped[bool | None] = orm.mapped_column(sa.Boolean)
    master_lb_enabled: orm.Mapped[bool | None] = orm.mapped_column(sa.Boolean)
    master_count: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    node_count: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    #: When the conductor gives up on the current *_IN_PROGRESS operation (naive UTC).
    deadline: orm.Mapped[datetime.datetime | None] = orm.mapped_column(sa.DateTime)


class NodeGroup(TimestampMixin, Base):
    __tablename__ = "nodegroups"
    __table_args__ = (
        sa.UniqueConstraint("cluster_id", "name", name="uniq_nodegroups0cluster_name"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = _uuid()
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    #: The cluster's uuid.
    cluster_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False, index=True)
    project_id: orm.Mapped[str | None] = _str()
    role: orm.Mapped[str | None] = _str()
    is_default: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    node_count: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    min_node_count: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    max_node_count: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    flavor_id: orm.Mapped[str | None] = _str()
    image_id: orm.Mapped[str | None] = _str()
    docker_volume_size: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    labels: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    node_addresses: orm.Mapped[list | None] = orm.mapped_column(JSONText)
    node_labels: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    node_taints: orm.Mapped[list | None] = orm.mapped_column(JSONText)
    status: orm.Mapped[str | None] = _str(20)
    status_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    stack_id: orm.Mapped[str | None] = _str()
    version: orm.Mapped[str | None] = _str(20)


class Node(TimestampMixin, Base):
    __tablename__ = "nodes"

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = _uuid()
    cluster_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False, index=True)
    nodegroup_uuid: orm.Mapped[str | None] = _str(36, index=True)
    name: orm.Mapped[str | None] = _str()
    role: orm.Mapped[str | None] = _str()
    instance_uuid: orm.Mapped[str | None] = _str(36)
    host: orm.Mapped[str | None] = _str(index=True)
    addresses: orm.Mapped[dict | None] = orm.mapped_column(JSONText)
    status: orm.Mapped[str | None] = _str(20)
    status_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class X509Certificate(Base):
    __tablename__ = "x509_certificates"

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = _uuid()
    cluster_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False, index=True)
    #: ca, server, client, etcd, front_proxy ... (the conductor decides).
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32), nullable=False)
    name: orm.Mapped[str | None] = _str()
    cert_pem: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    #: The private key, encrypted with a key from configuration (never stored in clear).
    encrypted_key: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    created_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime, default=utcnow
    )


class Service(TimestampMixin, Base):
    __tablename__ = "services"
    __table_args__ = (sa.UniqueConstraint("host", "binary", name="uniq_services0host_binary"),)

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    binary: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    report_count: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=0, nullable=False)
    disabled: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    disabled_reason: orm.Mapped[str | None] = _str()
    last_seen_up: orm.Mapped[datetime.datetime | None] = orm.mapped_column(sa.DateTime)


class Quota(TimestampMixin, Base):
    __tablename__ = "quotas"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "resource", name="uniq_quotas0project_id_resource"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    resource: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    hard_limit: orm.Mapped[int] = orm.mapped_column(sa.Integer, nullable=False)


class ConductorLock(Base):
    """Which conductor works a cluster (magnum_lite.conductor.locks; migration 0002)."""

    __tablename__ = "conductor_locks"

    cluster_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    owner: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    #: Random per conductor process: tells a restarted conductor from its earlier run.
    incarnation: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False)
    acquired_at: orm.Mapped[datetime.datetime] = orm.mapped_column(sa.DateTime, nullable=False)
