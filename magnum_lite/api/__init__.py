"""The Magnum-compatible REST API of magnum_lite.

oslo.service must run its threading backend here; importing oslo.messaging (the API's
RPC client) selects eventlet if nothing was chosen yet, so choose before anything else.
"""

from nova_docker.common import service as _service

_service.init_threading_backend()
