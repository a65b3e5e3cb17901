"""DockerInc::Docker::Container: the old contrib plugin's property names and values.

Old templates keep working: their properties are translated into the same spec
OS::Docker::Container uses. As in the old plugin, no property updates in place. The old
``docker_endpoint`` was a URL; it is accepted only when heat.conf configures that URL
(or when it names a configured endpoint), so engines and TLS stay the operator's choice.
"""

from __future__ import annotations

from typing import Any

from heat.engine import constraints
from heat.engine import properties as p

from heat_plugins import client as docker_client
from heat_plugins.resources.docker import container_schema as cs
from heat_plugins.resources.docker import spec
from heat_plugins.resources.docker.container import DockerContainer

S = p.Schema

PROPERTIES = (
    DOCKER_ENDPOINT, HOSTNAME, USER, MEMORY, PORT_SPECS, PORT_BINDINGS, LINKS, NAME,
    PRIVILEGED, TTY, OPEN_STDIN, STDIN_ONCE, ENV, DNS, CMD, IMAGE, VOLUMES, VOLUMES_FROM,
    RESTART_POLICY, CAP_ADD, CAP_DROP, READ_ONLY, CPU_SHARES, DEVICES, CPU_SET,
) = (
    "docker_endpoint", "hostname", "user", "memory", "port_specs", "port_bindings", "links",
    "name", "privileged", "tty", "open_stdin", "stdin_once", "env", "dns", "cmd", "image",
    "volumes", "volumes_from", "restart_policy", "cap_add", "cap_drop", "read_only",
    "cpu_shares", "devices", "cpu_set",
)  # fmt: skip

properties_schema = {
    DOCKER_ENDPOINT: S(S.STRING, "Docker endpoint: a name configured in heat.conf, or the "
                       "URL of one."),
    HOSTNAME: S(S.STRING, "Hostname of the container.", default=""),
    USER: S(S.STRING, "Username or UID.", default=""),
    MEMORY: S(S.INTEGER, "Memory limit (bytes).", default=0,
              constraints=[constraints.Range(min=0)]),
    PORT_SPECS: S(S.LIST, "Ports to expose, e.g. [80, '53/udp']."),
    PORT_BINDINGS: S(S.MAP, "Port bindings: {'80/tcp': [{HostPort: '8080', HostIp: ...}]} "
                     "or {'80': 8080}."),
    LINKS: S(S.MAP, "Links to other containers: {name: alias}."),
    NAME: S(S.STRING, "Name of the container."),
    PRIVILEGED: S(S.BOOLEAN, "Extended privileges (refused unless allowed in heat.conf).",
                  default=False),
    TTY: S(S.BOOLEAN, "Allocate a pseudo-tty.", default=False),
    OPEN_STDIN: S(S.BOOLEAN, "Open stdin.", default=False),
    STDIN_ONCE: S(S.BOOLEAN, "Close stdin after one client detaches (kept for old "
                  "templates).", default=False),
    ENV: S(S.LIST, "Environment as KEY=value strings."),
    DNS: S(S.LIST, "DNS servers."),
    CMD: S(S.LIST, "Command to run.", default=[]),
    IMAGE: S(S.STRING, "Image name.", required=True),
    VOLUMES: S(S.MAP, "Mounts: {host_path: container_path}, {host_path: {bind: path, ro: "
               "bool}} or {container_path: {}} for an anonymous volume.", default={}),
    VOLUMES_FROM: S(S.LIST, "Containers whose volumes to mount.", default=[]),
    RESTART_POLICY: S(S.MAP, "Restart policy.", schema={
        "Name": S(S.STRING, "no, on-failure or always.", default="no",
                  constraints=[constraints.AllowedValues(["no", "on-failure", "always"])]),
        "MaximumRetryCount": S(S.INTEGER, "Retries for on-failure.", default=0,
                               constraints=[constraints.Range(min=0)]),
    }),
    CAP_ADD: S(S.LIST, "Capabilities to add.", schema=S(S.STRING)),
    CAP_DROP: S(S.LIST, "Capabilities to drop.", schema=S(S.STRING)),
    READ_ONLY: S(S.BOOLEAN, "Read-only root file system.", default=False),
    CPU_SHARES: S(S.INTEGER, "CPU shares.", default=0, constraints=[constraints.Range(min=0)]),
    DEVICES: S(S.LIST, "Host devices.", schema=S(S.MAP, schema={
        "path_on_host": S(S.STRING, "Device path on the host.", required=True),
        "path_in_container": S(S.STRING, "Device path in the container."),
        "permissions": S(S.STRING, "r, w, m combination.", default="rwm",
                         constraints=[constraints.AllowedValues(
                             ["r", "w", "m", "rw", "rm", "wm", "rwm"])]),
    })),
    CPU_SET: S(S.STRING, "CPUs allowed, e.g. 0-3."),
}  # fmt: skip


