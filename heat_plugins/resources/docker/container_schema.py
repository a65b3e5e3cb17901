"""Property and attribute schemas of OS::Docker::Container (names used by spec.py)."""

from __future__ import annotations

from heat.engine import attributes, constraints
from heat.engine import properties as p

from heat_plugins.resources.docker import spec

S = p.Schema
PORT_RANGE = constraints.Range(1, 65535)

PROPERTIES = (
    DOCKER_ENDPOINT, IMAGE, IMAGE_PULL_POLICY, COMMAND, ENTRYPOINT, ENV, LABELS, NAME,
    HOSTNAME, USER, WORKING_DIR, PORTS, NETWORKS, MOUNTS, RESTART_POLICY, CAP_ADD, CAP_DROP,
    READ_ONLY, PRIVILEGED, DEVICES, CPU_SHARES, CPU_PERIOD, CPU_QUOTA, CPUSET_CPUS, MEMORY,
    MEMORY_SWAP, MEMORY_RESERVATION, HEALTHCHECK, LOGGING, STOP_SIGNAL, STOP_TIMEOUT, DNS,
    TTY, OPEN_STDIN,
) = (
    "docker_endpoint", "image", "image_pull_policy", "command", "entrypoint", "env", "labels",
    "name", "hostname", "user", "working_dir", "ports", "networks", "mounts", "restart_policy",
    "cap_add", "cap_drop", "read_only", "privileged", "devices", "cpu_shares", "cpu_period",
    "cpu_quota", "cpuset_cpus", "memory", "memory_swap", "memory_reservation", "healthcheck",
    "logging", "stop_signal", "stop_timeout", "dns", "tty", "open_stdin",
)  # fmt: skip

#: What Docker changes on a live container (docker update / rename / network connect).
UPDATE_ALLOWED = (
    NAME, RESTART_POLICY, CPU_SHARES, CPU_PERIOD, CPU_QUOTA, CPUSET_CPUS, MEMORY, MEMORY_SWAP,
    MEMORY_RESERVATION, NETWORKS,
)  # fmt: skip

ENDPOINT_SCHEMA = S(
    S.STRING,
    "Name of a Docker endpoint configured in heat.conf ([heat_docker] endpoints); "
    "the default endpoint when unset. URLs and TLS material never come from templates.",
)

NETWORK_ITEM = {
    "network": S(S.STRING, "Network name or id (or get_resource of an OS::Docker::Network).",
                 required=True),
    "aliases": S(S.LIST, "DNS aliases of the container on this network.",
                 schema=S(S.STRING)),
    "ipv4_address": S(S.STRING, "Fixed IPv4 address on this network."),
    "ipv6_address": S(S.STRING, "Fixed IPv6 address on this network."),
}  # fmt: skip

