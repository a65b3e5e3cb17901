"""SwarmModeDriver convergence logic against in-memory collaborators and a fake swarm."""

from __future__ import annotations

import contextlib
import time

import pytest

from magnum_lite.common import exception
from magnum_lite.drivers.swarm_mode import driver as driver_mod
from magnum_lite.drivers.swarm_mode import nodes as nodes_mod
from magnum_lite.drivers.swarm_mode import preload, swarm
from tests.unit.drivers import fakes

FUNCS = (
    "client", "wait_engine", "init", "join_tokens", "join", "wait_ready", "node_states",
    "drain", "wait_drained", "demote", "leave", "remove",
)  # fmt: skip


@pytest.fixture
def env(monkeypatch):
    fake = fakes.FakeSwarm()
    for name in FUNCS:
        monkeypatch.setattr(swarm, name, getattr(fake, name))
    db, compute, certs = fakes.FakeDB(), fakes.FakeCompute(), fakes.FakeCerts()
    ctx = type("Ctx", (), {})()
    ctx.db, ctx.compute, ctx.scheduler, ctx.certificates = (
        db, compute, fakes.FakeScheduler(["h1", "h2"]), certs,
    )  # fmt: skip
    drv = driver_mod.SwarmModeDriver(ctx)
    return drv, db, compute, certs, fake


def later(seconds: float = 60) -> float:
    return time.monotonic() + seconds


def roles(db, cluster) -> list[str]:
    return sorted(n.role for n in db.list_nodes(cluster_uuid=cluster.uuid))


def test_create_spawns_in_parallel_inits_master_joins_workers(env):
    drv, db, compute, certs, fake = env
    cluster = db.add_cluster(masters=1, workers=2)
    drv.create_cluster(None, cluster, later())
    rows = db.list_nodes(cluster_uuid=cluster.uuid)
    assert roles(db, cluster) == ["master", "worker", "worker"]
    assert all(r.status == nodes_mod.ACTIVE and r.addresses["swarm_id"] for r in rows)
    inits = [e for e in fake.log if e[0] == "init"]
    joins = [e for e in fake.log if e[0] == "join"]
    master = next(r for r in rows if r.role == "master")
    assert inits == [("init", master.addresses["api"], master.addresses["ip"])]
    assert len(joins) == 2
    assert all(j[2] == master.addresses["ip"] and j[3] == "WT" for j in joins)
    # A bay lives on one host (its network is a bridge there), made before the spawns.
    nets = {c[1] for c in compute.calls if c[0] == "ensure_network"}
    assert nets == {"h1"} and {r.host for r in rows} == {"h1"}
    assert sorted(certs.issued) == sorted(r.name for r in rows)
    inst = compute.instances[master.instance_uuid]
    assert inst["files"]["/etc/stackdock-node/server-cert.pem"] == f"CERT-{master.name}"
    assert inst["files"]["/etc/stackdock-node/ca.pem"] == "CA-PEM"
    assert inst["instance"]["metadata"][nodes_mod.LABEL_BAY] == cluster.uuid
    c = db.clusters[cluster.uuid]
    assert c.api_address == master.addresses["api"]
    assert c.master_addresses == [master.addresses["ip"]]
    assert len(c.node_addresses) == 2
    assert c.coe_version == "20.10" and c.health_status == "HEALTHY"


def test_second_master_joins_as_manager(env):
    drv, db, _, _, fake = env
    cluster = db.add_cluster(masters=3, workers=1)
    drv.create_cluster(None, cluster, later())
    tokens = sorted(e[3] for e in fake.log if e[0] == "join")
    assert tokens == ["MT", "MT", "WT"]


def test_scale_up_stays_on_the_bay_host(env):
    drv, db, _, _, _ = env
    drv.scheduler.hosts_ = ["h2", "h1"]
    cluster = db.add_cluster(workers=1)
    drv.create_cluster(None, cluster, later())
    drv.scheduler.hosts_ = ["h1"]
    ng = db.list_nodegroups(cluster.uuid, role="worker")[0]
    db.update_nodegroup(ng.uuid, {"node_count": 3})
    drv.update_cluster(None, cluster, later())
    assert {r.host for r in db.list_nodes(cluster_uuid=cluster.uuid)} == {"h2"}


def test_one_placement_for_the_whole_bay(env):
    drv, db, _, _, _ = env
    asked = []
    drv.scheduler.select_hosts = lambda count, **kw: asked.append((count, kw)) or ["h1"]
    cluster = db.add_cluster(workers=4)
    drv.create_cluster(None, cluster, later())
    assert len(asked) == 1 and asked[0][0] == 1
    assert asked[0][1]["vcpus"] == 5 and asked[0][1]["memory_mb"] == 5 * 1024


