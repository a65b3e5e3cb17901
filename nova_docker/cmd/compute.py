"""nova-docker-compute: the compute agent (one driver served over oslo.messaging RPC).

Exit codes: 0 after a clean SIGTERM/SIGINT shutdown, 1 if the agent could not start or
had to abandon work at shutdown, 2 for an unknown driver name.
"""

from __future__ import annotations

import os
import sys

from nova_docker.common import service

# Importing oslo.messaging selects oslo.service's eventlet backend unless a backend was
# chosen before: choose threading first, before anything below imports it.
service.init_threading_backend()

from oslo_log import log as logging  # noqa: E402

from nova_docker import exception  # noqa: E402
from nova_docker.common import rpc  # noqa: E402
from nova_docker.compute import service as compute_service  # noqa: E402
from nova_docker.conf import CONF  # noqa: E402
from nova_docker.virt import loader  # noqa: E402

LOG = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    service.prepare_service(sys.argv[1:] if argv is None else argv, CONF)
    name = CONF.compute.compute_driver
    try:
        driver = loader.load_driver(name)
    except exception.DriverNotFound as exc:
        LOG.error("%s", exc)
        print(f"nova-docker-compute: {exc} Set [compute] compute_driver.", file=sys.stderr)
        return 2
    except exception.NovaDockerException as exc:
        LOG.error("%s", exc)
        print(f"nova-docker-compute: {exc}", file=sys.stderr)
        return 1

    stop = service.stop_event_on_signals()

    agent = compute_service.ComputeService(driver, CONF)
    try:
        agent.start()
    except Exception as exc:
        LOG.exception("Could not start")
        print(f"nova-docker-compute: could not start: {exc}", file=sys.stderr)
        return 1
    # A timed wait keeps the main thread responsive to signals.
    while not stop.wait(1.0):
        pass
    drained = agent.stop()
    if not drained:
        # Worker threads are still inside the driver; the journal covers them at next start.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    rpc.cleanup()
    LOG.info("nova-docker-compute stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
