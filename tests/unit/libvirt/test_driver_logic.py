"""Driver decisions that need no hypervisor: reboot fallback, power-off, names, options."""

from __future__ import annotations

import inspect
from unittest import mock

import libvirt
import pytest
from oslo_config import cfg

from nova_docker import exception, objects
from nova_docker.conf import CONF, compute, docker, image
from nova_docker.conf import libvirt as libvirt_conf
from nova_docker.virt.driver import ComputeDriver
from nova_docker.virt.libvirt import builder
from nova_docker.virt.libvirt import driver as lv_driver


@pytest.fixture
def conf():
    # Groups registered by name: overrides here must not reach the global CONF.
    c = cfg.ConfigOpts()
    for module in (compute, docker, image, libvirt_conf):
        c.register_opts(module.opts, group=module.GROUP.name)
    c([], project="stackdock-test", default_config_files=[], default_config_dirs=[])
    return c


@pytest.fixture
def drv(conf):
    conf.set_override("shutdown_timeout", 3, group="libvirt")
    return lv_driver.LibvirtDriver(conf=conf)


def _guest(state=libvirt.VIR_DOMAIN_RUNNING, stops=True):
    guest = mock.Mock()
    guest.libvirt_state.return_value = state
    guest.wait_for_state.return_value = stops
    guest.has_managed_save.return_value = False
    return guest


def test_options_defaults_and_help(conf):
    lv = conf.libvirt
    assert lv.connection_uri == "qemu:///system"
    assert lv.virt_type == "kvm"
    assert lv.images_path == "/var/lib/stackdock/libvirt/_base"
    assert lv.instances_path == "/var/lib/stackdock/libvirt/instances"
    assert lv.console_log_dir is None
    assert lv.shutdown_timeout == 60
    for opt in libvirt_conf.opts:
        assert opt.help, f"[libvirt] {opt.name} has no help"


def test_hypervisor_type_follows_virt_type(conf):
    drv = lv_driver.LibvirtDriver(conf=conf)
    assert drv.hypervisor_type == "KVM"
    conf.set_override("virt_type", "qemu", group="libvirt")
    assert drv.hypervisor_type == "QEMU"
    assert drv.capabilities["supports_image_type_qcow2"]
    assert not drv.capabilities["supports_image_type_vmdk"]


def test_cpu_mode_defaults(conf):
    assert builder.cpu_config(conf).mode == "host-model"
    conf.set_override("virt_type", "qemu", group="libvirt")
    assert builder.cpu_config(conf).mode == "none"
    conf.set_override("cpu_mode", "custom", group="libvirt")
    conf.set_override("cpu_models", ["qemu64"], group="libvirt")
    cpu = builder.cpu_config(conf)
    assert (cpu.mode, cpu.model) == ("custom", "qemu64")


def test_host_passthrough_needs_kvm(conf):
    conf.set_override("virt_type", "qemu", group="libvirt")
    conf.set_override("cpu_mode", "host-passthrough", group="libvirt")
    with pytest.raises(exception.Invalid, match="host-passthrough"):
        lv_driver.LibvirtDriver(conf=conf).init_host("h")


def test_paths(drv, conf):
    inst = objects.Instance()
    assert drv.instance_dir(inst) == f"/var/lib/stackdock/libvirt/instances/{inst.uuid}"
    assert drv.console_log_path(inst).endswith(f"{inst.uuid}/console.log")
    conf.set_override("console_log_dir", "/var/log/stackdock/console", group="libvirt")
    assert drv.console_log_path(inst) == f"/var/log/stackdock/console/instance-{inst.uuid}.log"


def test_cmdline_always_has_the_serial_console():
    assert builder.kernel_cmdline({}) == "root=/dev/vda console=ttyS0"
    assert builder.kernel_cmdline({"os_command_line": "quiet"}) == ("quiet console=ttyS0")
    assert builder.kernel_cmdline({"os_command_line": "console=ttyS0 ro"}) == ("console=ttyS0 ro")


