"""ComputeService over the fake transport: serve, report, drain and stop."""

from __future__ import annotations

import time

import oslo_messaging as messaging
import pytest
from oslo_messaging.rpc import dispatcher

from nova_docker import exception
from nova_docker.common import rpc
from nova_docker.compute import manager, reports, rpcapi
from nova_docker.compute import service as compute_service
from tests.unit.compute.fake_driver import MemoryDriver


@pytest.fixture
def transport(conf, fake_exchanges):
    transport = messaging.get_rpc_transport(
        conf.conf, url="fake:/", allowed_remote_exmods=rpc.ALLOWED_EXMODS
    )
    yield transport
    transport.cleanup()


def test_serve_report_and_stop(conf, transport, images, store):
    conf.config(group="compute", host="svc-host", report_interval=0.2)
    driver = MemoryDriver()
    mgr = manager.ComputeManager(driver, conf.conf, image_api=images, store=store)
    listener = reports.ReportListener(transport, conf=conf.conf)
    listener.start()
    agent = compute_service.ComputeService(driver, conf.conf, transport=transport, manager=mgr)
    agent.start()
    try:
        assert driver.initialised
        api = rpcapi.ComputeAPI(transport, conf=conf.conf)
        assert api.ping(None, "svc-host")["host"] == "svc-host"
        deadline = time.monotonic() + 30
        while not listener.is_alive("svc-host") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.get("svc-host")["hypervisor_types"] == ["docker"]
        # Client errors still arrive with their class when marked as expected.
        with pytest.raises(exception.InstanceNotFound):
            api.get_info(None, "svc-host", "no-such-uuid")
        # Only the API is reachable: not the manager's service methods.
        with pytest.raises(dispatcher.NoSuchMethod):
            api._call(None, "svc-host", "begin_shutdown")
        assert mgr.ping(None)["shutting_down"] is False
    finally:
        assert agent.stop(graceful_timeout=10) is True
        listener.stop()
    assert mgr.ping(None)["shutting_down"] is True
