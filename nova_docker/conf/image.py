"""The [image] option group: the local image catalog seen by the drivers."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "image",
    title="image options",
    help="The local image catalog (files and Docker images) that drivers boot from.",
)

opts: list[cfg.Opt] = [
    cfg.StrOpt(
        "catalog_dir",
        default="/var/lib/stackdock/images",
        help="Directory of the local image catalog: one JSON metadata file and one data file "
        "per image. Created 0755 with 0644 files so that QEMU (running as another user) can "
        "read the data files.",
    ),
    cfg.IntOpt(
        "lock_timeout",
        default=60,
        min=1,
        help="Seconds to wait for the catalog's file lock before giving up.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
