"""``stackdock-image``: manage the local image catalog from the shell.

Every subcommand prints JSON on stdout; errors go to stderr with exit status 1 (bad input)
or 2 (usage).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nova_docker import exception
from nova_docker.conf import CONF
from nova_docker.image import api


def _properties(pairs: list[str]) -> dict[str, str]:
    props: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise exception.Invalid(reason=f"--property {pair!r} must look like KEY=VALUE")
        props[key] = value
    return props


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stackdock-image", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config-file", action="append", default=[], help="stackdock.conf to read (repeatable)"
    )
    parser.add_argument("--catalog-dir", help="override [image] catalog_dir")
    sub = parser.add_subparsers(dest="command", required=True)

    reg = sub.add_parser("register-file", help="copy an image file into the catalog")
    reg.add_argument("name")
    reg.add_argument("path")
    reg.add_argument("--container-format", default="bare", choices=api.CONTAINER_FORMATS)
    reg.add_argument("--disk-format", default="raw", choices=api.DISK_FORMATS)
    reg.add_argument("--property", action="append", default=[], metavar="KEY=VALUE")
    reg.add_argument("--id", dest="image_id", help="image id (default: a new uuid)")

    dock = sub.add_parser("register-docker", help="register an image held by the Docker engine")
    dock.add_argument("ref", help="Docker image reference, e.g. stackdock/busybox:latest")
    dock.add_argument("--name", help="catalog name (default: the reference)")
    dock.add_argument("--property", action="append", default=[], metavar="KEY=VALUE")

    sub.add_parser("list", help="list the catalog")
    for name, text in (("show", "show one image"), ("delete", "delete one image")):
        p = sub.add_parser(name, help=text)
        p.add_argument("image", help="image id or name")
    return parser


def run(args: argparse.Namespace) -> Any:
    service = api.LocalImageService(CONF, catalog_dir=args.catalog_dir)
    if args.command == "register-file":
        return service.create(
            args.name,
            args.container_format,
            args.disk_format,
            properties=_properties(args.property),
            data_path=args.path,
            image_id=args.image_id,
        )
    if args.command == "register-docker":
        return service.register_docker_image(
            args.ref, name=args.name, properties=_properties(args.property)
        )
    if args.command == "list":
        return service.list()
    if args.command == "show":
        return service.show(args.image)
    if args.command == "delete":
        meta = service.show(args.image)
        service.delete(meta["id"])
        return {"deleted": meta["id"]}
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    conf_args: list[str] = []
    for path in args.config_file:
        conf_args += ["--config-file", path]
    try:
        CONF(conf_args, project="stackdock", prog="stackdock-image")
        result = run(args)
    except exception.NovaDockerException as exc:
        print(f"stackdock-image: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"stackdock-image: error: {exc}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
