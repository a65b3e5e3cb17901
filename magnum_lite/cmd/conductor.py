"""magnum-lite-conductor: the RPC server that builds and runs clusters.

Reads stackdock.conf (``--config-file``), serves topic ``[conductor] topic`` as server
``[conductor] host``, and stops cleanly on SIGTERM/SIGINT: no new orders, running operations
get ``[conductor] graceful_shutdown_timeout`` seconds. It never forks.
"""

from __future__ import annotations

import sys

from nova_docker.common import service as common_service

# Importing oslo.messaging selects oslo.service's eventlet backend unless one was chosen
# before: choose threading first.
common_service.init_threading_backend()

from oslo_log import log as logging  # noqa: E402

from magnum_lite import conf as ml_conf  # noqa: E402
from nova_docker.common import rpc  # noqa: E402

LOG = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    conf = ml_conf.CONF
    common_service.prepare_service(sys.argv[1:] if argv is None else argv, conf)
    from magnum_lite.conductor import service

    stop = common_service.stop_event_on_signals()
    svc = service.ConductorService(conf)
    try:
        svc.start()
    except Exception as exc:
        LOG.exception("magnum-lite-conductor could not start")
        print(f"magnum-lite-conductor: could not start: {exc}", file=sys.stderr)
        svc.stop(timeout=0)
        rpc.cleanup()
        return 1
    try:
        while not stop.wait(0.5):
            pass
    finally:
        svc.stop()
        rpc.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
