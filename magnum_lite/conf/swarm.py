"""The [swarm] option group: the swarm-mode COE driver."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "swarm",
    title="swarm-mode driver options",
    help="How the swarm-mode driver builds bays: node image, sizes, network and timeouts.",
)

opts: list[cfg.Opt] = [
    cfg.StrOpt(
        "node_image",
        default="stackdock/swarm-node:latest",
        help="Catalog image (id or name) of bay nodes when neither the nodegroup nor the "
        "cluster template names one. tools/demo.sh and the tests register "
        "stackdock/swarm-node:latest with the properties stackdock_nested_docker=true and "
        "stackdock_publish_ports=2376/tcp.",
    ),
    cfg.PortOpt(
        "api_port",
        default=2376,
        help="Port of the node engines' TLS Docker API inside the nodes; its published "
        "host port becomes the cluster's api_address.",
    ),
    cfg.StrOpt(
        "network_prefix",
        default="stackdock-bay-",
        help="Prefix of the Docker network made for each bay (followed by the cluster uuid).",
    ),
    cfg.IntOpt(
        "node_vcpus",
        default=1,
        min=0,
        help="vCPUs of each node instance (0: no CPU limit).",
    ),
    cfg.IntOpt(
        "node_memory_mb",
        default=1024,
        min=0,
        help="Memory of each node instance in MiB (0: no memory limit).",
    ),
    cfg.IntOpt(
        "node_pids_limit",
        default=0,
        min=0,
        help="Process limit of each node instance (0: unlimited; a node runs a whole engine).",
    ),
    cfg.FloatOpt(
        "node_ready_timeout",
        default=300.0,
        min=1.0,
        help="Seconds a node's engine may take to answer and to become Ready in the swarm "
        "(the operation's own deadline still applies).",
    ),
    cfg.FloatOpt(
        "placement_wait",
        default=30.0,
        min=0.0,
        help="Seconds a new bay's placement retries when the scheduler finds no valid host "
        "(a conductor that has just started has no capacity report yet).",
    ),
    cfg.FloatOpt(
        "drain_timeout",
        default=60.0,
        min=0.0,
        help="Seconds to wait for tasks to leave a drained node before it leaves the swarm.",
    ),
    cfg.IntOpt(
        "max_parallel",
        default=10,
        min=1,
        help="Node spawns, joins and image loads done at the same time.",
    ),
    cfg.StrOpt(
        "preload_docker_url",
        default="unix:///var/run/docker.sock",
        help="Docker engine that images named in the preload_images label are saved from "
        "when the image catalog has no data file for them.",
    ),
    cfg.FloatOpt(
        "api_timeout",
        default=60.0,
        min=1.0,
        help="Timeout in seconds of one request to a node's Docker API.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
