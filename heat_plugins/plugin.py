"""The module Heat imports from plugin_dirs: resource types of the stackdock plugins.

Heat 27 finds resource types only by importing modules under ``[DEFAULT] plugin_dirs`` and
calling ``resource_mapping()`` / ``available_resource_mapping()``; see cmd/install.py.
"""

from __future__ import annotations

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

try:
    import docker  # noqa: F401

    DOCKER_INSTALLED = True
except ImportError:  # the resources need the docker SDK; register nothing without it
    DOCKER_INSTALLED = False


def resource_mapping() -> dict:
    from heat_plugins.resources.docker.container import DockerContainer
    from heat_plugins.resources.docker.legacy import LegacyDockerContainer
    from heat_plugins.resources.docker.network import DockerNetwork
    from heat_plugins.resources.docker.volume import DockerVolume

    return {
        "OS::Docker::Container": DockerContainer,
        "DockerInc::Docker::Container": LegacyDockerContainer,
        "OS::Docker::Network": DockerNetwork,
        "OS::Docker::Volume": DockerVolume,
    }


def available_resource_mapping() -> dict:
    if not DOCKER_INSTALLED:
        LOG.warning("stackdock Heat plugins loaded, but the docker SDK is not installed")
        return {}
    return resource_mapping()