def test_converge_twice_is_a_no_op(env):
    drv, db, compute, _, fake = env
    cluster = db.add_cluster()
    drv.create_cluster(None, cluster, later())
    spawns = len([c for c in compute.calls if c[0] == "spawn"])
    drv.update_cluster(None, cluster, later())
    assert len([c for c in compute.calls if c[0] == "spawn"]) == spawns
    assert len([e for e in fake.log if e[0] == "init"]) == 1


def test_scale_up_then_down_drains_leaves_removes_newest(env):
    drv, db, compute, _, fake = env
    cluster = db.add_cluster(workers=2)
    drv.create_cluster(None, cluster, later())
    worker_ng = db.list_nodegroups(cluster.uuid, role="worker")[0]
    db.update_nodegroup(worker_ng.uuid, {"node_count": 4})
    drv.update_cluster(None, cluster, later())
    assert roles(db, cluster) == ["master"] + ["worker"] * 4
    newest = [r for r in db.list_nodes(cluster_uuid=cluster.uuid) if r.role == "worker"][-3:]
    db.update_nodegroup(worker_ng.uuid, {"node_count": 1})
    drv.update_cluster(None, cluster, later())
    assert roles(db, cluster) == ["master", "worker"]
    for row in newest:
        sid = row.addresses["swarm_id"]
        assert ("drain", sid) in fake.log and ("remove", sid) in fake.log
        assert ("leave", row.addresses["api"]) in fake.log
        assert row.instance_uuid not in compute.instances
    assert len(fake.nodes) == 2
    assert len(db.clusters[cluster.uuid].node_addresses) == 1


def test_resize_removes_the_named_node_first(env):
    drv, db, _, _, _ = env
    cluster = db.add_cluster(workers=3)
    drv.create_cluster(None, cluster, later())
    ng = db.list_nodegroups(cluster.uuid, role="worker")[0]
    first = [r for r in db.list_nodes(cluster_uuid=cluster.uuid) if r.role == "worker"][0]
    drv.resize_cluster(None, cluster, ng, 2, [first.name], later())
    left = [r.uuid for r in db.list_nodes(cluster_uuid=cluster.uuid)]
    assert first.uuid not in left and len(left) == 3
    assert db.nodegroups[ng.uuid].node_count == 2


def test_resize_rejects_negative_count(env):
    drv, db, _, _, _ = env
    cluster = db.add_cluster()
    ng = db.list_nodegroups(cluster.uuid, role="worker")[0]
    with pytest.raises(exception.Invalid):
        drv.resize_cluster(None, cluster, ng, -1, [], later())


def test_half_made_nodes_are_rebuilt(env):
    drv, db, compute, _, _ = env
    cluster = db.add_cluster(workers=1)
    drv.create_cluster(None, cluster, later())
    worker = [r for r in db.list_nodes(cluster_uuid=cluster.uuid) if r.role == "worker"][0]
    db.update_node(worker.uuid, {"status": nodes_mod.SPAWNING})  # a crash mid-spawn
    drv.update_cluster(None, cluster, later())
    rows = db.list_nodes(cluster_uuid=cluster.uuid)
    assert worker.uuid not in [r.uuid for r in rows] and len(rows) == 2
    assert worker.instance_uuid not in compute.instances


def test_join_failure_propagates_and_keeps_rows_for_delete(env):
    drv, db, compute, _, fake = env
    cluster = db.add_cluster(workers=2)
    fake.fail_join.add("*")  # every join fails (the master's init still works)
    with pytest.raises(RuntimeError, match="join"):
        drv.create_cluster(None, cluster, later())
    assert len(db.list_nodes(cluster_uuid=cluster.uuid)) == 3
    drv.delete_cluster(None, cluster, later())
    assert db.list_nodes(cluster_uuid=cluster.uuid) == [] and compute.instances == {}


def test_no_master_is_invalid(env):
    drv, db, _, _, _ = env
    cluster = db.add_cluster(masters=0, workers=1)
    with pytest.raises(exception.Invalid, match="master"):
        drv.create_cluster(None, cluster, later())


def test_past_deadline_raises_cluster_timeout(env):
    drv, db, compute, _, _ = env
    cluster = db.add_cluster()
    with pytest.raises(exception.ClusterTimeout):
        drv.create_cluster(None, cluster, time.monotonic() - 1)
    assert not [c for c in compute.calls if c[0] == "spawn"]