properties_schema = {
    DOCKER_ENDPOINT: ENDPOINT_SCHEMA,
    IMAGE: S(S.STRING, "Image reference, e.g. stackdock/busybox:latest.", required=True),
    IMAGE_PULL_POLICY: S(
        S.STRING,
        "always: pull before create; if_not_present: pull only when missing; never: the "
        "image must be present. Default: [heat_docker] default_pull_policy.",
        constraints=[constraints.AllowedValues(spec.PULL_POLICIES)],
    ),
    COMMAND: S(S.LIST, "Command (arguments after the entrypoint).", schema=S(S.STRING)),
    ENTRYPOINT: S(S.LIST, "Entrypoint overriding the image's.", schema=S(S.STRING)),
    ENV: S(S.MAP, "Environment variables."),
    LABELS: S(S.MAP, "Extra labels on the container."),
    NAME: S(S.STRING, "Container name (default: derived from stack and resource names).",
            update_allowed=True, constraints=[constraints.Length(1, 128)]),
    HOSTNAME: S(S.STRING, "Hostname inside the container."),
    USER: S(S.STRING, "User (name or uid[:gid]) the process runs as."),
    WORKING_DIR: S(S.STRING, "Working directory of the process."),
    PORTS: S(S.LIST, "Ports to expose and publish on the host.", schema=S(S.MAP, schema={
        "container_port": S(S.INTEGER, "Port inside the container.", required=True,
                            constraints=[PORT_RANGE]),
        "protocol": S(S.STRING, "tcp, udp or sctp.", default="tcp",
                      constraints=[constraints.AllowedValues(spec.PROTOCOLS)]),
        "host_port": S(S.INTEGER, "Host port (unset: any free port).",
                       constraints=[PORT_RANGE]),
        "host_ip": S(S.STRING, "Host address (default: [heat_docker] default_host_ip)."),
        "publish": S(S.BOOLEAN, "False: only expose the port.", default=True),
    })),
    NETWORKS: S(S.LIST, "Networks to attach (default: Docker's bridge). Changes connect "
                "and disconnect the live container.", update_allowed=True,
                schema=S(S.MAP, schema=NETWORK_ITEM)),
    MOUNTS: S(S.LIST, "Named volumes, host binds and tmpfs.", schema=S(S.MAP, schema={
        "type": S(S.STRING, "volume, bind or tmpfs.", default="volume",
                  constraints=[constraints.AllowedValues(["volume", "bind", "tmpfs"])]),
        "source": S(S.STRING, "Volume name (or get_resource of OS::Docker::Volume) or "
                    "absolute host path."),
        "target": S(S.STRING, "Absolute path in the container.", required=True),
        "read_only": S(S.BOOLEAN, "Mount read-only.", default=False),
    })),
    RESTART_POLICY: S(S.MAP, "Restart policy (changed live).", update_allowed=True, schema={
        "name": S(S.STRING, "no, on-failure, always or unless-stopped.", default="no",
                  constraints=[constraints.AllowedValues(spec.RESTART_NAMES)]),
        "maximum_retry_count": S(S.INTEGER, "Retries for on-failure.", default=0,
                                 constraints=[constraints.Range(min=0)]),
    }),
    CAP_ADD: S(S.LIST, "Capabilities to add.", schema=S(S.STRING)),
    CAP_DROP: S(S.LIST, "Capabilities to drop.", schema=S(S.STRING)),
    READ_ONLY: S(S.BOOLEAN, "Read-only root file system.", default=False),
    PRIVILEGED: S(S.BOOLEAN, "Privileged mode; refused unless [heat_docker] "
                  "allow_privileged is set.", default=False),
    DEVICES: S(S.LIST, "Host devices to map.", schema=S(S.MAP, schema={
        "path_on_host": S(S.STRING, "Device path on the host.", required=True),
        "path_in_container": S(S.STRING, "Device path in the container (default: same)."),
        "permissions": S(S.STRING, "Combination of r, w and m.", default="rwm"),
    })),
    CPU_SHARES: S(S.INTEGER, "Relative CPU weight.", update_allowed=True,
                  constraints=[constraints.Range(min=0)]),
    CPU_PERIOD: S(S.INTEGER, "CFS period (microseconds).", update_allowed=True,
                  constraints=[constraints.Range(min=0)]),
    CPU_QUOTA: S(S.INTEGER, "CFS quota (microseconds per period).", update_allowed=True,
                 constraints=[constraints.Range(min=0)]),
    CPUSET_CPUS: S(S.STRING, "CPUs allowed, e.g. 0-1.", update_allowed=True),
    MEMORY: S(S.STRING, "Memory limit: bytes or a size such as 128m.", update_allowed=True),
    MEMORY_SWAP: S(S.STRING, "Memory plus swap limit (-1: unlimited swap).",
                   update_allowed=True),
    MEMORY_RESERVATION: S(S.STRING, "Soft memory limit.", update_allowed=True),
    HEALTHCHECK: S(S.MAP, "Health check; create waits until the container is healthy.",
                   schema={
        "test": S(S.LIST, "Command: [CMD, arg...] or [CMD-SHELL, line].", required=True,
                  schema=S(S.STRING)),
        "interval": S(S.NUMBER, "Seconds between checks.", constraints=[constraints.Range(0)]),
        "timeout": S(S.NUMBER, "Seconds one check may take.",
                     constraints=[constraints.Range(0)]),
        "retries": S(S.INTEGER, "Failures before unhealthy.", constraints=[constraints.Range(0)]),
        "start_period": S(S.NUMBER, "Seconds of grace after start.",
                          constraints=[constraints.Range(0)]),
    }),
    LOGGING: S(S.MAP, "Log driver and its options.", schema={
        "driver": S(S.STRING, "Docker log driver, e.g. json-file.", required=True),
        "options": S(S.MAP, "Driver options, e.g. max-size."),
    }),
    STOP_SIGNAL: S(S.STRING, "Signal that stops the container (suspend)."),
    STOP_TIMEOUT: S(S.INTEGER, "Seconds suspend waits before killing.", default=10,
                    constraints=[constraints.Range(0, 600)]),
    DNS: S(S.LIST, "DNS servers.", schema=S(S.STRING)),
    TTY: S(S.BOOLEAN, "Allocate a pseudo-TTY.", default=False),
    OPEN_STDIN: S(S.BOOLEAN, "Keep stdin open.", default=False),
}  # fmt: skip

ATTRIBUTES = (
    INFO, NETWORK_INFO, NETWORK_IP, NETWORK_GATEWAY, NETWORK_TCP_PORTS, NETWORK_UDP_PORTS,
    LOGS, LOGS_HEAD, LOGS_TAIL, HEALTH_STATUS, CONTAINER_NAME, STATUS,
) = (
    "info", "network_info", "network_ip", "network_gateway", "network_tcp_ports",
    "network_udp_ports", "logs", "logs_head", "logs_tail", "health_status", "name", "status",
)  # fmt: skip

A = attributes.Schema
NONE = A.CACHE_NONE
attributes_schema = {
    INFO: A("Container inspect data.", type=A.MAP, cache_mode=NONE),
    NETWORK_INFO: A("NetworkSettings, plus TcpPorts and UdpPorts.", type=A.MAP,
                    cache_mode=NONE),
    NETWORK_IP: A("IP address on the first network.", type=A.STRING, cache_mode=NONE),
    NETWORK_GATEWAY: A("Gateway on the first network.", type=A.STRING, cache_mode=NONE),
    NETWORK_TCP_PORTS: A("Published TCP host ports, comma separated.", type=A.STRING,
                         cache_mode=NONE),
    NETWORK_UDP_PORTS: A("Published UDP host ports, comma separated.", type=A.STRING,
                         cache_mode=NONE),
    LOGS: A("Container output.", type=A.STRING, cache_mode=NONE),
    LOGS_HEAD: A("First line of output.", type=A.STRING, cache_mode=NONE),
    LOGS_TAIL: A("Last line of output.", type=A.STRING, cache_mode=NONE),
    HEALTH_STATUS: A("healthy, unhealthy, starting, or none without a healthcheck.",
                     type=A.STRING, cache_mode=NONE),
    CONTAINER_NAME: A("Docker name of the container.", type=A.STRING, cache_mode=NONE),
    STATUS: A("Docker state: running, exited, paused ...", type=A.STRING, cache_mode=NONE),
}  # fmt: skip
