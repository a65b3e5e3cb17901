"""The RPC client against a real in-process server over oslo.messaging's fake:// driver."""

from __future__ import annotations

import oslo_messaging as messaging
import pytest
from oslo_messaging.rpc import client as rpc_client

from nova_docker import exception, objects
from nova_docker.common import context, rpc
from nova_docker.compute import rpcapi


@pytest.fixture
def transport(conf, fake_exchanges):
    transport = messaging.get_rpc_transport(
        conf.conf, url="fake:/", allowed_remote_exmods=rpc.ALLOWED_EXMODS
    )
    yield transport
    transport.cleanup()


@pytest.fixture
def served(transport, make_manager):
    mgr = make_manager(host="host-a")
    mgr.rpc_expected_errors = True  # as ComputeService sets it
    mgr.init_host()
    server = rpc.get_server(transport, rpcapi.TOPIC, "host-a", [mgr])
    server.start()
    yield mgr
    server.stop()
    server.wait()


def test_round_trip_and_remote_exceptions(transport, served):
    api = rpcapi.ComputeAPI(transport)
    ctxt = context.RequestContext(user_id="u1", project_id="p1", request_id="req-abc")
    inst = objects.Instance(display_name="rt").to_dict()
    info = api.spawn(ctxt, "host-a", instance=inst, image_id="busybox")
    assert info["uuid"] == inst["uuid"] and info["hypervisor"] == "docker"
    assert api.ping(ctxt, "host-a")["host"] == "host-a"
    assert [i["uuid"] for i in api.list_instances(ctxt, "host-a")] == [inst["uuid"]]
    api.power_off(ctxt, "host-a", inst["uuid"], timeout=1)
    assert api.get_info(ctxt, "host-a", inst["uuid"])["state_name"] == "shutdown"
    api.destroy(ctxt, "host-a", inst["uuid"])
    with pytest.raises(exception.InstanceNotFound) as err:
        api.get_info(ctxt, "host-a", inst["uuid"])
    assert inst["uuid"] in str(err.value)
    with pytest.raises(exception.ImageNotFound):
        api.spawn(ctxt, "host-a", instance=inst, image_id="nope")


def test_timeout_is_compute_unavailable(conf, transport):
    conf.config(group="compute", rpc_timeout=1)
    api = rpcapi.ComputeAPI(transport)
    with pytest.raises(exception.ComputeUnavailable, match="host-nobody did not answer within 1"):
        api.ping(None, "host-nobody")


def test_host_is_required(transport):
    with pytest.raises(exception.Invalid):
        rpcapi.ComputeAPI(transport).ping(None, "")


def test_version_cap(conf, transport):
    assert rpcapi.ComputeAPI(transport).client.version_cap == "1.0"
    conf.config(group="compute", rpc_version_cap="0.9")
    api = rpcapi.ComputeAPI(transport)
    with pytest.raises(rpc_client.RPCVersionCapError):
        api.ping(None, "host-a")


def test_context_serializer_round_trip():
    serializer = rpc.RequestContextSerializer()
    ctxt = context.RequestContext(
        user_id="u1", project_id="p1", request_id="req-123", is_admin=True, roles=["admin"]
    )
    wire = serializer.serialize_context(ctxt)
    back = serializer.deserialize_context(wire)
    assert isinstance(back, context.RequestContext)
    assert (back.user_id, back.project_id, back.request_id, back.is_admin) == (
        "u1",
        "p1",
        "req-123",
        True,
    )
    assert serializer.serialize_entity(ctxt, {"a": [1, "b"]}) == {"a": [1, "b"]}


def test_remote_exception_keeps_its_class():
    from oslo_messaging._drivers import common

    try:
        raise exception.FlavorTooLarge(reason="too big")
    except exception.FlavorTooLarge as exc:
        wire = common.serialize_remote_exception((type(exc), exc, exc.__traceback__))
    back = common.deserialize_remote_exception(wire, rpc.ALLOWED_EXMODS)
    assert isinstance(back, exception.FlavorTooLarge)
    assert "too big" in str(back)
