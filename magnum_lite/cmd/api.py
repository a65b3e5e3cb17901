"""magnum-lite-api: the Magnum-compatible API under gunicorn.

Listens on ``[api] host``:``[api] port`` (127.0.0.1:9511) with ``[api] workers`` processes
of ``[api] threads`` threads each. Each worker builds its own application after the fork
(database engine and RPC transport are per process) with oslo.service's threading backend.
"""

from __future__ import annotations

import sys
from typing import Any

from gunicorn.app.base import BaseApplication
from oslo_log import log as logging

from magnum_lite import conf as ml_conf
from nova_docker.common import service

LOG = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Runs in each worker after the fork.
        service.init_threading_backend()
        from magnum_lite.api import app as api_app

        return api_app.build(ml_conf.CONF)


def gunicorn_options(conf: Any) -> dict[str, Any]:
    host = conf.api.host
    bind = f"[{host}]:{conf.api.port}" if ":" in host else f"{host}:{conf.api.port}"
    return {
        "bind": [bind],
        "workers": conf.api.workers,
        "threads": conf.api.threads,
        "worker_class": "gthread",
        "timeout": 120,
        "graceful_timeout": 30,
        "keepalive": 5,
        "preload_app": False,
        "proc_name": "magnum-lite-api",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }


def main(argv: list[str] | None = None) -> int:
    conf = ml_conf.CONF
    service.prepare_service(sys.argv[1:] if argv is None else argv, conf)
    options = gunicorn_options(conf)
    LOG.info("magnum-lite-api listening on %s (%d workers)", options["bind"][0], options["workers"])
    # gunicorn parses sys.argv itself unless told otherwise; our options are already set.
    sys.argv = sys.argv[:1]
    _Gunicorn(options).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
