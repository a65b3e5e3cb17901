"""stackdock-aio: magnum-lite-api, magnum-lite-conductor and a compute agent on one machine.

* Database: ``[database] connection`` (SQLite under /var/lib/stackdock by default); the
  schema is upgraded to the latest migration at start.
* Messaging: when ``[DEFAULT] transport_url`` is set (rabbit://...), the conductor and
  the agent run in this process and the API runs under gunicorn as a child process
  (``magnum-lite-api`` with the same configuration files), started before any RPC server
  so nothing forks after consuming from the broker. When it is unset, everything shares
  an in-process ``fake://`` transport: gunicorn's workers are separate processes that
  could not reach it, so the API is then served from a thread of this process by the
  standard library's WSGI server (threaded), on the same ``[api] host``:``[api] port``.
* The compute agent hosts ``[compute] compute_driver`` (docker by default); ``--no-compute``
  leaves it out (agents run elsewhere on the same broker).

SIGTERM or SIGINT stops the API, then the conductor, then the agent.
"""

from __future__ import annotations

import signal
import socketserver
import subprocess
import sys
import threading
from typing import Any
from wsgiref import simple_server

from nova_docker.common import service as common_service

# Importing oslo.messaging selects oslo.service's eventlet backend unless one was chosen
# before: choose threading first.
common_service.init_threading_backend()

from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402

from magnum_lite import conf as ml_conf  # noqa: E402
from nova_docker.common import rpc  # noqa: E402

LOG = logging.getLogger(__name__)

IN_PROCESS_URL = "fake:/"

cli_opts = [
    cfg.BoolOpt(
        "compute",
        default=True,
        help="Run a compute agent in this process (--nocompute to leave it out).",
    ),
    cfg.BoolOpt(
        "api",
        default=True,
        help="Serve the API (--noapi to run only the conductor and the agent).",
    ),
]


def configured_transport_url(conf: cfg.ConfigOpts) -> str | None:
    """``[DEFAULT] transport_url`` if the configuration sets it, else None."""
    from oslo_messaging import opts as msg_opts

    for group, options in msg_opts.list_opts():
        if group in (None, "DEFAULT"):
            for opt in options:
                if opt.dest == "transport_url":
                    conf.register_opt(opt)
    location = conf.get_location("transport_url")
    if location is None or location.location == cfg.Locations.opt_default:
        return None  # oslo.messaging's default (rabbit://) is not a choice the user made
    return conf.transport_url or None


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        LOG.debug("api: " + format, *args)


class ThreadedAPI:
    """The API app on a stdlib threaded WSGI server (in-process transport mode)."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        from magnum_lite.api import app as api_app

        self.server = simple_server.make_server(
            conf.api.host,
            conf.api.port,
            api_app.build(conf),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="aio-api", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class ChildAPI:
    """magnum-lite-api (gunicorn) as a child process with this process's arguments."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = [a for a in argv if a not in ("--nocompute", "--noapi", "--compute", "--api")]
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "magnum_lite.cmd.api", *self.argv],
            preexec_fn=_death_signal_hook(),
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


def _death_signal_hook() -> Any:
    """A pre-exec hook making the API child get SIGTERM when the aio dies (Linux prctl).

    libc is loaded here, before the fork: the hook itself only calls into it.
    """
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux/glibc: a killed aio may leave its API child behind
    return lambda: prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _upgrade_db(conf: cfg.ConfigOpts) -> None:
    from magnum_lite.db.sqlalchemy import migration

    migration.upgrade(conf.database.connection)


def _start_compute(conf: cfg.ConfigOpts, transport: Any) -> Any:
    from nova_docker.compute import service as compute_service
    from nova_docker.virt import loader

    driver = loader.load_driver(conf.compute.compute_driver)
    agent = compute_service.ComputeService(driver, conf, transport=transport)
    agent.start()
    return agent


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    conf = ml_conf.CONF
    conf.register_cli_opts(cli_opts)
    common_service.prepare_service(argv, conf)
    from magnum_lite.conductor import service as conductor_service

    stop = common_service.stop_event_on_signals()

    _upgrade_db(conf)
    url = configured_transport_url(conf)
    api: ThreadedAPI | ChildAPI | None = None
    if url is None:
        conf.set_override("transport_url", IN_PROCESS_URL)
        LOG.info("No [DEFAULT] transport_url: API, conductor and agent share fake://")
        if conf.api:
            api = ThreadedAPI(conf)
    elif conf.api:
        api = ChildAPI(argv)
        api.start()  # before any RPC server: nothing forks after consuming from the broker
    transport = rpc.get_transport(conf)
    agent = None
    conductor = None
    try:
        if conf.compute:
            agent = _start_compute(conf, transport)
        conductor = conductor_service.ConductorService(conf, transport=transport)
        conductor.start()
        if isinstance(api, ThreadedAPI):
            api.start()
        LOG.info(
            "stackdock-aio up: API on %s:%s, conductor %s, agent %s",
            conf.api.host,
            conf.api.port,
            conf.conductor.host,
            conf.compute.host if agent else "(none)",
        )
        print(f"stackdock-aio ready: http://{conf.api.host}:{conf.api.port}/v1", flush=True)
        while not stop.wait(0.5):
            if isinstance(api, ChildAPI) and api.proc.poll() is not None:
                LOG.error("magnum-lite-api exited with %s; stopping", api.proc.returncode)
                return 1
    finally:
        if api is not None:
            api.stop()
        if conductor is not None:
            conductor.stop()
        if agent is not None:
            agent.stop()
        rpc.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
