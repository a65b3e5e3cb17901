"""The [api] option group."""

from oslo_config import cfg

GROUP = cfg.OptGroup("api", title="magnum-lite-api options")

opts: list[cfg.Opt] = [
    cfg.HostAddressOpt("host", default="127.0.0.1", help="Address magnum-lite-api listens on."),
    cfg.PortOpt("port", default=9511, help="TCP port magnum-lite-api listens on (Magnum's)."),
    cfg.IntOpt(
        "workers",
        default=2,
        min=1,
        help="Number of gunicorn worker processes serving the API.",
    ),
    cfg.IntOpt(
        "threads",
        default=4,
        min=1,
        help="Threads per gunicorn worker (gthread worker class).",
    ),
    cfg.IntOpt(
        "max_limit",
        default=1000,
        min=1,
        help="Largest page a list returns; also the default page size.",
    ),
    cfg.IntOpt(
        "max_clusters_per_project",
        default=20,
        min=0,
        help="Clusters a project may own when no explicit quota row exists for it.",
    ),
    cfg.IntOpt(
        "max_nodes_per_project",
        default=200,
        min=0,
        help="Nodes (masters plus workers, summed over the project's clusters that are not "
        "being deleted) a project may have when no explicit quota row with resource 'Node' "
        "exists for it. A stackdock extension: Magnum's quotas only know 'Cluster'.",
    ),
    cfg.StrOpt(
        "auth_strategy",
        default="noauth",
        choices=[
            ("noauth", "Trust X-Project-Id, X-User-Id and X-Roles request headers."),
            ("keystone", "Validate tokens with keystonemiddleware's auth_token."),
        ],
        help="How requests are authenticated.",
    ),
    cfg.BoolOpt(
        "enabled_ssl",
        default=False,
        help="Build 'next' links and Location headers with https when no X-Forwarded-Proto "
        "header says otherwise.",
    ),
    cfg.StrOpt(
        "public_endpoint",
        help="Public URL of the API (e.g. http://api.example.com:9511) used for links "
        "instead of the request's host.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
