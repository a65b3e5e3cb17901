"""The [docker] option group: how DockerDriver reaches and uses the Docker engine."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "docker",
    title="docker options",
    help="DockerDriver: the Docker engine it talks to and how it shapes containers.",
)

opts: list[cfg.Opt] = [
    cfg.StrOpt(
        "host_url",
        default="unix:///var/run/docker.sock",
        help="Docker engine API endpoint: unix:///path/to/docker.sock or tcp://host:port.",
    ),
    cfg.StrOpt(
        "api_version",
        default="auto",
        help="Engine API version to speak, e.g. 1.41; 'auto' asks the engine.",
    ),
    cfg.BoolOpt("tls", default=False, help="Use TLS to reach a tcp:// engine."),
    cfg.StrOpt("ca_file", help="CA certificate that signed the engine's certificate (TLS)."),
    cfg.StrOpt("cert_file", help="Client certificate presented to the engine (TLS)."),
    cfg.StrOpt("key_file", help="Private key of cert_file (TLS)."),
    cfg.BoolOpt(
        "api_insecure",
        default=False,
        help="With TLS, do not verify the engine's certificate (tests only).",
    ),
    cfg.IntOpt(
        "api_timeout",
        default=120,
        min=1,
        help="Seconds to wait for one engine API call (image load and commit included).",
    ),
    cfg.IntOpt(
        "stop_timeout",
        default=30,
        min=0,
        help="Seconds a soft reboot or a power_off without timeout waits for the container's "
        "process to exit after SIGTERM before it is killed.",
    ),
    cfg.BoolOpt(
        "privileged",
        default=False,
        help="Allow images with property stackdock_privileged=true to run privileged "
        "containers. Refused otherwise.",
    ),
    cfg.StrOpt(
        "image_pull_policy",
        default="if_not_present",
        choices=[
            ("never", "only use images already in the engine or loadable from the catalog"),
            ("if_not_present", "pull an image the engine does not have"),
            ("always", "pull before every spawn"),
        ],
        help="When spawn pulls the image from a registry.",
    ),
    cfg.StrOpt(
        "publish_host",
        default="127.0.0.1",
        help="Host address that ports named by the image property stackdock_publish_ports are "
        "published on (each on a random host port).",
    ),
    cfg.StrOpt(
        "default_network",
        help="Docker network for instances spawned without network_info; unset means the "
        "engine's default bridge.",
    ),
    cfg.DictOpt(
        "labels",
        default={},
        help="Extra labels put on every container and network the driver creates. They also "
        "select which managed containers this driver lists, so several drivers can share one "
        "engine (e.g. host:compute-1).",
    ),
    cfg.BoolOpt(
        "inject_key",
        default=False,
        help="Write the instance's key_data to /root/.ssh/authorized_keys in the container.",
    ),
    cfg.StrOpt(
        "cpu_limit",
        default="nano_cpus",
        choices=[
            ("nano_cpus", "hard limit of flavor.vcpus CPUs (CFS quota)"),
            ("shares", "relative weight of 1024 per vCPU"),
            ("none", "no CPU limit"),
        ],
        help="How flavor vcpus limit a container's CPU.",
    ),
    cfg.IntOpt(
        "pids_limit",
        default=4096,
        min=0,
        help="Maximum number of processes in a container (0: unlimited). The flavor extra "
        "spec stackdock:pids_limit overrides it.",
    ),
    cfg.IntOpt(
        "console_max_bytes",
        default=64 * 1024,
        min=1024,
        help="get_console_output returns at most this many bytes (the end of the log).",
    ),
    cfg.FloatOpt(
        "startup_check_seconds",
        default=0.0,
        min=0.0,
        help="After starting a container, spawn watches it this long and fails (with its last "
        "log lines) if the process exits. 0 checks once, straight after the start.",
    ),
    cfg.FloatOpt("cpu_allocation_ratio", default=16.0, min=0.0, help="Placement VCPU ratio."),
    cfg.FloatOpt("ram_allocation_ratio", default=1.0, min=0.0, help="Placement MEMORY_MB ratio."),
    cfg.FloatOpt("disk_allocation_ratio", default=1.0, min=0.0, help="Placement DISK_GB ratio."),
    cfg.IntOpt(
        "reserved_host_memory_mb", default=512, min=0, help="Memory kept back for the host."
    ),
    cfg.IntOpt("reserved_host_disk_gb", default=0, min=0, help="Disk kept back for the host."),
    cfg.StrOpt(
        "snapshot_repository",
        default="stackdock-snapshots",
        help="Docker repository that snapshot commits go to (tag: the snapshot image id).",
    ),
    cfg.BoolOpt(
        "snapshot_save",
        default=False,
        help="Also store a `docker save` tarball of each snapshot in the image catalog, so it "
        "can be loaded on other hosts.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
