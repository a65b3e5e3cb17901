"""magnum-lite-db-manage: create and upgrade magnum_lite's schema.

magnum-lite-db-manage [--config-file stackdock.conf] upgrade [--revision head]
magnum-lite-db-manage version        # the revision the database is at
magnum-lite-db-manage stamp REVISION # mark a database as at REVISION without running it
magnum-lite-db-manage check          # exit 1 when models and database differ
"""

from __future__ import annotations

import sys

from oslo_config import cfg

from magnum_lite import conf as ml_conf
from magnum_lite.db.sqlalchemy import migration
from nova_docker.common import service

CONF = ml_conf.CONF


def _upgrade() -> int:
    migration.upgrade(CONF.database.connection, CONF.command.revision)
    print(f"database at revision {migration.version(CONF.database.connection)}")
    return 0


def _version() -> int:
    print(migration.version(CONF.database.connection) or "None")
    return 0


def _stamp() -> int:
    migration.stamp(CONF.database.connection, CONF.command.revision)
    return 0


def _check() -> int:
    diffs = migration.compare(CONF.database.connection)
    for diff in diffs:
        print(diff)
    return 1 if diffs else 0


def _add_parsers(subparsers) -> None:  # type: ignore[no-untyped-def]
    parser = subparsers.add_parser("upgrade", help="Upgrade the schema (default: to head).")
    parser.add_argument("--revision", default="head", help="Target revision.")
    parser.set_defaults(func=_upgrade)
    parser = subparsers.add_parser("version", help="Print the current revision.")
    parser.set_defaults(func=_version)
    parser = subparsers.add_parser("stamp", help="Record a revision without migrating.")
    parser.add_argument("revision", help="Revision to record (e.g. head).")
    parser.set_defaults(func=_stamp)
    parser = subparsers.add_parser("check", help="Exit 1 when the schema differs from the models.")
    parser.set_defaults(func=_check)


command_opt = cfg.SubCommandOpt(
    "command", title="Commands", help="Available commands", handler=_add_parsers
)


def main(argv: list[str] | None = None) -> int:
    CONF.register_cli_opt(command_opt)
    service.prepare_service(sys.argv[1:] if argv is None else argv, CONF)
    return int(CONF.command.func())


if __name__ == "__main__":
    sys.exit(main())