def test_caller_properties_override_the_catalog():
    image = {"properties": {"kernel_id": "k1", "os_command_line": "a"}}
    meta = objects.ImageMeta(properties=objects.ImageMetaProps({"os_command_line": "b"}))
    assert builder.merged_properties(image, meta) == {
        "kernel_id": "k1",
        "os_command_line": "b",
    }


def test_soft_reboot_that_works(drv):
    guest = _guest(stops=True)
    drv._guest = lambda inst: guest
    drv.reboot(None, objects.Instance(), None, "SOFT")
    guest.shutdown.assert_called_once_with()
    guest.wait_for_state.assert_called_once_with({libvirt.VIR_DOMAIN_SHUTOFF}, 3)
    guest.launch.assert_called_once_with()
    guest.poweroff.assert_not_called()


def test_soft_reboot_ignored_falls_back_to_hard(drv):
    guest = _guest(stops=False)
    drv._guest = lambda inst: guest
    drv.reboot(None, objects.Instance(), None, "SOFT")
    guest.shutdown.assert_called_once_with()
    guest.poweroff.assert_called_once_with()
    guest.launch.assert_called_once_with()


def test_soft_reboot_of_a_paused_guest_is_hard(drv):
    guest = _guest(state=libvirt.VIR_DOMAIN_PAUSED)
    drv._guest = lambda inst: guest
    drv.reboot(None, objects.Instance(), None, "SOFT")
    guest.shutdown.assert_not_called()
    guest.poweroff.assert_called_once_with()
    guest.launch.assert_called_once_with()


def test_hard_reboot_drops_a_managed_save(drv):
    guest = _guest()
    guest.has_managed_save.return_value = True
    drv._guest = lambda inst: guest
    drv.reboot(None, objects.Instance(), None, "HARD")
    guest.domain.managedSaveRemove.assert_called_once_with(0)
    guest.shutdown.assert_not_called()


def test_power_off_without_timeout_is_immediate(drv):
    guest = _guest()
    drv._guest = lambda inst: guest
    drv.power_off(objects.Instance())
    guest.shutdown.assert_not_called()
    guest.poweroff.assert_called_once_with()


def test_power_off_with_timeout_retries_the_button(drv):
    guest = _guest(stops=False)
    drv._guest = lambda inst: guest
    drv.power_off(objects.Instance(), timeout=0.3, retry_interval=0.1)
    assert guest.shutdown.call_count >= 2
    guest.poweroff.assert_called_once_with()


def test_power_on_resumes_a_paused_guest(drv):
    guest = _guest(state=libvirt.VIR_DOMAIN_PAUSED)
    drv._guest = lambda inst: guest
    drv.power_on(None, objects.Instance(), None)
    guest.resume.assert_called_once_with()
    guest.launch.assert_not_called()


def test_docker_image_refused_before_any_lookup():
    service = mock.Mock()
    meta = objects.ImageMeta(id="i1", container_format="docker")
    with pytest.raises(exception.ImageUnacceptable, match="docker"):
        builder.check_image(service, meta)
    service.show.assert_not_called()


@pytest.mark.parametrize(
    "record,match",
    [
        ({"id": "i1", "container_format": "docker", "disk_format": "raw"}, "docker"),
        ({"id": "i1", "container_format": "bare", "disk_format": "vmdk"}, "vmdk"),
        ({"id": "i1", "container_format": "aki", "disk_format": "aki"}, "aki"),
    ],
)
def test_unbootable_catalog_records(record, match):
    service = mock.Mock()
    service.show.return_value = record
    with pytest.raises(exception.ImageUnacceptable, match=match):
        builder.check_image(service, objects.ImageMeta(id="i1"))


def test_private_overrides_do_not_reach_the_global_conf(conf):
    conf.set_override("virt_type", "qemu", group="libvirt")
    assert CONF.libvirt.virt_type == "kvm"


