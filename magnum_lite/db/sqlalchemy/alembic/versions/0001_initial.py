"""Initial schema: every table of magnum_lite.db.sqlalchemy.models (JSON values as TEXT).

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_templates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=True),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("coe", sa.String(length=255), nullable=True),
        sa.Column("image_id", sa.String(length=255), nullable=True),
        sa.Column("cluster_distro", sa.String(length=255), nullable=True),
        sa.Column("server_type", sa.String(length=255), nullable=True),
        sa.Column("driver", sa.String(length=255), nullable=True),
        sa.Column("flavor_id", sa.String(length=255), nullable=True),
        sa.Column("master_flavor_id", sa.String(length=255), nullable=True),
        sa.Column("keypair_id", sa.String(length=255), nullable=True),
        sa.Column("external_network_id", sa.String(length=255), nullable=True),
        sa.Column("fixed_network", sa.String(length=255), nullable=True),
        sa.Column("fixed_subnet", sa.String(length=255), nullable=True),
        sa.Column("network_driver", sa.String(length=255), nullable=True),
        sa.Column("volume_driver", sa.String(length=255), nullable=True),
        sa.Column("docker_storage_driver", sa.String(length=255), nullable=True),
        sa.Column("docker_volume_size", sa.Integer(), nullable=True),
        sa.Column("dns_nameserver", sa.String(length=255), nullable=True),
        sa.Column("apiserver_port", sa.Integer(), nullable=True),
        sa.Column("http_proxy", sa.String(length=255), nullable=True),
        sa.Column("https_proxy", sa.String(length=255), nullable=True),
        sa.Column("no_proxy", sa.String(length=255), nullable=True),
        sa.Column("insecure_registry", sa.String(length=255), nullable=True),
        sa.Column("labels", sa.Text(), nullable=True),
        sa.Column("tags", sa.String(length=255), nullable=True),
        sa.Column("tls_disabled", sa.Boolean(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("registry_enabled", sa.Boolean(), nullable=False),
        sa.Column("master_lb_enabled", sa.Boolean(), nullable=False),
        sa.Column("floating_ip_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("cluster_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cluster_templates_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cluster_templates_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("project_id", sa.String(length=255), nullable=True),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("cluster_template_id", sa.String(length=36), nullable=True),
        sa.Column("keypair", sa.String(length=255), nullable=True),
        sa.Column("docker_volume_size", sa.Integer(), nullable=True),
        sa.Column("labels", sa.Text(), nullable=True),
        sa.Column("labels_overridden", sa.Text(), nullable=True),
        sa.Column("labels_added", sa.Text(), nullable=True),
        sa.Column("labels_skipped", sa.Text(), nullable=True),
        sa.Column("master_flavor_id", sa.String(length=255), nullable=True),
        sa.Column("flavor_id", sa.String(length=255), nullable=True),
        sa.Column("stack_id", sa.String(length=255), nullable=True),
        sa.Column("api_address", sa.String(length=255), nullable=True),
        sa.Column("node_addresses", sa.Text(), nullable=True),
        sa.Column("master_addresses", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("health_status", sa.String(length=20), nullable=True),
        sa.Column("health_status_reason", sa.Text(), nullable=True),
        sa.Column("create_timeout", sa.Integer(), nullable=True),
        sa.Column("discovery_url", sa.String(length=255), nullable=True),
        sa.Column("coe_version", sa.String(length=255), nullable=True),
        sa.Column("container_version", sa.String(length=255), nullable=True),
        sa.Column("fixed_network", sa.String(length=255), nullable=True),
        sa.Column("fixed_subnet", sa.String(length=255), nullable=True),
        sa.Column("floating_ip_enabled", sa.Boolean(), nullable=True),
        sa.Column("master_lb_enabled", sa.Boolean(), nullable=True),
        sa.Column("master_count", sa.Integer(), nullable=True),
        sa.Column("node_count", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clusters_cluster_template_id"), ["cluster_template_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_clusters_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_clusters_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clusters_status"), ["status"], unique=False)

    op.create_table(
        "nodegroups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=255), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=True),
        sa.Column("min_node_count", sa.Integer(), nullable=True),
        sa.Column("max_node_count", sa.Integer(), nullable=True),
        sa.Column("flavor_id", sa.String(length=255), nullable=True),
        sa.Column("image_id", sa.String(length=255), nullable=True),
        sa.Column("docker_volume_size", sa.Integer(), nullable=True),
        sa.Column("labels", sa.Text(), nullable=True),
        sa.Column("node_addresses", sa.Text(), nullable=True),
        sa.Column("node_labels", sa.Text(), nullable=True),
        sa.Column("node_taints", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("stack_id", sa.String(length=255), nullable=True),
        sa.Column("version", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cluster_id", "name", name="uniq_nodegroups0cluster_name"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("nodegroups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nodegroups_cluster_id"), ["cluster_id"], unique=False)

    op.create_table(
        "nodes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("cluster_uuid", sa.String(length=36), nullable=False),
        sa.Column("nodegroup_uuid", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=255), nullable=True),
        sa.Column("instance_uuid", sa.String(length=36), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("addresses", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nodes_cluster_uuid"), ["cluster_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_nodes_host"), ["host"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_nodes_nodegroup_uuid"), ["nodegroup_uuid"], unique=False
        )

    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "resource", name="uniq_quotas0project_id_resource"),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("binary", sa.String(length=255), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=255), nullable=True),
        sa.Column("last_seen_up", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("host", "binary", name="uniq_services0host_binary"),
    )
    op.create_table(
        "x509_certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("cluster_uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("cert_pem", sa.Text(), nullable=True),
        sa.Column("encrypted_key", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("x509_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_x509_certificates_cluster_uuid"), ["cluster_uuid"], unique=False
        )
