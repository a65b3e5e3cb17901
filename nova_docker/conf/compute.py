"""The [compute] option group: the nova-docker-compute agent and its RPC client."""

import socket

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "compute",
    title="compute agent options",
    help="The nova-docker-compute agent (RPC endpoint, heartbeats) and its RPC client.",
)

opts: list[cfg.Opt] = [
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<hostname>",
        help="Name of this compute host: the RPC server name the agent listens on and the "
        "name its reports carry. Clients address an agent by this name.",
    ),
    cfg.StrOpt(
        "compute_driver",
        default="docker",
        help="Driver the agent hosts, by its nova_docker.compute_drivers entry point name: "
        "docker, libvirt or hybrid (both, chosen per instance by the image's "
        "container_format). An unknown name makes the agent exit with code 2.",
    ),
    cfg.StrOpt(
        "state_path",
        help="Directory of the agent's small per-host state (instances it serves, spawn "
        "journal). Default: /var/lib/stackdock/compute/<host>.",
    ),
    cfg.IntOpt(
        "rpc_timeout",
        default=60,
        min=1,
        help="Seconds a client waits for an agent's answer to a short call (power, pause, "
        "info, lists, networks) before raising ComputeUnavailable.",
    ),
    cfg.IntOpt(
        "spawn_timeout",
        default=300,
        min=1,
        help="Seconds a client waits for the long calls (spawn, snapshot, reboot) before "
        "raising ComputeUnavailable. power_off waits rpc_timeout plus its own timeout.",
    ),
    cfg.StrOpt(
        "rpc_version_cap",
        help="Highest RPC API version the client sends (for rolling upgrades). Default: the "
        "latest version this code knows (1.0).",
    ),
    cfg.FloatOpt(
        "report_interval",
        default=10.0,
        min=0.1,
        help="Seconds between the heartbeat and capacity reports an agent casts (fanout, "
        "topic stackdock-compute-reports).",
    ),
    cfg.FloatOpt(
        "service_down_time",
        min=0.1,
        help="A host whose last report is older than this many seconds counts as down. "
        "Default: three times report_interval.",
    ),
    cfg.FloatOpt(
        "graceful_shutdown_timeout",
        default=120.0,
        min=0.0,
        help="On SIGTERM the agent refuses new orders and waits up to this many seconds for "
        "operations in flight before it exits; a spawn cut off is cleaned up at next start.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}


def state_path(conf: cfg.ConfigOpts) -> str:
    """The configured state directory, or the per-host default."""
    return conf.compute.state_path or f"/var/lib/stackdock/compute/{conf.compute.host}"


def service_down_time(conf: cfg.ConfigOpts) -> float:
    """Configured service_down_time, else 3 x report_interval."""
    return conf.compute.service_down_time or 3 * conf.compute.report_interval
