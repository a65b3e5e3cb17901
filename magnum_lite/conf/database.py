"""The [database] option group.

The standard options (``connection``, ``max_pool_size``, ``connection_recycle_time``,
``connection_debug`` ...) are oslo.db's own, registered through ``oslo_db.options`` so that
another library registering them in the same process (Nova does) sees identical options.
magnum_lite only adds what SQLite needs and sets the default connection.
"""

from oslo_config import cfg
from oslo_db import options as db_options

GROUP = cfg.OptGroup("database", title="database options")

DEFAULT_CONNECTION = "sqlite:////var/lib/stackdock/magnum_lite.sqlite"

opts: list[cfg.Opt] = [
    cfg.FloatOpt(
        "sqlite_busy_timeout",
        default=60.0,
        min=0.0,
        help="Seconds a SQLite connection waits for another writer's lock before giving up. "
        "magnum_lite puts SQLite in WAL mode and starts write transactions with BEGIN "
        "IMMEDIATE, so the API and the conductor writing at once wait instead of failing "
        "with 'database is locked'.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
