"""Templates of the Heat plugin tests (plain dicts; HOT 2021-04-16)."""

from __future__ import annotations

import copy
from typing import Any

IMAGE = "stackdock/busybox:latest"
HOT = "2021-04-16"
# busybox httpd serving one page whose text comes from the environment.
HTTPD = ["sh", "-c", 'mkdir -p /www && echo "$GREETING" > /www/index.html && '
         "exec httpd -f -p 8080 -h /www"]  # fmt: skip
HEALTH = {
    "test": ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"],
    "interval": 0.5,
    "timeout": 5,
    "retries": 20,
}


def web(
    greeting: str = "hello",
    host_port: int | None = None,
    name: str | None = None,
    extra: dict | None = None,
    with_net: bool = True,
) -> dict[str, Any]:
    """A network, a volume and an httpd container published on 127.0.0.1."""
    port: dict[str, Any] = {"container_port": 8080, "host_ip": "127.0.0.1"}
    if host_port:
        port["host_port"] = host_port
    props: dict[str, Any] = {
        "image": IMAGE,
        "command": HTTPD,
        "env": {"GREETING": greeting},
        "ports": [port],
        "mounts": [{"type": "volume", "source": {"get_resource": "data"}, "target": "/data"}],
        "healthcheck": HEALTH,
        "stop_timeout": 1,
        "image_pull_policy": "never",
    }
    if with_net:
        props["networks"] = [{"network": {"get_resource": "net"}, "aliases": ["web"]}]
    if name:
        props["name"] = name
    props.update(extra or {})
    return {
        "heat_template_version": HOT,
        "resources": {
            "net": {"type": "OS::Docker::Network"},
            "net2": {"type": "OS::Docker::Network"},
            "data": {"type": "OS::Docker::Volume"},
            "web": {"type": "OS::Docker::Container", "properties": props},
        },
        "outputs": {
            "tcp_ports": {"value": {"get_attr": ["web", "network_tcp_ports"]}},
            "ip": {"value": {"get_attr": ["web", "network_ip"]}},
            "health": {"value": {"get_attr": ["web", "health_status"]}},
            "name": {"value": {"get_attr": ["web", "name"]}},
            "id": {"value": {"get_resource": "web"}},
            "net_name": {"value": {"get_attr": ["net", "name"]}},
            "volume": {"value": {"get_attr": ["data", "name"]}},
            "logs_tail": {"value": {"get_attr": ["web", "logs_tail"]}},
        },
    }


def with_container_props(tmpl: dict, **props: Any) -> dict:
    new = copy.deepcopy(tmpl)
    new["resources"]["web"]["properties"].update(props)
    return new


def single(props: dict, rtype: str = "OS::Docker::Container") -> dict:
    base = {"image": IMAGE, "image_pull_policy": "never"} if rtype.startswith("OS::") else {}
    return {
        "heat_template_version": HOT,
        "resources": {"c": {"type": rtype, "properties": {**base, **props}}},
    }


LEGACY_WEB = {
    "heat_template_version": "2013-05-23",
    "parameters": {"host_port": {"type": "string"}},
    "resources": {
        "old": {
            "type": "DockerInc::Docker::Container",
            "properties": {
                "docker_endpoint": "unix:///var/run/docker.sock",
                "image": IMAGE,
                "cmd": HTTPD,
                "env": ["GREETING=legacy-hello"],
                "port_specs": ["8080"],
                "port_bindings": {
                    "8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": {"get_param": "host_port"}}]
                },
                "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 2},
                "cpu_shares": 512,
                "memory": 67108864,
                "cap_drop": ["MKNOD"],
                "devices": [
                    {
                        "path_on_host": "/dev/null",
                        "path_in_container": "/dev/xnull",
                        "permissions": "rw",
                    }
                ],  # fmt: skip
                "volumes": {"/tmp": {"bind": "/host-tmp", "ro": True}},
            },
        }
    },
    "outputs": {
        "tcp": {"value": {"get_attr": ["old", "network_tcp_ports"]}},
        "ip": {"value": {"get_attr": ["old", "network_ip"]}},
        "info": {"value": {"get_attr": ["old", "info"]}},
    },
}
