"""Driver loading by entry point name."""

from __future__ import annotations

import pytest

from nova_docker import exception
from nova_docker.virt import loader


def test_known_drivers_listed():
    assert {"docker", "libvirt", "hybrid"} <= set(loader.known_drivers())


def test_unknown_driver_names_the_known_ones():
    with pytest.raises(exception.DriverNotFound) as err:
        loader.load_driver("xen")
    assert "xen" in str(err.value)
    assert "docker, hybrid, libvirt" in str(err.value)


def test_driver_that_fails_to_build_is_hypervisor_unavailable(monkeypatch):
    from nova_docker.virt.docker import driver as docker_driver

    def broken(self, *args, **kwargs):
        raise RuntimeError("no engine here")

    monkeypatch.setattr(docker_driver.DockerDriver, "__init__", broken)
    with pytest.raises(
        exception.HypervisorUnavailable, match="docker .* failed to load.*no engine"
    ):
        loader.load_driver("docker")