def test_delete_is_idempotent_and_tolerates_lost_instances(env):
    drv, db, compute, certs, _ = env
    cluster = db.add_cluster()
    drv.create_cluster(None, cluster, later())
    lost = db.list_nodes(cluster_uuid=cluster.uuid)[1]
    compute.lost.add(lost.instance_uuid)
    drv.delete_cluster(None, cluster, later())
    assert db.list_nodes(cluster_uuid=cluster.uuid) == []
    assert set(compute.instances) == {lost.instance_uuid}  # the agent had lost it anyway
    assert compute.networks == {}
    assert certs.deleted == [cluster.uuid]
    drv.delete_cluster(None, cluster, later())  # again: nothing to do, no error


def test_delete_nodegroup_takes_its_nodes_out(env):
    drv, db, _, _, fake = env
    cluster = db.add_cluster(workers=2)
    drv.create_cluster(None, cluster, later())
    ng = db.list_nodegroups(cluster.uuid, role="worker")[0]
    drv.delete_nodegroup(None, cluster, ng, later())
    assert roles(db, cluster) == ["master"]
    assert len([e for e in fake.log if e[0] == "remove"]) == 2


def test_health_status(env):
    drv, db, _, _, fake = env
    cluster = db.add_cluster(workers=1)
    assert drv.update_cluster_status(None, cluster)[0] == "UNKNOWN"
    drv.create_cluster(None, cluster, later())
    assert drv.update_cluster_status(None, cluster) == ("HEALTHY", {})
    worker = [r for r in db.list_nodes(cluster_uuid=cluster.uuid) if r.role == "worker"][0]
    fake.nodes[worker.addresses["swarm_id"]]["state"] = "down"
    status, reason = drv.update_cluster_status(None, cluster)
    assert status == "UNHEALTHY" and "down" in reason[worker.name]


def test_preload_images_loaded_into_every_node(env, monkeypatch):
    drv, db, _, _, _ = env
    loaded = []

    @contextlib.contextmanager
    def saved(refs):
        yield [f"/tmp/{r}.tar" for r in refs]

    monkeypatch.setattr(preload, "saved", saved)
    monkeypatch.setattr(preload, "load", lambda cli, paths: loaded.append((cli, tuple(paths))))
    cluster = db.add_cluster(workers=2, labels={"preload_images": "a:1, b:2"})
    drv.create_cluster(None, cluster, later())
    assert len(loaded) == 3
    assert all(paths == ("/tmp/a:1.tar", "/tmp/b:2.tar") for _, paths in loaded)


def test_bad_preload_image_fails_before_any_spawn(env, monkeypatch):
    drv, db, compute, _, _ = env

    @contextlib.contextmanager
    def saved(refs):
        raise exception.Invalid(reason=f"label preload_images: image {refs[0]} is missing")
        yield  # pragma: no cover

    monkeypatch.setattr(preload, "saved", saved)
    cluster = db.add_cluster(labels={"preload_images": "nope:1"})
    with pytest.raises(exception.Invalid, match="nope:1"):
        drv.create_cluster(None, cluster, later())
    assert not [c for c in compute.calls if c[0] == "spawn"]


def test_rotate_ca_rebuilds_every_node(env):
    drv, db, compute, certs, fake = env
    cluster = db.add_cluster(workers=1)
    drv.create_cluster(None, cluster, later())
    before = {r.uuid for r in db.list_nodes(cluster_uuid=cluster.uuid)}
    drv.rotate_ca_certificate(None, cluster, later())
    after = db.list_nodes(cluster_uuid=cluster.uuid)
    assert len(after) == 2 and not before & {r.uuid for r in after}
    assert len(compute.instances) == 2
    assert len([e for e in fake.log if e[0] == "init"]) == 2


def _no_host():
    from magnum_lite.conductor.scheduler import NoValidHost

    return NoValidHost(what="nodes", reason="no compute agent has reported in the last 3 s")


def test_placement_waits_for_a_first_capacity_report(env, conf):
    drv, db, _, _, _ = env
    conf.config(group="swarm", placement_wait=30)
    answers = [_no_host(), _no_host()]

    def select(count, **kw):
        if answers:
            raise answers.pop()
        return ["h1"]

    drv.scheduler.select_hosts = select
    cluster = db.add_cluster(workers=1)
    drv.create_cluster(None, cluster, later())
    assert not answers and len(db.list_nodes(cluster_uuid=cluster.uuid)) == 2


def test_placement_gives_up_after_placement_wait(env, conf):
    from magnum_lite.conductor.scheduler import NoValidHost

    drv, db, compute, _, _ = env
    conf.config(group="swarm", placement_wait=0)

    def select(count, **kw):
        raise _no_host()

    drv.scheduler.select_hosts = select
    with pytest.raises(NoValidHost, match="reported"):
        drv.create_cluster(None, db.add_cluster(), later())
    assert not [c for c in compute.calls if c[0] == "spawn"]
