"""The recipe for a container that runs its own Docker engine (docker-in-docker).

``--privileged`` fails where the host lacks CAP_SYS_RESOURCE (the test sandboxes), so nodes
get every other capability instead, no seccomp/AppArmor confinement, access to all devices,
the host's cgroup tree read-write (the inner dockerd creates cgroups) and a tmpfs /run (the
inner dockerd's sockets and pid files). The inner engine must use ``--storage-driver=vfs``
when the outer one uses overlay2; that is the image's job (stackdock/swarm-node does it).
"""

from __future__ import annotations

from typing import Any

#: The image property that asks for this recipe.
PROPERTY = "stackdock_nested_docker"


def wanted(value: Any) -> bool:
    """Whether an image property value means yes."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def host_config_args() -> dict[str, Any]:
    """Keyword arguments for docker.APIClient.create_host_config."""
    return {
        # The engine expands ALL to what it and the kernel know, then removes the drop.
        "cap_add": ["ALL"],
        "cap_drop": ["SYS_RESOURCE"],
        "security_opt": ["seccomp=unconfined", "apparmor=unconfined"],
        "device_cgroup_rules": ["a *:* rwm"],
        "binds": {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}},
        "tmpfs": {"/run": ""},
    }
