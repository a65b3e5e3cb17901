"""Options of the Heat Docker plugins, read from Heat's own configuration (heat.conf).

Why ``[heat_docker]`` and not ``[docker]``: nova_docker registers a ``[docker]`` group on
the same global ``cfg.CONF`` and processes (tests, stackdock-aio) import both packages, so
options with equal names but different defaults or help would raise DuplicateOptError.
A distinct group name keeps the two independent.

Named endpoints follow Cinder's ``enabled_backends`` pattern: ``[heat_docker] endpoints``
lists names, and each name gets its own group ``[heat_docker_endpoint:<name>]`` registered
on first use, holding the URL and TLS files of that Docker engine.
"""

from __future__ import annotations

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "heat_docker",
    title="Heat Docker plugin options",
    help="Docker engines used by OS::Docker::* resources and the plugin's policy.",
)

ENDPOINT_GROUP_PREFIX = "heat_docker_endpoint:"

#: Options of one Docker engine; the default endpoint uses them in [heat_docker] itself.
endpoint_opts: list[cfg.Opt] = [
    cfg.StrOpt(
        "url",
        default="unix:///var/run/docker.sock",
        help="Docker Engine API URL: unix:///path or tcp://host:port (https when TLS is set).",
    ),
    cfg.StrOpt("ca_file", help="CA certificate that signed the engine's TLS certificate."),
    cfg.StrOpt("cert_file", help="Client certificate presented to the engine (TLS)."),
    cfg.StrOpt("key_file", help="Private key of the client certificate (TLS)."),
    cfg.BoolOpt(
        "tls_verify",
        default=True,
        help="Verify the engine's certificate against ca_file when TLS is used.",
    ),
    cfg.StrOpt(
        "api_version",
        default="auto",
        help="Docker Engine API version to speak, or 'auto' to negotiate.",
    ),
    cfg.IntOpt(
        "timeout",
        default=60,
        min=1,
        help="Seconds to wait for one Docker Engine API call.",
    ),
]

opts: list[cfg.Opt] = [
    cfg.ListOpt(
        "endpoints",
        default=[],
        help="Names of extra Docker endpoints templates may select with docker_endpoint; "
        "each needs a [heat_docker_endpoint:<name>] group with url and TLS files.",
    ),
    cfg.BoolOpt(
        "allow_privileged",
        default=False,
        help="Allow templates to run privileged containers. Off: privileged: true is a "
        "validation error.",
    ),
    cfg.StrOpt(
        "default_pull_policy",
        default="if_not_present",
        choices=[
            ("always", "pull before every create"),
            ("if_not_present", "pull only when the engine lacks the image"),
            ("never", "the image must already be on the engine"),
        ],
        help="Image pull policy of containers that do not set image_pull_policy.",
    ),
    cfg.StrOpt(
        "default_host_ip",
        default="0.0.0.0",
        help="Host address published ports bind to when a template gives none.",
    ),
    cfg.DictOpt(
        "extra_labels",
        default={},
        help="Labels added to every container, network and volume the plugin creates "
        "(for example an owner or a test-run marker that cleanup can search for).",
    ),
    cfg.IntOpt(
        "log_lines",
        default=20,
        min=1,
        help="Lines of container output quoted in failure reasons and logs_tail.",
    ),
    *endpoint_opts,
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def endpoint_group(name: str) -> str:
    return f"{ENDPOINT_GROUP_PREFIX}{name}"


def register_endpoint(conf: cfg.ConfigOpts, name: str) -> str:
    """Register (once) and return the group holding the named endpoint's options."""
    group = endpoint_group(name)
    conf.register_group(cfg.OptGroup(group, title=f"Docker endpoint {name}"))
    conf.register_opts(endpoint_opts, group=group)
    return group


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """For oslo-config-generator: the main group and a sample named endpoint group."""
    return [
        (GROUP.name, opts),
        (endpoint_group("<name>"), endpoint_opts),
    ]
