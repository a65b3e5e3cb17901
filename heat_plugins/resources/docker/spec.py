"""Pure translation of container properties into Docker Engine API arguments.

Everything here is free of Heat and of I/O, so unit tests cover each rule; errors are
ValueError with a message naming the offending property, which the resources turn into
StackValidationFailed at validate time (before anything is created).
"""

from __future__ import annotations

import re
from typing import Any

from docker import types

NANO = 1_000_000_000
PROTOCOLS = ("tcp", "udp", "sctp")
PULL_POLICIES = ("always", "if_not_present", "never")
RESTART_NAMES = ("no", "on-failure", "always", "unless-stopped")
DEVICE_PERMISSIONS = re.compile(r"^(?!.*(.).*\1)[rwm]{1,3}$")
_MEMORY = re.compile(r"^\s*(\d+)\s*([bkmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
# The distribution reference grammar, simplified: [host[:port]/]path[:tag][@digest].
_IMAGE = re.compile(
    r"^(?:(?P<host>[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[a-z0-9]+:[a-fA-F0-9]{32,}))?$"
)
_CONTAINER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


def check_image(image: str) -> str:
    match = _IMAGE.match(image or "")
    host = match.group("host") if match else None
    # A first component without '.' or ':' is a path component, which must be lower case.
    if host and not ("." in host or ":" in host or host == "localhost") and host != host.lower():
        match = None
    if not match or len(image) > 255:
        raise ValueError(
            f"image '{image}' is not a valid image reference "
            "([registry/]name[:tag][@digest], lower-case name)"
        )
    return image


def image_with_tag(image: str) -> str:
    """Docker looks up 'name' as 'name:latest'; pulls need the tag spelled out."""
    match = _IMAGE.match(image)
    if match and not match.group("tag") and not match.group("digest"):
        return f"{image}:latest"
    return image


def check_name(name: str | None) -> str | None:
    if name is not None and not _CONTAINER_NAME.match(name):
        raise ValueError(f"name '{name}' may only hold letters, digits, '_', '.' and '-'")
    return name


def parse_memory(value: Any, prop: str = "memory") -> int | None:
    """'64m', '1g', '1048576' or an int of bytes -> bytes; None/''/0 -> None (no limit)."""
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{prop} must not be negative")
        return value
    match = _MEMORY.match(str(value))
    if not match:
        raise ValueError(f"{prop} '{value}' is not a size such as 134217728, '128m' or '1g'")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def check_port(value: Any, what: str) -> int:
    try:
        port = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(f"{what} '{value}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"{what} {port} is outside 1-65535")
    return port


def split_port_key(key: Any) -> tuple[int, str]:
    """'80', 80, '53/udp' -> (port, protocol)."""
    text = str(key).strip()
    port, _, proto = text.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in PROTOCOLS:
        raise ValueError(f"port '{key}' has protocol '{proto}'; use one of {', '.join(PROTOCOLS)}")
    return check_port(port, "port"), proto


def build_ports(
    ports: list[dict] | None, default_ip: str
) -> tuple[list[Any], dict[str, list[tuple[str, Any]]]]:
    """ports items {container_port, protocol, host_port, host_ip} -> (exposed, bindings).

    host_port None/0 means "any free port". Two items on the same host address and port
    are refused here, since Docker would only fail at start.
    """
    exposed: list[Any] = []
    bindings: dict[str, list[tuple[str, Any]]] = {}
    taken: set[tuple[str, int, str]] = set()
    for item in ports or []:
        cport = check_port(item.get("container_port"), "container_port")
        proto = (item.get("protocol") or "tcp").lower()
        if proto not in PROTOCOLS:
            raise ValueError(f"protocol '{proto}' is not one of {', '.join(PROTOCOLS)}")
        key = f"{cport}/{proto}"
        if (cport, proto) not in exposed and key not in bindings:
            exposed.append((cport, proto) if proto != "tcp" else cport)
        if item.get("publish") is False:
            continue
        host_ip = item.get("host_ip") or default_ip
        host_port = item.get("host_port") or None
        if host_port is not None:
            host_port = check_port(host_port, "host_port")
            if (host_ip, host_port, proto) in taken:
                raise ValueError(f"host port {host_ip}:{host_port}/{proto} is published twice")
            taken.add((host_ip, host_port, proto))
        bindings.setdefault(key, []).append((host_ip, host_port))
    return exposed, bindings


def build_devices(devices: list[dict] | None) -> list[str]:
    """[{path_on_host, path_in_container, permissions}] -> ['host:ctr:perm']."""
    result = []
    for item in devices or []:
        host = item.get("path_on_host")
        if not host or not str(host).startswith("/"):
            raise ValueError(f"device path_on_host '{host}' must be an absolute path")
        ctr = item.get("path_in_container") or host
        if not str(ctr).startswith("/"):
            raise ValueError(f"device path_in_container '{ctr}' must be an absolute path")
        perms = item.get("permissions") or "rwm"
        if not DEVICE_PERMISSIONS.match(perms):
            raise ValueError(f"device permissions '{perms}' must combine r, w and m")
        if ":" in host or ":" in ctr:
            raise ValueError(f"device paths may not contain ':' ({host}, {ctr})")
        result.append(f"{host}:{ctr}:{perms}")
    return result


def build_mounts(mounts: list[dict] | None) -> list[types.Mount]:
    result = []
    targets = set()
    for item in mounts or []:
        kind = item.get("type") or "volume"
        target = item.get("target")
        source = item.get("source") or ""
        if not target or not target.startswith("/"):
            raise ValueError(f"mount target '{target}' must be an absolute path")
        if target in targets:
            raise ValueError(f"mount target '{target}' is used twice")
        targets.add(target)
        if kind == "bind" and not source.startswith("/"):
            raise ValueError(f"bind mount source '{source}' must be an absolute host path")
        if kind == "tmpfs" and source:
            raise ValueError("tmpfs mounts take no source")
        result.append(
            types.Mount(
                target=target,
                source=source or None,
                type=kind,
                read_only=bool(item.get("read_only")),
            )
        )
    return result


def build_healthcheck(check: dict | None) -> dict | None:
    if not check:
        return None
    test = check.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    if not test:
        raise ValueError("healthcheck needs a test command")
    if test[0] not in ("CMD", "CMD-SHELL", "NONE"):
        test = ["CMD", *test]
    result: dict[str, Any] = {"test": test}
    for key in ("interval", "timeout", "start_period"):
        if check.get(key) is not None:
            result[key] = int(float(check[key]) * NANO)
    if check.get("retries") is not None:
        result["retries"] = int(check["retries"])
    return result


def build_restart_policy(policy: dict | None) -> dict | None:
    if not policy:
        return None
    name = policy.get("name") or "no"
    if name not in RESTART_NAMES:
        raise ValueError(f"restart policy '{name}' is not one of {', '.join(RESTART_NAMES)}")
    retries = int(policy.get("maximum_retry_count") or 0)
    if retries and name != "on-failure":
        raise ValueError("maximum_retry_count only applies to the on-failure restart policy")
    return {"Name": name, "MaximumRetryCount": retries}


def resource_limits(spec: dict) -> dict[str, Any]:
    """Limits both create and live update understand (docker update's argument names)."""
    limits: dict[str, Any] = {}
    for key in ("cpu_shares", "cpu_period", "cpu_quota"):
        if spec.get(key):
            limits[key] = int(spec[key])
    if spec.get("cpuset_cpus"):
        limits["cpuset_cpus"] = spec["cpuset_cpus"]
    mem = parse_memory(spec.get("memory"))
    swap = parse_memory(spec.get("memory_swap"), "memory_swap")
    reservation = parse_memory(spec.get("memory_reservation"), "memory_reservation")
    if swap is not None and swap != -1 and (mem is None or swap < mem):
        raise ValueError("memory_swap needs memory and must not be smaller than it")
    if mem is not None:
        limits["mem_limit"] = mem
        # Pin swap so a later in-place raise of memory is not refused by the old swap.
        limits["memswap_limit"] = swap if swap is not None else -1
    if reservation is not None:
        limits["mem_reservation"] = reservation
    return limits


def check_security(spec: dict, allow_privileged: bool) -> None:
    if spec.get("privileged") and not allow_privileged:
        raise ValueError(
            "privileged containers are disabled by the operator "
            "([heat_docker] allow_privileged = false)"
        )


def validate(spec: dict, allow_privileged: bool, default_ip: str) -> None:
    """Every check that needs no Docker engine; raises ValueError."""
    check_image(spec["image"])
    check_name(spec.get("name"))
    check_security(spec, allow_privileged)
    build_ports(spec.get("ports"), default_ip)
    build_devices(spec.get("devices"))
    build_mounts(spec.get("mounts"))
    build_healthcheck(spec.get("healthcheck"))
    build_restart_policy(spec.get("restart_policy"))
    resource_limits(spec)
    if spec.get("image_pull_policy") not in (None, *PULL_POLICIES):
        raise ValueError(f"image_pull_policy must be one of {', '.join(PULL_POLICIES)}")


def host_config(spec: dict, default_ip: str) -> dict[str, Any]:
    """Arguments of APIClient.create_host_config."""
    _, bindings = build_ports(spec.get("ports"), default_ip)
    args: dict[str, Any] = {
        "port_bindings": bindings or None,
        "mounts": build_mounts(spec.get("mounts")) or None,
        "devices": build_devices(spec.get("devices")) or None,
        "restart_policy": build_restart_policy(spec.get("restart_policy")),
        "cap_add": spec.get("cap_add") or None,
        "cap_drop": spec.get("cap_drop") or None,
        "read_only": bool(spec.get("read_only")),
        "privileged": bool(spec.get("privileged")),
        "dns": spec.get("dns") or None,
        "links": spec.get("links") or None,
        "volumes_from": spec.get("volumes_from") or None,
        "binds": spec.get("binds") or None,
        **resource_limits(spec),
    }
    logging = spec.get("logging")
    if logging and logging.get("driver"):
        args["log_config"] = types.LogConfig(
            type=logging["driver"], config=dict(logging.get("options") or {})
        )
    return {k: v for k, v in args.items() if v is not None}


def container_config(spec: dict, name: str, labels: dict[str, str], default_ip: str) -> dict:
    """Arguments of APIClient.create_container, except host_config and networking."""
    exposed, _ = build_ports(spec.get("ports"), default_ip)
    env = spec.get("env") or {}
    args: dict[str, Any] = {
        "image": spec["image"],
        "command": spec.get("command") or None,
        "entrypoint": spec.get("entrypoint") or None,
        "environment": {k: "" if v is None else str(v) for k, v in env.items()} or None,
        "hostname": spec.get("hostname") or None,
        "user": spec.get("user") or None,
        "working_dir": spec.get("working_dir") or None,
        "ports": exposed or None,
        "volumes": spec.get("anonymous_volumes") or None,
        "labels": labels,
        "name": name,
        "tty": bool(spec.get("tty")),
        "stdin_open": bool(spec.get("open_stdin")),
        "healthcheck": build_healthcheck(spec.get("healthcheck")),
        "stop_signal": spec.get("stop_signal") or None,
        "stop_timeout": spec.get("stop_timeout"),
        "detach": True,
    }
    return {k: v for k, v in args.items() if v is not None}
