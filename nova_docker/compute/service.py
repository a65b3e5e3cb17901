"""The running agent: RPC server, heartbeat reports and graceful shutdown around a manager."""

from __future__ import annotations

from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging

from nova_docker.common import rpc
from nova_docker.compute import manager as manager_module
from nova_docker.compute import reports, rpcapi
from nova_docker.conf import CONF

LOG = logging.getLogger(__name__)

#: The manager methods clients may call (API 1.0); nothing else is reachable over RPC.
API_METHODS = (
    "spawn",
    "destroy",
    "reboot",
    "power_off",
    "power_on",
    "pause",
    "unpause",
    "suspend",
    "resume",
    "snapshot",
    "get_info",
    "get_console_output",
    "list_instances",
    "get_addresses",
    "ensure_network",
    "delete_network",
    "get_host_report",
    "ping",
)


class RPCEndpoint:
    """Exposes only API_METHODS of a manager (not init_host, begin_shutdown, ...)."""

    def __init__(self, manager: manager_module.ComputeManager) -> None:
        self.target = manager.target
        for name in API_METHODS:
            setattr(self, name, getattr(manager, name))


class ComputeService:
    """Serves one driver on topic nova-docker-compute, server = ``[compute] host``."""

    def __init__(
        self,
        driver: Any,
        conf: cfg.ConfigOpts = CONF,
        transport: messaging.Transport | None = None,
        manager: manager_module.ComputeManager | None = None,
    ) -> None:
        self.conf = conf
        self.transport = transport or rpc.get_transport(conf)
        self.manager = manager or manager_module.ComputeManager(driver, conf)
        self.manager.rpc_expected_errors = True
        self.host = self.manager.host
        self._server: messaging.MessageHandlingServer | None = None
        self._reporter = reports.ReportSender(self.transport, self.manager.host_report, conf)

    def start(self) -> None:
        """init_host (reconcile), then listen for orders, then start heartbeats."""
        self.manager.init_host()
        self._server = rpc.get_server(
            self.transport, rpcapi.TOPIC, self.host, [RPCEndpoint(self.manager)]
        )
        self._server.start()
        self._reporter.start()
        LOG.info(
            "nova-docker-compute serving host %s with the %s driver",
            self.host,
            self.manager.hypervisor_type,
        )

    def stop(self, graceful_timeout: float | None = None) -> bool:
        """Refuse new orders, let those in flight finish, then stop listening.

        Returns False if operations were still running when ``graceful_timeout`` expired;
        a spawn cut off that way stays in the journal and is cleaned up at the next start.
        """
        if graceful_timeout is None:
            graceful_timeout = self.conf.compute.graceful_shutdown_timeout
        self.manager.begin_shutdown()
        # Keep the server up while draining so new orders get a ShuttingDown answer
        # rather than silence, and replies of the running ones still go out.
        drained = self.manager.wait_idle(graceful_timeout)
        if not drained:
            LOG.error(
                "%d operation(s) still running after %.0f s; exiting anyway",
                self.manager.inflight,
                graceful_timeout,
            )
        self._reporter.stop()
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            if drained:
                server.wait()
        if drained:
            try:
                self.manager.driver.cleanup_host(self.host)
            except Exception:
                LOG.exception("Driver cleanup failed")
        return drained
