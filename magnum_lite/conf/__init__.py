"""Configuration of magnum_lite: one module per option group, registered on CONF.

magnum_lite shares stackdock.conf and the global CONF with nova_docker (the all-in-one
process runs both), so nova_docker's groups are registered too.
"""

from oslo_config import cfg

import nova_docker.conf  # noqa: F401  (registers [compute], [docker], [image], [libvirt])
from magnum_lite.conf import api, conductor, database, swarm, x509

CONF = cfg.CONF

MODULES = (api, conductor, database, swarm, x509)


def register_all(conf: cfg.ConfigOpts) -> None:
    for module in MODULES:
        module.register_opts(conf)


register_all(CONF)
