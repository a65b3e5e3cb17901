"""The [conductor] option group: RPC identity, worker pool, periodic tasks and placement."""

import socket

from oslo_config import cfg

GROUP = cfg.OptGroup("conductor", title="magnum-lite-conductor options")

opts: list[cfg.Opt] = [
    cfg.StrOpt(
        "topic",
        default="magnum-lite-conductor",
        help="RPC topic the conductor listens on and the API casts to.",
    ),
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<hostname>",
        help="Name of this conductor: its RPC server name, its mservices host and the owner "
        "name written on the clusters it works. Must be unique per conductor.",
    ),
    cfg.IntOpt(
        "workers",
        default=8,
        min=1,
        help="Size of the thread pool that runs cluster operations. One operation per cluster "
        "runs at a time; operations on different clusters run in parallel up to this number.",
    ),
    cfg.IntOpt(
        "sync_interval",
        default=10,
        min=1,
        help="Seconds between runs of the periodic task that syncs cluster health and fails "
        "clusters whose deadline passed.",
    ),
    cfg.IntOpt(
        "report_interval",
        default=10,
        min=1,
        help="Seconds between heartbeats written to the services table (seen in mservices).",
    ),
    cfg.IntOpt(
        "service_down_time",
        default=180,
        min=1,
        help="A conductor with no heartbeat for this many seconds is dead: another conductor "
        "may take over the clusters it was working.",
    ),
    cfg.IntOpt(
        "default_create_timeout",
        default=60,
        min=1,
        help="Minutes a cluster create may take when the request gave no create_timeout.",
    ),
    cfg.IntOpt(
        "update_timeout",
        default=60,
        min=1,
        help="Minutes an update, resize, nodegroup change or CA rotation may take.",
    ),
    cfg.IntOpt(
        "delete_timeout",
        default=30,
        min=1,
        help="Minutes a delete may take before the cluster ends DELETE_FAILED.",
    ),
    cfg.FloatOpt(
        "compute_report_max_age",
        min=0.1,
        help="Compute agents whose last capacity report is older than this many seconds are "
        "not chosen for new nodes. Default: [compute] service_down_time.",
    ),
    cfg.FloatOpt(
        "cpu_allocation_ratio",
        default=16.0,
        min=0.0,
        help="Virtual CPUs the scheduler may place per physical CPU of a compute agent.",
    ),
    cfg.FloatOpt(
        "ram_allocation_ratio",
        default=1.5,
        min=0.0,
        help="Memory the scheduler may place per MiB of memory of a compute agent.",
    ),
    cfg.FloatOpt(
        "graceful_shutdown_timeout",
        default=60.0,
        min=0.0,
        help="On SIGTERM the conductor stops taking orders and waits up to this many seconds "
        "for running operations; clusters still in progress are resumed at the next start "
        "or by another conductor.",
    ),
    cfg.StrOpt(
        "hypervisor_type",
        default="docker",
        help="Hypervisor type a compute agent must report to receive container nodes.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
