"""libvirt.spawn.ratio: LibvirtDriver.spawn to a running domain vs bare createXML.

Like for like: the baseline boots the very domain XML the driver builds, with its disks
(qcow2 overlay on the cached base, console log path) prepared beforehand, so the ratio is
the driver's own work (image checks, cache lookup, overlay, flavor check, define + start)
over libvirt's createXML of the same guest. The base cache is warm for both (one warm-up
spawn first). Samples are interleaved, alternating which goes first. Everything created is
destroyed and the run's directory removed at the end.
"""

from __future__ import annotations

import time

import libvirt

from nova_docker.image.api import LocalImageService
from nova_docker.virt.libvirt import builder
from nova_docker.virt.libvirt.driver import LibvirtDriver
from tests.benchmarks.timing import ratio_line
from tests.functional.libvirt import guestenv

SAMPLES = 7


def _wait_running(dom: libvirt.virDomain) -> None:
    deadline = time.monotonic() + 120
    while dom.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{dom.name()} did not reach running")
        time.sleep(0.005)


def main() -> None:
    guestenv.guest_manifest()
    root = guestenv.make_root("libvirt-bench-")
    conf = guestenv.make_conf(root)
    catalog = LocalImageService(conf)
    images = guestenv.register_test_guest(catalog)
    drv = LibvirtDriver(conf=conf)
    drv.image_service = catalog
    drv.init_host(conf.compute.host)
    conn = drv._host.get_connection()
    image_meta = catalog.image_meta(images["disk"]["id"])
    image = catalog.show(images["disk"]["id"])
    spawned = []
    driver_samples: list[float] = []
    baseline_samples: list[float] = []

    def driver_sample() -> None:
        inst = guestenv.new_instance(memory_mb=128)
        spawned.append(inst)
        start = time.perf_counter()
        drv.spawn(None, inst, image_meta, [], None, None)
        _wait_running(drv._host.lookup(inst.name))
        driver_samples.append(time.perf_counter() - start)
        drv.destroy(None, inst, None)

    def baseline_sample() -> None:
        inst = guestenv.new_instance(memory_mb=128)
        spawned.append(inst)
        props = builder.merged_properties(image, image_meta)
        xml = builder.prepare(conf, catalog, inst, image, props)  # files made beforehand
        start = time.perf_counter()
        dom = conn.createXML(xml, 0)
        _wait_running(dom)
        baseline_samples.append(time.perf_counter() - start)
        dom.destroy()
        drv.destroy(None, inst, None)  # the instance files

    try:
        driver_sample()  # warm-up: fills the base cache, first QEMU start
        baseline_sample()
        driver_samples.clear()
        baseline_samples.clear()
        for i in range(SAMPLES):
            first, second = (driver_sample, baseline_sample)[:: 1 if i % 2 == 0 else -1]
            first()
            second()
        print(ratio_line("libvirt.spawn.ratio", driver_samples, baseline_samples), flush=True)
    finally:
        for inst in spawned:
            try:
                drv.destroy(None, inst, None)
            except Exception as exc:  # keep cleaning up the others
                print(f"# cleanup of {inst.name} failed: {exc}")
        drv.cleanup_host(conf.compute.host)
        guestenv.remove_root(root)


if __name__ == "__main__":
    from nova_docker.common import service

    service.init_threading_backend()
    main()