@pytest.mark.parametrize(
    "name",
    [
        n
        for n, v in vars(lv_driver.LibvirtDriver).items()
        if callable(v) and not n.startswith("_") and hasattr(ComputeDriver, n)
    ],
)
def test_overrides_keep_the_contract_signature(name):
    ours = inspect.signature(getattr(lv_driver.LibvirtDriver, name))
    base = inspect.signature(getattr(ComputeDriver, name))
    assert list(ours.parameters) == list(base.parameters)
    assert [p.default for p in ours.parameters.values()] == [
        p.default for p in base.parameters.values()
    ]


def test_constructor_takes_novas_arguments():
    params = list(inspect.signature(lv_driver.LibvirtDriver).parameters)
    assert params[:2] == ["virtapi", "read_only"]


def test_console_output_is_the_last_100_kib(drv, conf, tmp_path):
    conf.set_override("console_log_dir", str(tmp_path), group="libvirt")
    inst = objects.Instance()
    drv._guest = lambda i: _guest()
    assert drv.get_console_output(None, inst) == ""  # nothing logged yet
    tail = b"T" * (lv_driver.MAX_CONSOLE_BYTES - 3) + "é\n".encode()  # exactly 100 KiB
    (tmp_path / f"{inst.name}.log").write_bytes(b"H" * 50_000 + b"\xff" + tail)
    assert drv.get_console_output(None, inst) == tail.decode()
    # A multi-byte character cut at the start is replaced, not an error.
    (tmp_path / f"{inst.name}.log").write_bytes(b"H" + "é".encode() + tail[1:])
    assert drv.get_console_output(None, inst).startswith("\ufffdT")


def test_events_are_filtered_and_delivered_off_the_loop_thread():
    from nova_docker.virt.libvirt import host as lv_host

    got = []
    ours, foreign = mock.Mock(), mock.Mock()
    ours.UUIDString.return_value = "u-ours"
    foreign.UUIDString.return_value = "u-foreign"
    h = lv_host.Host("test:///default", event_handler=got.append, domain_filter=lambda d: d is ours)
    h._dispatcher = __import__("threading").Thread(target=h._dispatch, daemon=True)
    h._dispatcher.start()
    h._on_lifecycle(None, foreign, libvirt.VIR_DOMAIN_EVENT_STARTED, 0, None)
    h._on_lifecycle(None, ours, libvirt.VIR_DOMAIN_EVENT_DEFINED, 0, None)  # not reported
    h._on_lifecycle(None, ours, libvirt.VIR_DOMAIN_EVENT_STOPPED, 0, None)
    h.close()
    assert [(e.uuid, e.get_name()) for e in got] == [("u-ours", "Stopped")]


def _lv_error(code: int, message: str) -> libvirt.libvirtError:
    err = libvirt.libvirtError(message)
    err.err = (code, 0, message, 0, "", None, None, 0, 0)
    return err


@pytest.mark.parametrize(
    "code,expected",
    [
        (libvirt.VIR_ERR_OPERATION_INVALID, exception.InstanceInvalidState),
        (libvirt.VIR_ERR_NO_DOMAIN, exception.InstanceNotFound),
        (libvirt.VIR_ERR_SYSTEM_ERROR, exception.NovaDockerException),
    ],
)
def test_libvirt_errors_become_nova_docker_exceptions(drv, code, expected):
    guest = _guest(state=libvirt.VIR_DOMAIN_SHUTOFF)
    guest.is_active.return_value = False
    guest.launch.side_effect = _lv_error(code, "it went wrong")
    drv._guest = lambda inst: guest
    with pytest.raises(expected) as info:
        drv.power_on(None, objects.Instance(), None)
    assert not isinstance(info.value, libvirt.libvirtError)


def test_destroy_never_raises_instance_not_found(drv):
    drv._find = lambda inst: None
    drv.destroy(None, objects.Instance(), None, destroy_disks=False)
