"""Spawn, power operations, info and console of DockerDriver on the real engine."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from nova_docker import exception, objects
from nova_docker.virt import driver as driver_mod
from nova_docker.virt import power_state
from tests.functional.docker.conftest import exec_out, wait_for


def test_spawn_runs_container_with_limits_labels_and_metadata(
    driver, instances, busybox_image, docker_api, test_labels
):
    inst = instances(
        metadata={"role": "web", "tier": "1"},
        flavor=objects.Flavor(memory_mb=96, vcpus=1, extra_specs={"stackdock:pids_limit": "77"}),
    )
    driver.spawn(None, inst, busybox_image(), [], None, None)

    attrs = docker_api.inspect_container(f"nova-{inst.uuid}")
    labels = attrs["Config"]["Labels"]
    assert labels["stackdock.instance_uuid"] == inst.uuid
    assert labels["stackdock.instance_name"] == inst.name
    assert labels["stackdock.managed"] == "true"
    assert labels["stackdock.meta.role"] == "web"
    assert labels["stackdock.meta.tier"] == "1"
    for key, value in test_labels.items():
        assert labels[key] == value
    host_config = attrs["HostConfig"]
    assert host_config["Memory"] == 96 * 1024 * 1024
    assert host_config["MemorySwap"] == 96 * 1024 * 1024
    assert host_config["NanoCpus"] == 1_000_000_000
    assert host_config["PidsLimit"] == 77
    assert host_config["Privileged"] is False
    assert attrs["Config"]["Cmd"] == ["sleep", "3600"]
    assert attrs["State"]["Running"] is True

    info = driver.get_info(inst)
    assert info.state == power_state.RUNNING
    assert info.max_mem_kb == 96 * 1024
    assert info.mem_kb > 0
    assert info.num_cpu == 1
    assert info.internal_id == attrs["Id"]
    assert driver.instance_exists(inst)
    assert inst.uuid in driver.list_instance_uuids()
    assert inst.name in driver.list_instances()


def test_spawn_power_on_false_leaves_it_stopped(driver, instances, busybox_image):
    inst = instances()
    driver.spawn(None, inst, busybox_image(), [], None, None, power_on=False)
    assert driver.get_info(inst).state == power_state.SHUTDOWN
    driver.power_on(None, inst, None)
    assert driver.get_info(inst).state == power_state.RUNNING


def test_injected_files_env_and_published_ports(driver, instances, busybox_image, docker_api):
    inst = instances()
    image = busybox_image(
        stackdock_env='{"GREETING": "hello-env"}', stackdock_publish_ports="8080/tcp,53/udp"
    )
    files = [
        ("/etc/stackdock/deep/hello.txt", "hello-file"),
        ("/opt/bin.dat", b"\x00\x01"),
        ("/etc/stackdock/secret.pem", "secret", 0o600),
    ]
    driver.spawn(None, inst, image, files, None, None)
    name = f"nova-{inst.uuid}"
    assert exec_out(docker_api, name, ["cat", "/etc/stackdock/deep/hello.txt"]) == "hello-file"
    assert exec_out(docker_api, name, ["wc", "-c", "/opt/bin.dat"]).split()[0] == "2"
    paths = ["/etc/stackdock/deep/hello.txt", "/etc/stackdock/secret.pem"]
    modes = exec_out(docker_api, name, ["stat", "-c", "%a", *paths])
    assert modes.split() == ["644", "600"]
    assert "GREETING=hello-env" in exec_out(docker_api, name, ["env"])
    ports = driver.get_addresses(inst)["ports"]
    assert set(ports) == {"8080/tcp", "53/udp"}
    for bindings in ports.values():
        assert bindings[0][0] == "127.0.0.1"
        assert int(bindings[0][1]) > 0


def test_key_data_injected_when_configured(conf, driver, instances, busybox_image, docker_api):
    conf.config(group="docker", inject_key=True)
    inst = instances(key_data="ssh-ed25519 AAAAC3Nza test@stackdock")
    driver.spawn(None, inst, busybox_image(), [], None, None)
    name = f"nova-{inst.uuid}"
    keys = exec_out(docker_api, name, ["cat", "/root/.ssh/authorized_keys"])
    assert keys == "ssh-ed25519 AAAAC3Nza test@stackdock\n"
    modes = exec_out(
        docker_api, name, ["stat", "-c", "%a", "/root/.ssh", "/root/.ssh/authorized_keys"]
    )
    assert modes.split() == ["700", "600"]


def test_key_data_not_injected_by_default(driver, instances, busybox_image, docker_api):
    inst = instances(key_data="ssh-ed25519 AAAAC3Nza test@stackdock")
    driver.spawn(None, inst, busybox_image(), [], None, None)
    out = exec_out(docker_api, f"nova-{inst.uuid}", ["ls", "/root/.ssh/authorized_keys"])
    assert "No such file" in out


def test_power_off_on_reboot(driver, instances, busybox_image, docker_api):
    inst = instances()
    driver.spawn(None, inst, busybox_image(), [], None, None)
    name = f"nova-{inst.uuid}"

    driver.power_off(inst, timeout=1)
    assert driver.get_info(inst).state == power_state.SHUTDOWN
    driver.power_off(inst)  # already off: no error
    driver.power_on(None, inst, None)
    assert driver.get_info(inst).state == power_state.RUNNING
    driver.power_on(None, inst, None)  # already on: no error

    for reboot_type in (driver_mod.REBOOT_SOFT, driver_mod.REBOOT_HARD):
        before = docker_api.inspect_container(name)["State"]["StartedAt"]
        driver.reboot(None, inst, None, reboot_type)
        state = docker_api.inspect_container(name)["State"]
        assert state["Running"] is True
        assert state["StartedAt"] != before


def test_pause_unpause_suspend_resume(driver, instances, busybox_image):
    inst = instances()
    driver.spawn(None, inst, busybox_image(), [], None, None)
    driver.pause(inst)
    assert driver.get_info(inst).state == power_state.PAUSED
    driver.unpause(inst)
    assert driver.get_info(inst).state == power_state.RUNNING
    driver.suspend(None, inst)
    assert driver.get_info(inst).state == power_state.SUSPENDED
    driver.resume(None, inst, None)
    assert driver.get_info(inst).state == power_state.RUNNING
    # Rebooting a suspended instance thaws it first.
    driver.suspend(None, inst)
    driver.reboot(None, inst, None, driver_mod.REBOOT_HARD)
    assert driver.get_info(inst).state == power_state.RUNNING


def test_pause_of_stopped_instance_is_invalid_state(driver, instances, busybox_image):
    inst = instances()
    driver.spawn(None, inst, busybox_image(), [], None, None, power_on=False)
    try:
        driver.pause(inst)
    except exception.InstanceInvalidState as exc:
        assert "not running" in str(exc)
    else:
        raise AssertionError("pause of a stopped container did not fail")


def test_console_output_is_bounded_tail(conf, driver, instances, busybox_image):
    conf.config(group="docker", console_max_bytes=4096)
    inst = instances()
    script = (
        "i=0; while [ $i -lt 2000 ]; do echo line-$i-padding-padding; i=$((i+1)); done; sleep 3600"
    )
    driver.spawn(None, inst, busybox_image(os_command_line=f"sh -c '{script}'"), [], None, None)
    out = wait_for(lambda: (o := driver.get_console_output(None, inst)) and "line-1999-" in o and o)
    assert len(out.encode()) <= 4096
    assert "line-0-" not in out
    assert out.rstrip().endswith("line-1999-padding-padding")


def test_destroy_is_idempotent_and_removes_anonymous_volumes(
    driver, instances, busybox_image, docker_api, test_labels, run_id
):
    # An image declaring a VOLUME, so the container gets an anonymous volume.
    helper = docker_api.create_container("stackdock/busybox:latest", "true", labels=test_labels)
    ref = f"stackdock-test/volume-{run_id}"
    docker_api.commit(helper["Id"], repository=ref, tag="v1", changes=["VOLUME /data"])
    docker_api.remove_container(helper["Id"], force=True)
    try:
        inst = instances()
        driver.spawn(None, inst, busybox_image(docker_image=f"{ref}:v1"), [], None, None)
        mounts = docker_api.inspect_container(f"nova-{inst.uuid}")["Mounts"]
        volumes = [m["Name"] for m in mounts if m["Type"] == "volume"]
        assert len(volumes) == 1
        driver.destroy(None, inst, None)
        assert not driver.instance_exists(inst)
        assert volumes[0] not in [v["Name"] for v in docker_api.volumes()["Volumes"] or []]
        driver.destroy(None, inst, None)  # gone already: still fine
        assert docker_api.inspect_image("stackdock/busybox:latest")["Id"]
    finally:
        docker_api.remove_image(f"{ref}:v1", force=True)


def test_nested_docker_recipe_without_privileged(driver, instances, busybox_image, docker_api):
    inst = instances()
    driver.spawn(None, inst, busybox_image(stackdock_nested_docker="true"), [], None, None)
    name = f"nova-{inst.uuid}"
    host_config = docker_api.inspect_container(name)["HostConfig"]
    assert host_config["Privileged"] is False

    def caps(names):
        return {c.upper().removeprefix("CAP_") for c in names or []}

    assert caps(host_config["CapAdd"]) == {"ALL"}
    assert caps(host_config["CapDrop"]) == {"SYS_RESOURCE"}
    assert set(host_config["SecurityOpt"]) == {"seccomp=unconfined", "apparmor=unconfined"}
    assert host_config["DeviceCgroupRules"] == ["a *:* rwm"]
    assert "/sys/fs/cgroup:/sys/fs/cgroup:rw" in host_config["Binds"]
    assert "/run" in host_config["Tmpfs"]
    status = exec_out(docker_api, name, ["grep", "CapEff", "/proc/self/status"])
    cap_eff = int(status.split()[1], 16)
    assert cap_eff & (1 << 21)  # CAP_SYS_ADMIN granted
    assert not cap_eff & (1 << 24)  # CAP_SYS_RESOURCE withheld


def test_instance_not_found_errors(driver, instances):
    ghost = instances()
    assert not driver.instance_exists(ghost)
    for call in (
        lambda: driver.get_info(ghost),
        lambda: driver.power_off(ghost),
        lambda: driver.power_on(None, ghost, None),
        lambda: driver.reboot(None, ghost, None, driver_mod.REBOOT_SOFT),
        lambda: driver.pause(ghost),
        lambda: driver.get_console_output(None, ghost),
        lambda: driver.get_addresses(ghost),
    ):
        try:
            call()
        except exception.InstanceNotFound as exc:
            assert ghost.uuid in str(exc)
        else:
            raise AssertionError("no InstanceNotFound for a missing instance")
    driver.destroy(None, ghost, None)  # destroying a missing instance is fine


def test_concurrent_spawns_and_destroys(driver, instances, busybox_image, docker_api):
    image = busybox_image()
    batch = [instances() for _ in range(5)]
    with ThreadPoolExecutor(5) as pool:
        list(pool.map(lambda i: driver.spawn(None, i, image, [], None, None), batch))
        assert all(driver.get_info(i).state == power_state.RUNNING for i in batch)
        assert {i.uuid for i in batch} <= set(driver.list_instance_uuids())
        list(pool.map(lambda i: driver.destroy(None, i, None), batch))
    assert not any(driver.instance_exists(i) for i in batch)