def parse_env(items: list | None) -> dict[str, str]:
    env = {}
    for item in items or []:
        key, sep, value = str(item).partition("=")
        if not key or not sep:
            raise ValueError(f"env entry '{item}' is not KEY=value")
        env[key] = value
    return env


def _binding_items(value: Any) -> list[tuple[str | None, Any]]:
    """One port_bindings value -> [(host_ip, host_port)]."""
    if value is None:
        return [(None, None)]
    if isinstance(value, list):
        return [item for v in value for item in _binding_items(v)]
    if isinstance(value, dict):
        unknown = set(value) - {"HostPort", "HostIp"}
        if unknown:
            raise ValueError(f"port binding keys {sorted(unknown)} are not HostPort/HostIp")
        return [(value.get("HostIp") or None, value.get("HostPort") or None)]
    return [(None, value)]


def translate_ports(port_specs: list | None, port_bindings: dict | None) -> list[dict]:
    ports: list[dict] = []
    for key, value in (port_bindings or {}).items():
        cport, proto = spec.split_port_key(key)
        for host_ip, host_port in _binding_items(value):
            if host_port not in (None, ""):
                host_port = spec.check_port(host_port, f"host port of '{key}'")
            ports.append({"container_port": cport, "protocol": proto, "host_ip": host_ip,
                          "host_port": host_port or None})  # fmt: skip
    bound = {(p["container_port"], p["protocol"]) for p in ports}
    for item in port_specs or []:
        cport, proto = spec.split_port_key(item)
        if (cport, proto) not in bound:
            ports.append({"container_port": cport, "protocol": proto, "publish": False})
    return ports


def translate_volumes(volumes: dict | None) -> tuple[list[str], list[str]]:
    """-> (binds 'host:ctr[:ro]', anonymous volume paths)."""
    binds, anonymous = [], []
    for key, value in (volumes or {}).items():
        if not str(key).startswith("/"):
            raise ValueError(f"volumes key '{key}' must be an absolute path")
        if value in ({}, None, ""):
            anonymous.append(key)
            continue
        if isinstance(value, str):
            target, mode = value, "rw"
        elif isinstance(value, dict) and value.get("bind"):
            target = value["bind"]
            mode = "ro" if value.get("ro") or value.get("mode") == "ro" else "rw"
        else:
            raise ValueError(f"volumes['{key}'] must be a container path or {{bind, ro}}")
        if not str(target).startswith("/"):
            raise ValueError(f"volume target '{target}' must be an absolute path")
        binds.append(f"{key}:{target}:{mode}")
    return binds, anonymous


def translate(props: Any) -> dict:
    """Old properties -> the OS::Docker::Container spec."""
    policy = props.get(RESTART_POLICY)
    binds, anonymous = translate_volumes(props.get(VOLUMES))
    return {
        cs.IMAGE: props.get(IMAGE),
        cs.COMMAND: props.get(CMD) or None,
        cs.ENV: parse_env(props.get(ENV)),
        cs.NAME: props.get(NAME) or None,
        cs.HOSTNAME: props.get(HOSTNAME) or None,
        cs.USER: props.get(USER) or None,
        cs.PORTS: translate_ports(props.get(PORT_SPECS), props.get(PORT_BINDINGS)),
        cs.RESTART_POLICY: {
            "name": policy.get("Name") or "no",
            "maximum_retry_count": policy.get("MaximumRetryCount") or 0,
        }
        if policy
        else None,
        cs.CAP_ADD: props.get(CAP_ADD),
        cs.CAP_DROP: props.get(CAP_DROP),
        cs.READ_ONLY: props.get(READ_ONLY),
        cs.PRIVILEGED: props.get(PRIVILEGED),
        cs.DEVICES: props.get(DEVICES),
        cs.CPU_SHARES: props.get(CPU_SHARES) or None,
        cs.CPUSET_CPUS: props.get(CPU_SET) or None,
        cs.MEMORY: props.get(MEMORY) or None,
        cs.DNS: props.get(DNS),
        cs.TTY: props.get(TTY),
        cs.OPEN_STDIN: props.get(OPEN_STDIN),
        "links": props.get(LINKS) or None,
        "volumes_from": props.get(VOLUMES_FROM) or None,
        "binds": binds,
        "anonymous_volumes": anonymous,
        cs.STOP_TIMEOUT: 10,
    }


class LegacyDockerContainer(DockerContainer):
    """DockerInc::Docker::Container with the contrib plugin's interface."""

    PROPERTIES = PROPERTIES
    properties_schema = properties_schema
    update_allowed_properties = ()

    def endpoint(self) -> docker_client.Endpoint:
        return docker_client.resolve_legacy(self.properties[DOCKER_ENDPOINT], self.context)

    def container_spec(self, props: Any = None) -> dict:
        return translate(props if props is not None else self.properties)

    def user_labels(self) -> dict:
        return {}

    def parse_live_resource_data(self, resource_properties: Any, resource_data: dict) -> dict:
        return {}  # nothing updates in place, so nothing to observe
