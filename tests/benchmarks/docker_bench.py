"""DockerDriver spawn/destroy against raw docker SDK create+start/remove, in the same run.

Prints ``docker.spawn.ratio``, ``docker.spawn10.ratio`` and ``docker.destroy.ratio``
(driver median / raw median; the goal is at most 1.15). Spawn is timed until spawn()
returns, which is when the container runs (the driver checks). Everything is labelled
``stackdock.bench=<run>`` and removed at the end.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor

import docker
import docker.errors

from nova_docker import objects
from nova_docker.conf import CONF
from nova_docker.image.api import LocalImageService
from nova_docker.virt.docker.driver import DockerDriver
from tests.benchmarks.timing import ratio_line, timed

IMAGE = "stackdock/busybox:latest"
COMMAND = ["sleep", "3600"]
SEQUENTIAL = 15
CONCURRENT = 10
ROUNDS = 3


class Bench:
    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:10]
        self.labels = {"stackdock.bench": self.run}
        self.catalog_dir = tempfile.mkdtemp(prefix="sd-bench-")
        CONF.set_override("labels", self.labels, group="docker")
        CONF.set_override("image_pull_policy", "never", group="docker")
        catalog = LocalImageService(catalog_dir=self.catalog_dir)
        self.driver = DockerDriver(image_service=catalog)
        self.driver.init_host("bench")
        meta = catalog.register_docker_image(IMAGE, properties={"os_command_line": "sleep 3600"})
        self.image_meta = objects.ImageMeta.from_dict(meta)
        self.sdk = docker.DockerClient(base_url=CONF.docker.host_url, version="auto", timeout=120)

    # raw SDK, as a user of the docker library would write it
    def raw_spawn(self) -> object:
        container = self.sdk.containers.create(IMAGE, COMMAND, labels=self.labels)
        container.start()
        return container

    def raw_destroy(self, container) -> None:
        container.remove(force=True)

    def driver_spawn(self) -> objects.Instance:
        inst = objects.Instance(display_name="bench", flavor=objects.Flavor(memory_mb=64, vcpus=1))
        self.driver.spawn(None, inst, self.image_meta, [], None, None)
        return inst

    def driver_destroy(self, inst) -> None:
        self.driver.destroy(None, inst, None)

    def cleanup(self) -> None:
        api = self.sdk.api
        for c in api.containers(all=True, filters={"label": f"stackdock.bench={self.run}"}):
            try:
                api.remove_container(c["Id"], force=True, v=True)
            except docker.errors.NotFound:
                pass
        self.sdk.close()
        self.driver.cleanup_host("bench")
        CONF.clear_override("labels", group="docker")
        CONF.clear_override("image_pull_policy", group="docker")
        shutil.rmtree(self.catalog_dir, ignore_errors=True)


def _timed_result(fn):
    holder = []
    seconds = timed(lambda: holder.append(fn()))
    return seconds, holder[0]


def sequential(b: Bench) -> None:
    # Warm both paths once (connection set-up, page cache) before measuring.
    b.raw_destroy(b.raw_spawn())
    b.driver_destroy(b.driver_spawn())
    raw_spawn, drv_spawn, raw_destroy, drv_destroy = [], [], [], []
    for i in range(SEQUENTIAL):
        # Alternate which side goes first, so neither always meets a warmer engine.
        order = [0, 1] if i % 2 == 0 else [1, 0]
        made = [None, None]
        for side in order:
            if side == 0:
                t, made[0] = _timed_result(b.raw_spawn)
                raw_spawn.append(t)
            else:
                t, made[1] = _timed_result(b.driver_spawn)
                drv_spawn.append(t)
        for side in order:
            if side == 0:
                raw_destroy.append(timed(lambda c=made[0]: b.raw_destroy(c)))
            else:
                drv_destroy.append(timed(lambda i=made[1]: b.driver_destroy(i)))
    print(ratio_line("docker.spawn.ratio", drv_spawn, raw_spawn), flush=True)
    print(ratio_line("docker.destroy.ratio", drv_destroy, raw_destroy), flush=True)


def concurrent(b: Bench) -> None:
    raw_spawn, drv_spawn = [], []
    with ThreadPoolExecutor(CONCURRENT) as pool:
        for r in range(ROUNDS * 2):
            sides = [
                (b.raw_spawn, b.raw_destroy, raw_spawn),
                (b.driver_spawn, b.driver_destroy, drv_spawn),
            ]
            for spawn, destroy, samples in sides if r % 2 == 0 else sides[::-1]:
                results = list(pool.map(lambda _i, s=spawn: _timed_result(s), range(CONCURRENT)))
                samples.extend(t for t, _ in results)
                list(pool.map(lambda r, d=destroy: d(r[1]), results))
    print(ratio_line("docker.spawn10.ratio", drv_spawn, raw_spawn), flush=True)


def main() -> None:
    bench = Bench()
    try:
        sequential(bench)
        concurrent(bench)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
