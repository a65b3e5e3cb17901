"""Real Nova 34 loads DockerDriver through the nova/virt/stackdock.py shim and runs a container.

Uses nova's own load_compute_driver and real nova.objects Instance/Flavor/ImageMeta.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import docker
import docker.errors
import pytest

from nova_docker.cmd import nova_shim


@pytest.fixture
def shim():
    path = nova_shim.shim_path()
    existed = os.path.exists(path)
    nova_shim.install()
    try:
        yield path
    finally:
        # Another session may have installed it before us: then leave it.
        if not existed:
            nova_shim.uninstall()
        sys.modules.pop("nova.virt.stackdock", None)


# Runs in its own interpreter, as nova-compute does: Nova's options are registered first,
# then the driver loads (the pytest process has nova_docker's options registered already).
NOVA_SCRIPT = r"""
import json, sys, uuid
import docker, docker.errors
from nova import objects as nova_objects
from nova.compute import power_state as nova_power_state
from nova.virt import driver as nova_driver
from nova.virt import hardware as nova_hardware

catalog_dir, label_key, label_value, inst_uuid = sys.argv[1:5]
nova_objects.register_all()
drv = nova_driver.load_compute_driver(None, "stackdock.DockerDriver")
from nova_docker.conf import CONF  # registered by the driver's import
CONF.set_override("catalog_dir", catalog_dir, group="image")
CONF.set_override("labels", {label_key: label_value}, group="docker")
CONF.set_override("image_pull_policy", "never", group="docker")
out = {"is_compute_driver": isinstance(drv, nova_driver.ComputeDriver),
       "module": type(drv).__module__}
flavor = nova_objects.Flavor(name="m1.tiny", memory_mb=64, vcpus=1, root_gb=1,
                             ephemeral_gb=0, swap=0, extra_specs={})
instance = nova_objects.Instance(
    uuid=inst_uuid, display_name="nova-shim-test", hostname="nova-shim-test", flavor=flavor,
    metadata={"origin": "nova"},
    # Nova keeps Glance properties outside its schema here, with an image_ prefix.
    system_metadata={"image_stackdock_env": '{"FROM_NOVA": "yes"}'},
    key_data=None, vm_state="building", task_state="spawning")
image_meta = nova_objects.ImageMeta.from_dict({
    "id": str(uuid.uuid4()), "name": "stackdock/busybox:latest",
    "container_format": "docker", "disk_format": "raw",
    "properties": {"os_command_line": "sleep 3600"}})
api = docker.APIClient(base_url="unix:///var/run/docker.sock", version="auto")
name = "nova-" + inst_uuid
try:
    drv.init_host("nova-shim-host")
    drv.spawn(None, instance, image_meta, [], None, None)
    attrs = api.inspect_container(name)
    info = drv.get_info(instance)
    out.update(
        running=attrs["State"]["Running"], labels=attrs["Config"]["Labels"],
        env=attrs["Config"]["Env"], memory=attrs["HostConfig"]["Memory"],
        info_is_nova=isinstance(info, nova_hardware.InstanceInfo),
        info_running=info.state == nova_power_state.RUNNING,
        listed=inst_uuid in drv.list_instance_uuids())
    drv.destroy(None, instance, [])
    try:
        api.inspect_container(name)
        out["gone"] = False
    except docker.errors.NotFound:
        out["gone"] = True
finally:
    try:
        api.remove_container(name, force=True, v=True)
    except docker.errors.NotFound:
        pass
print("RESULT " + json.dumps(out))
"""


def test_nova_loads_shim_and_spawns(shim, test_labels):
    with open(shim) as f:
        assert "from nova_docker.nova_compat import DockerDriver" in f.read()
    catalog_dir = tempfile.mkdtemp(prefix="sd-shim-")
    (label_key, label_value) = next(iter(test_labels.items()))
    inst_uuid = str(uuid.uuid4())
    try:
        proc = subprocess.run(
            [sys.executable, "-c", NOVA_SCRIPT, catalog_dir, label_key, label_value, inst_uuid],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(catalog_dir, ignore_errors=True)
        # Even if the child died before its own clean-up.
        api = docker.APIClient(base_url="unix:///var/run/docker.sock", version="auto")
        try:
            api.remove_container(f"nova-{inst_uuid}", force=True, v=True)
        except docker.errors.NotFound:
            pass
        finally:
            api.close()
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT ") :])
    assert out["is_compute_driver"] is True
    assert out["module"] == "nova_docker.nova_compat"
    assert out["running"] is True
    assert out["labels"]["stackdock.meta.origin"] == "nova"
    assert out["labels"][label_key] == label_value
    assert "FROM_NOVA=yes" in out["env"]
    assert out["memory"] == 64 * 1024 * 1024
    assert out["info_is_nova"] is True
    assert out["info_running"] is True
    assert out["listed"] is True
    assert out["gone"] is True


def test_shim_cli_install_uninstall(tmp_path, capsys):
    virt = tmp_path / "virt"
    virt.mkdir()
    assert nova_shim.main(["--nova-virt-dir", str(virt)]) == 0
    assert (virt / "stackdock.py").read_text() == nova_shim.SHIM_TEXT
    assert nova_shim.main(["--nova-virt-dir", str(virt), "--uninstall"]) == 0
    assert not (virt / "stackdock.py").exists()
    assert nova_shim.main(["--nova-virt-dir", str(tmp_path / "missing")]) == 1
    assert "not a directory" in capsys.readouterr().err
