"""The [database] option group."""

from oslo_config import cfg

GROUP = cfg.OptGroup("database", title="database options")

opts: list[cfg.Opt] = []


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
