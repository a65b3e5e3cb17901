"""Configuration of nova_docker: one module per option group, registered on CONF."""

from oslo_config import cfg

from nova_docker.conf import compute, docker, image, libvirt

CONF = cfg.CONF


def register_all(conf: cfg.ConfigOpts) -> None:
    for module in (compute, docker, image, libvirt):
        module.register_opts(conf)


register_all(CONF)
