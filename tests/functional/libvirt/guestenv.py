"""Set-up shared by the libvirt functional tests and benchmark (no pytest in here).

Everything a run creates lives under one mkdtemp in /var/lib/stackdock (0755, so QEMU can
read it whatever user it runs as): the image catalog, the base cache and the instance
directories. ``sweep`` removes every domain whose XML points into that directory, so a
test that died half-way still leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from typing import Any

import libvirt
from oslo_config import cfg

from nova_docker import objects
from nova_docker.conf import compute, docker, image
from nova_docker.conf import libvirt as libvirt_conf
from nova_docker.image.api import LocalImageService

TEST_GUEST_DIR = "/var/lib/stackdock/test-guest"
BOOT_MARKER = "STACKDOCK-GUEST-BOOTED"
USERDATA_MARKER = "STACKDOCK-USERDATA: "
URI = "qemu:///system"


def guest_manifest() -> dict[str, Any]:
    """The test guest's manifest; a clear failure (not a skip) when it is missing."""
    path = os.path.join(TEST_GUEST_DIR, "manifest.json")
    if not os.path.isfile(path):
        raise RuntimeError(f"{path} is missing: run `make images` (tools/build-test-guest.sh)")
    with open(path) as f:
        return json.load(f)


def make_root(prefix: str = "libvirt-test-") -> str:
    os.makedirs("/var/lib/stackdock", exist_ok=True)
    root = tempfile.mkdtemp(prefix=prefix, dir="/var/lib/stackdock")
    os.chmod(root, 0o755)
    return root


def private_conf() -> cfg.ConfigOpts:
    """A ConfigOpts with nova_docker's options whose overrides stay private to it.

    Registering the modules' shared OptGroup objects would share their override slots with
    the global CONF (oslo.config keeps overrides on the group), so groups go by name.
    """
    conf = cfg.ConfigOpts()
    for module in (compute, docker, image, libvirt_conf):
        conf.register_opts(module.opts, group=module.GROUP.name)
    conf([], project="stackdock-test", default_config_files=[], default_config_dirs=[])
    return conf


def make_conf(root: str, **libvirt_overrides: Any) -> cfg.ConfigOpts:
    """A private ConfigOpts (the global CONF stays untouched) for a driver on root."""
    conf = private_conf()
    settings = {
        "connection_uri": URI,
        "virt_type": "qemu",
        "images_path": os.path.join(root, "_base"),
        "instances_path": os.path.join(root, "instances"),
        "shutdown_timeout": 8,
    }
    settings.update(libvirt_overrides)
    for key, value in settings.items():
        conf.set_override(key, value, group="libvirt")
    conf.set_override("catalog_dir", os.path.join(root, "catalog"), group="image")
    conf.set_override("host", f"libvirt-test-{os.path.basename(root)}", group="compute")
    return conf


def register_test_guest(catalog: LocalImageService, **extra_props: Any) -> dict[str, dict]:
    """kernel (aki), ramdisk (ari) and the disk (qcow2 with kernel_id/ramdisk_id)."""
    guest_manifest()
    kernel = catalog.create(
        "test-guest-kernel", "aki", "aki", data_path=os.path.join(TEST_GUEST_DIR, "vmlinuz")
    )
    ramdisk = catalog.create(
        "test-guest-ramdisk", "ari", "ari", data_path=os.path.join(TEST_GUEST_DIR, "initrd.img")
    )
    props = {
        "kernel_id": kernel["id"],
        "ramdisk_id": ramdisk["id"],
        "os_command_line": "console=ttyS0 quiet",
    }
    props.update(extra_props)
    disk = catalog.create(
        "test-guest",
        "bare",
        "qcow2",
        properties=props,
        data_path=os.path.join(TEST_GUEST_DIR, "disk.qcow2"),
    )
    return {"kernel": kernel, "ramdisk": ramdisk, "disk": disk}


def new_instance(memory_mb: int = 192, vcpus: int = 1, root_gb: int = 1, **kw: Any):
    return objects.Instance(
        display_name=kw.pop("display_name", "libvirt-test"),
        flavor=objects.Flavor(name="test", memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb),
        **kw,
    )


def wait_for(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def sweep(root: str) -> list[str]:
    """Destroy and undefine every domain whose XML mentions root; return their names."""
    removed = []
    conn = libvirt.open(URI)
    try:
        for dom in conn.listAllDomains(0):
            try:
                if root not in dom.XMLDesc(0):
                    continue
                name = dom.name()
                if dom.isActive():
                    dom.destroy()
                flags = (
                    libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                    | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
                    | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                )
                dom.undefineFlags(flags)
                removed.append(name)
            except libvirt.libvirtError:
                continue
    finally:
        conn.close()
    return removed


def remove_root(root: str) -> None:
    sweep(root)
    shutil.rmtree(root, ignore_errors=True)
