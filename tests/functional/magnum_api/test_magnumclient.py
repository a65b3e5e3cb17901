"""The real python-magnumclient against magnum-lite-api over HTTP."""

from __future__ import annotations

import pytest
from magnumclient import exceptions as client_exc


def test_template_crud(magnum, uniq):
    name = f"tpl-{uniq}"
    t = magnum.cluster_templates.create(
        name=name,
        coe="swarm-mode",
        image_id="stackdock/swarm-node:latest",
        labels={"a": "1"},
        docker_volume_size=3,
    )
    assert t.uuid and t.name == name and t.server_type == "vm"
    assert t.floating_ip_enabled is True and t.public is False and t.network_driver == "flannel"
    shown = magnum.cluster_templates.get(name)
    assert shown.uuid == t.uuid and shown.labels == {"a": "1"}
    assert t.uuid in [x.uuid for x in magnum.cluster_templates.list(detail=True)]
    updated = magnum.cluster_templates.update(
        t.uuid,
        [
            {"op": "replace", "path": "/docker_volume_size", "value": "5"},
            {"op": "add", "path": "/labels/b", "value": "2"},
        ],
    )
    assert updated.docker_volume_size == 5 and updated.labels == {"a": "1", "b": "2"}
    magnum.cluster_templates.delete(t.uuid)
    with pytest.raises(client_exc.NotFound):
        magnum.cluster_templates.get(t.uuid)


def test_cluster_create_is_async_and_shows_in_progress(magnum, uniq):
    t = magnum.cluster_templates.create(name=f"tpl-{uniq}", coe="swarm-mode", image_id="img")
    created = magnum.clusters.create(
        name=f"c-{uniq}",
        cluster_template_id=t.name,
        master_count=1,
        node_count=2,
        create_timeout=15,
    )
    assert created.uuid
    c = magnum.clusters.get(created.uuid)
    assert c.status == "CREATE_IN_PROGRESS" and c.node_count == 2 and c.master_count == 1
    assert c.cluster_template_id == t.uuid and c.create_timeout == 15
    ngs = {ng.name: ng for ng in magnum.nodegroups.list(created.uuid)}
    assert set(ngs) == {"default-master", "default-worker"}
    assert ngs["default-worker"].node_count == 2 and ngs["default-master"].role == "master"
    with pytest.raises(client_exc.BadRequest):
        magnum.cluster_templates.delete(t.uuid)  # in use
    with pytest.raises(client_exc.BadRequest):
        magnum.clusters.update(created.uuid, [{"op": "replace", "path": "/node_count", "value": 3}])
    magnum.clusters.delete(created.uuid)
    assert magnum.clusters.get(created.uuid).status == "DELETE_IN_PROGRESS"


def test_client_errors_carry_the_server_message(magnum, uniq):
    with pytest.raises(client_exc.NotFound) as info:
        magnum.clusters.create(name=f"c-{uniq}", cluster_template_id=f"missing-{uniq}")
    assert f"missing-{uniq}" in str(info.value)
    t = magnum.cluster_templates.create(name=f"tpl-{uniq}", coe="swarm-mode", image_id="img")
    with pytest.raises(client_exc.BadRequest) as info:
        magnum.clusters.create(name=f"c-{uniq}", cluster_template_id=t.uuid, master_count=2)
    assert "master_count" in str(info.value)


def test_client_quotas_stats_and_mservices(magnum, uniq):
    project = f"proj-{uniq}"
    q = magnum.quotas.create(project_id=project, resource="Cluster", hard_limit=4)
    assert q.hard_limit == 4
    assert magnum.quotas.get(project, "Cluster").hard_limit == 4
    magnum.quotas.update(
        project, "Cluster", {"project_id": project, "resource": "Cluster", "hard_limit": 6}
    )
    assert magnum.quotas.get(project, "Cluster").hard_limit == 6
    magnum.quotas.delete(project, "Cluster")
    assert magnum.quotas.get(project, "Cluster").hard_limit == 20  # the default again
    stats = magnum.stats.list()
    assert stats.clusters >= 0 and stats.nodes >= 0
    assert isinstance(magnum.mservices.list(), list)
