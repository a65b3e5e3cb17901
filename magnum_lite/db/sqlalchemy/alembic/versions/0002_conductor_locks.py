"""Conductor locks: which conductor works a cluster (magnum_lite.conductor.locks).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conductor_locks",
        sa.Column("cluster_uuid", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("incarnation", sa.String(length=36), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("cluster_uuid"),
    )


def downgrade() -> None:
    op.drop_table("conductor_locks")
