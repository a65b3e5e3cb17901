"""WSGI entry point: ``magnum_lite.wsgi.api:application`` (uwsgi, gunicorn, mod_wsgi).

Configuration comes from the default stackdock.conf search (/etc/stackdock/) or the files
named in ``STACKDOCK_CONFIG_FILES`` (comma-separated).
"""

from __future__ import annotations

import os

from magnum_lite import conf as ml_conf
from magnum_lite.api import app as api_app
from nova_docker.common import service


def init_application() -> object:
    files = [f for f in os.environ.get("STACKDOCK_CONFIG_FILES", "").split(",") if f]
    argv = [arg for f in files for arg in ("--config-file", f)]
    service.prepare_service(argv, ml_conf.CONF)
    return api_app.build(ml_conf.CONF)


application = init_application()
