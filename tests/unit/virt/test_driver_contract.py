"""The ComputeDriver contract keeps Nova 34's method names and signatures.

Compared against the real nova.virt.driver.ComputeDriver installed in the test venv, so a
drift in either direction fails here rather than inside a Nova deployment.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import sys

import pytest
from oslo_config import cfg

from nova_docker.virt import driver as our_driver


def _import_nova_driver():
    """Import nova.virt.driver without clashing with stackdock's options.

    Nova registers its options on the global CONF at import; stackdock's [libvirt]/[compute]
    and magnum_lite's [api] options, registered earlier in this pytest process, clash with
    some of them. A private ConfigOpts for Nova's import keeps both sides intact.
    """
    if "nova.conf" in sys.modules:
        return importlib.import_module("nova.virt.driver")
    saved = cfg.CONF
    cfg.CONF = cfg.ConfigOpts()
    try:
        return importlib.import_module("nova.virt.driver")
    finally:
        cfg.CONF = saved


nova_driver = _import_nova_driver()

CONTRACT_METHODS = [
    "init_host",
    "cleanup_host",
    "get_info",
    "instance_exists",
    "list_instances",
    "list_instance_uuids",
    "spawn",
    "destroy",
    "cleanup",
    "reboot",
    "power_off",
    "power_on",
    "pause",
    "unpause",
    "suspend",
    "resume",
    "get_console_output",
    "snapshot",
    "rescue",
    "unrescue",
    "get_available_resource",
    "get_available_nodes",
    "update_provider_tree",
    "get_host_uptime",
    "get_host_ip_addr",
    "plug_vifs",
    "unplug_vifs",
    "attach_interface",
    "detach_interface",
    "manage_image_cache",
    "get_volume_connector",
    "register_event_listener",
    "emit_event",
]


def _params(func):
    return [(p.name, p.default) for p in inspect.signature(func).parameters.values()]


def test_nova_is_34():
    assert int(importlib.metadata.version("nova").split(".")[0]) >= 34


@pytest.mark.parametrize("name", CONTRACT_METHODS)
def test_signature_matches_nova(name):
    ours = getattr(our_driver.ComputeDriver, name)
    theirs = getattr(nova_driver.ComputeDriver, name)
    assert _params(ours) == _params(theirs)


def test_capability_keys_are_novas():
    nova_caps = set(nova_driver.ComputeDriver.capabilities)
    assert set(our_driver.ComputeDriver.capabilities) <= nova_caps
    # The image-type capabilities are how Nova's scheduler filters images per host.
    assert {k for k in nova_caps if k.startswith("supports_image_type_")} <= set(
        our_driver.ComputeDriver.capabilities
    )


def test_unimplemented_methods_raise_not_implemented():
    base = our_driver.ComputeDriver()
    with pytest.raises(NotImplementedError):
        base.list_instances()
