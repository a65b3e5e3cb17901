"""Shared set-up of the compute agent's functional tests.

One world-readable work directory under /var/lib/stackdock (QEMU reads the guest files),
a temporary image catalog shared by the agents and the tests, two agents (docker and
hybrid) as real subprocesses on the session's RabbitMQ vhost, and a ReportListener. Every
container carries the run's test label plus this module's area label, so teardown can
sweep exactly what these tests made.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import docker
import libvirt
import pytest

from nova_docker.compute import reports, rpcapi
from nova_docker.image.api import LocalImageService
from tests.functional.compute import agents

GUEST_DIR = "/var/lib/stackdock/test-guest"
BUSYBOX = "stackdock/busybox:latest"
AREA_LABEL = "stackdock.test_area"
#: Stays up, says it is up, and exits at once on SIGTERM (docker stop).
CONTAINER_CMD = (
    "/bin/sh -c 'trap \"exit 0\" TERM; echo STACKDOCK-CONTAINER-UP; while :; do sleep 1; done'"
)


@pytest.fixture(scope="module")
def workdir():
    os.makedirs("/var/lib/stackdock", exist_ok=True)
    path = tempfile.mkdtemp(prefix="compute-", dir="/var/lib/stackdock")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def catalog(workdir):
    """The temporary image catalog: busybox, the test guest, and a plain qcow2 image."""
    service = LocalImageService(catalog_dir=os.path.join(workdir, "images"))
    ids = {}
    ids["busybox"] = service.register_docker_image(
        BUSYBOX, name="compute-busybox", properties={"os_command_line": CONTAINER_CMD}
    )["id"]
    kernel = service.create(
        "compute-kernel", "aki", "aki", data_path=os.path.join(GUEST_DIR, "vmlinuz")
    )
    ramdisk = service.create(
        "compute-initrd", "ari", "ari", data_path=os.path.join(GUEST_DIR, "initrd.img")
    )
    ids["guest"] = service.create(
        "compute-guest",
        "bare",
        "qcow2",
        properties={
            "kernel_id": kernel["id"],
            "ramdisk_id": ramdisk["id"],
            "os_command_line": "console=ttyS0",
        },
        data_path=os.path.join(GUEST_DIR, "disk.qcow2"),
    )["id"]
    service.ids = ids
    return service


@pytest.fixture(scope="module")
def area(run_id):
    """Labels of every container these tests make (run + area)."""
    return {"stackdock.test": run_id, AREA_LABEL: f"compute-{run_id}"}


def agent_options(workdir: str, catalog, area: dict[str, str], host: str) -> dict:
    labels = dict(area, **{"stackdock.test_host": host})
    return {
        "image": {"catalog_dir": catalog.catalog_dir},
        "docker": {"labels": ",".join(f"{k}:{v}" for k, v in labels.items())},
        "libvirt": {
            "virt_type": "qemu",
            "images_path": os.path.join(workdir, "libvirt", "_base"),
            "instances_path": os.path.join(workdir, "libvirt", "instances"),
        },
    }


@pytest.fixture(scope="module")
def client_conf():
    # Agents report every second; a host counts as down after 10 s of silence (generous
    # for a loaded CI machine, still short for the kill test).
    return agents.client_conf(
        rpc_timeout=90, spawn_timeout=300, report_interval=1, service_down_time=10
    )


@pytest.fixture(scope="module")
def transport(client_conf, transport_url):
    transport = agents.transport(client_conf, transport_url)
    yield transport
    transport.cleanup()


@pytest.fixture(scope="module")
def api(transport, client_conf):
    return rpcapi.ComputeAPI(transport, conf=client_conf)


@pytest.fixture(scope="module")
def listener(transport, client_conf):
    listener = reports.ReportListener(transport, conf=client_conf)
    listener.start()
    yield listener
    listener.stop()


@pytest.fixture(scope="module")
def docker_client():
    client = docker.from_env(timeout=120)
    yield client
    client.close()


@pytest.fixture(scope="module")
def tracked():
    """uuids of the instances these tests ask for (for the teardown sweep of domains)."""
    return set()


@pytest.fixture(scope="module")
def start_agent(workdir, catalog, area, transport_url, listener):
    """Start agents; at teardown destroy what they hold, stop them, sweep leftovers."""
    started: list[agents.Agent] = []

    def _start(host: str, driver: str, wait: bool = True, **extra) -> agents.Agent:
        options = agent_options(workdir, catalog, area, host)
        for group, values in extra.items():
            options.setdefault(group, {}).update(values)
        agent = agents.Agent(workdir, transport_url, host, driver, options)
        agent.start()
        started.append(agent)
        if wait:
            agents.wait_for(lambda: listener.is_alive(host), 120, f"first report of {host}", agent)
        return agent

    yield _start
    for agent in started:
        agent.stop()


@pytest.fixture(scope="module", autouse=True)
def sweep(docker_client, area, tracked, workdir):
    """After the module: no container of this area and no domain of a tracked uuid."""
    yield
    leftovers = docker_client.containers.list(
        all=True, filters={"label": f"{AREA_LABEL}={area[AREA_LABEL]}"}
    )
    for container in leftovers:
        container.remove(force=True, v=True)
    conn = libvirt.open("qemu:///system")
    try:
        for uuid in tracked:
            with contextlib.suppress(libvirt.libvirtError):
                dom = conn.lookupByName(f"instance-{uuid}")
                with contextlib.suppress(libvirt.libvirtError):
                    dom.destroy()
                dom.undefine()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def docker_agent(start_agent, run_id):
    return start_agent(f"sd-docker-{run_id}", "docker")


@pytest.fixture(scope="module")
def hybrid_agent(start_agent, run_id):
    return start_agent(f"sd-hybrid-{run_id}", "hybrid")
