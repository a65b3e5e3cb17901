"""Shared set-up of the conductor unit tests: a migrated SQLite DB and seeded clusters."""

from __future__ import annotations

import uuid

from magnum_lite.conductor.handlers import common


def make_hctx(db, driver):
    return common.HandlerContext(db=db, driver_loader=lambda template, hctx: driver)


def seed(db, status="CREATE_IN_PROGRESS", **values):
    tpl = db.create_cluster_template({"name": "t", "coe": "swarm-mode", "server_type": "container"})
    cluster_uuid = str(uuid.uuid4())
    db.create_cluster(
        {
            "uuid": cluster_uuid,
            "name": "c1",
            "cluster_template_id": tpl.uuid,
            "status": status,
            "create_timeout": 60,
            "node_count": 1,
            "master_count": 1,
            **values,
        },
        nodegroups=[
            {"name": "default-master", "role": "master", "is_default": True, "node_count": 1},
            {"name": "default-worker", "role": "worker", "is_default": True, "node_count": 1},
        ],
    )
    return cluster_uuid
