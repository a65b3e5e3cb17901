"""Process-wide test set-up: the oslo.service threading backend, selected once."""

from nova_docker.common import service

service.init_threading_backend()
