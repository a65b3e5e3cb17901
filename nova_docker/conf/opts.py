"""Options of nova_docker for oslo-config-generator (entry point oslo.config.opts)."""

from nova_docker.conf import compute, docker, image, libvirt


def list_opts() -> list:
    return [(module.GROUP, module.opts) for module in (compute, docker, image, libvirt)]
