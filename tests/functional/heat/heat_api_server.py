"""Serve Heat's API WSGI application (heat.api.openstack.wsgi) on 127.0.0.1 for tests.

Equivalent of heat-wsgi-api: Heat 27 ships the API only as a WSGI app, and its
init_application() parses sys.argv, so the config file is passed after the port.
Usage: python heat_api_server.py PORT --config-file heat.conf
"""

from __future__ import annotations

import socketserver
import sys
from wsgiref import simple_server


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        sys.stderr.write("api: " + format % args + "\n")


def main() -> None:
    port = int(sys.argv[1])
    sys.argv = [sys.argv[0], *sys.argv[2:]]
    from oslo_service import backend

    backend.init_backend(backend.BackendType.THREADING)
    from heat.api.openstack.wsgi import init_application

    app = init_application()
    server = simple_server.make_server(
        "127.0.0.1", port, app, server_class=_Server, handler_class=_QuietHandler
    )
    print(f"heat api listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
