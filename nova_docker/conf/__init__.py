"""Configuration of nova_docker: one module per option group, registered on CONF."""

from oslo_config import cfg

from nova_docker.conf import compute, docker, image, libvirt

CONF = cfg.CONF


def _register_tolerant(conf: cfg.ConfigOpts, module) -> None:
    """Register a group's options one by one, keeping ones already registered.

    Inside nova-compute (the nova/virt/stackdock.py shim) the global CONF already holds
    Nova's own [libvirt] and [compute] options; where a name clashes, Nova's definition
    stays, so importing this package never breaks Nova.
    """
    conf.register_group(module.GROUP)
    for opt in module.opts:
        try:
            conf.register_opt(opt, group=module.GROUP)
        except cfg.DuplicateOptError:
            continue


def register_all(conf: cfg.ConfigOpts) -> None:
    for module in (compute, docker, image, libvirt):
        try:
            module.register_opts(conf)
        except cfg.DuplicateOptError:
            _register_tolerant(conf, module)


register_all(CONF)
