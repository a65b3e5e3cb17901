"""Process start-up shared by every stackdock command."""

from __future__ import annotations

import signal
import threading

from oslo_config import cfg
from oslo_log import log as logging

_lock = threading.Lock()
_backend_ready = False


def init_threading_backend() -> None:
    """Select oslo.service's threading backend, once per process, before oslo.messaging runs.

    oslo.service still defaults to eventlet; stackdock never uses it.
    """
    global _backend_ready
    with _lock:
        if _backend_ready:
            return
        from oslo_service import backend

        try:
            backend.init_backend(backend.BackendType.THREADING)
        except backend.exceptions.BackendAlreadySelected:
            if backend.get_backend_type() != backend.BackendType.THREADING:
                raise
        _backend_ready = True


def prepare_service(argv: list[str] | None, conf: cfg.ConfigOpts = cfg.CONF) -> None:
    """Parse stackdock.conf (default search /etc/stackdock/) and set up logging."""
    init_threading_backend()
    logging.register_options(conf)
    conf(argv or [], project="stackdock", prog=None)
    logging.setup(conf, "stackdock")


def stop_event_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: services finish their work and exit when it is set."""
    stop = threading.Event()
    log = logging.getLogger(__name__)

    def _on_signal(signum: int, frame: object) -> None:
        log.info("Signal %d received; stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    return stop
