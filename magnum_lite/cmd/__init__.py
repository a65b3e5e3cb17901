"""Console entry points.

The oslo.service threading backend is selected here, before any command module imports
oslo.messaging (which would otherwise pick the eventlet default).
"""

from nova_docker.common import service as _service

_service.init_threading_backend()
