"""State mapping, the virDomain wrapper's error handling and lifecycle event mapping."""

from __future__ import annotations

from unittest import mock

import libvirt
import pytest

from nova_docker.virt import power_state
from nova_docker.virt.libvirt import events
from nova_docker.virt.libvirt.guest import Guest, map_state


@pytest.mark.parametrize(
    "lv_state,expected",
    [
        (libvirt.VIR_DOMAIN_NOSTATE, power_state.NOSTATE),
        (libvirt.VIR_DOMAIN_RUNNING, power_state.RUNNING),
        (libvirt.VIR_DOMAIN_BLOCKED, power_state.RUNNING),
        (libvirt.VIR_DOMAIN_PAUSED, power_state.PAUSED),
        (libvirt.VIR_DOMAIN_SHUTDOWN, power_state.SHUTDOWN),
        (libvirt.VIR_DOMAIN_SHUTOFF, power_state.SHUTDOWN),
        (libvirt.VIR_DOMAIN_CRASHED, power_state.CRASHED),
        (libvirt.VIR_DOMAIN_PMSUSPENDED, power_state.SUSPENDED),
        (99, power_state.NOSTATE),
    ],
)
def test_state_mapping(lv_state, expected):
    assert map_state(lv_state) == expected


def test_shut_off_with_managed_save_is_suspended():
    assert map_state(libvirt.VIR_DOMAIN_SHUTOFF, True) == power_state.SUSPENDED
    assert map_state(libvirt.VIR_DOMAIN_RUNNING, True) == power_state.RUNNING


def _error(code: int) -> libvirt.libvirtError:
    err = libvirt.libvirtError("boom")
    err.err = (code, 0, "boom", 0, "", None, None, 0, 0)
    return err


def test_info_reports_memory_cpu_and_suspended_state():
    dom = mock.Mock()
    dom.info.return_value = [libvirt.VIR_DOMAIN_SHUTOFF, 262144, 131072, 2, 12345]
    dom.hasManagedSaveImage.return_value = 1
    dom.UUIDString.return_value = "u-1"
    info = Guest(dom).info(hypervisor="QEMU")
    assert info.state == power_state.SUSPENDED
    assert (info.max_mem_kb, info.mem_kb, info.num_cpu, info.cpu_time_ns) == (
        262144,
        131072,
        2,
        12345,
    )
    assert info.internal_id == "u-1" and info.hypervisor == "QEMU"


def test_poweroff_of_a_stopped_domain_is_a_no_op():
    dom = mock.Mock()
    dom.isActive.return_value = 0
    Guest(dom).poweroff()
    dom.destroy.assert_not_called()


def test_poweroff_ignores_a_domain_that_stopped_meanwhile():
    dom = mock.Mock()
    dom.isActive.return_value = 1
    dom.destroy.side_effect = _error(libvirt.VIR_ERR_OPERATION_INVALID)
    Guest(dom).poweroff()


def test_poweroff_retries_a_busy_domain(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    dom = mock.Mock()
    dom.isActive.return_value = 1
    dom.destroy.side_effect = [_error(libvirt.VIR_ERR_SYSTEM_ERROR), None]
    Guest(dom).poweroff()
    assert dom.destroy.call_count == 2


def test_poweroff_gives_up_after_the_attempts(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    dom = mock.Mock()
    dom.isActive.return_value = 1
    dom.destroy.side_effect = _error(libvirt.VIR_ERR_SYSTEM_ERROR)
    with pytest.raises(libvirt.libvirtError):
        Guest(dom).poweroff(attempts=3)
    assert dom.destroy.call_count == 3


def test_undefine_falls_back_on_old_libvirt():
    dom = mock.Mock()
    dom.undefineFlags.side_effect = _error(libvirt.VIR_ERR_INVALID_ARG)
    dom.hasManagedSaveImage.return_value = 1
    Guest(dom).undefine()
    dom.managedSaveRemove.assert_called_once_with(0)
    dom.undefine.assert_called_once_with()


def test_undefine_of_a_vanished_domain_is_fine():
    dom = mock.Mock()
    dom.undefineFlags.side_effect = _error(libvirt.VIR_ERR_NO_DOMAIN)
    Guest(dom).undefine()


def test_metadata_of_a_foreign_domain_is_none():
    dom = mock.Mock()
    dom.metadata.side_effect = _error(libvirt.VIR_ERR_NO_DOMAIN_METADATA)
    assert Guest(dom).metadata() is None


@pytest.mark.parametrize(
    "event,detail,transition",
    [
        (libvirt.VIR_DOMAIN_EVENT_STARTED, 0, events.EVENT_LIFECYCLE_STARTED),
        (libvirt.VIR_DOMAIN_EVENT_STOPPED, 0, events.EVENT_LIFECYCLE_STOPPED),
        (
            libvirt.VIR_DOMAIN_EVENT_STOPPED,
            libvirt.VIR_DOMAIN_EVENT_STOPPED_SAVED,
            events.EVENT_LIFECYCLE_SUSPENDED,
        ),
        (libvirt.VIR_DOMAIN_EVENT_SUSPENDED, 0, events.EVENT_LIFECYCLE_PAUSED),
        (libvirt.VIR_DOMAIN_EVENT_RESUMED, 0, events.EVENT_LIFECYCLE_RESUMED),
        (libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED, 0, events.EVENT_LIFECYCLE_SUSPENDED),
    ],
)
def test_lifecycle_event_mapping(event, detail, transition):
    ev = events.from_libvirt("u-1", event, detail)
    assert ev.uuid == "u-1" and ev.transition == transition
    assert ev.get_name() == events.NAMES[transition]
    assert events.TRANSITION_POWER_STATE[transition] in power_state.STATE_MAP


def test_unreported_events():
    assert events.from_libvirt("u", libvirt.VIR_DOMAIN_EVENT_DEFINED, 0) is None
    assert events.from_libvirt("u", libvirt.VIR_DOMAIN_EVENT_UNDEFINED, 0) is None


def _error_msg(code: int, message: str) -> libvirt.libvirtError:
    err = libvirt.libvirtError(message)
    err.err = (code, 0, message, 0, "", None, None, 0, 0)
    return err


def test_launch_retries_the_transient_cgroup_failure(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    dom = mock.Mock()
    dom.isActive.return_value = 0
    dom.createWithFlags.side_effect = [
        _error_msg(libvirt.VIR_ERR_SYSTEM_ERROR, "Unable to read from '/x/cgroup.controllers'"),
        None,
    ]
    Guest(dom).launch()
    assert dom.createWithFlags.call_count == 2


def test_launch_raises_other_failures_at_once():
    dom = mock.Mock()
    dom.createWithFlags.side_effect = _error_msg(libvirt.VIR_ERR_INTERNAL_ERROR, "bad CPU")
    with pytest.raises(libvirt.libvirtError, match="bad CPU"):
        Guest(dom).launch()
    assert dom.createWithFlags.call_count == 1
