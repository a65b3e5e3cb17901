"""``stackdock-nova-shim-install``: make ``compute_driver = stackdock.DockerDriver`` load.

Nova 34 imports compute drivers only as ``nova.virt.<compute_driver>``, so an out-of-tree
driver needs a module inside the installed nova package. This writes
``nova/virt/stackdock.py`` (one import line), or removes it with ``--uninstall``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

SHIM_LINE = "from nova_docker.nova_compat import DockerDriver  # noqa: F401\n"
SHIM_TEXT = (
    '"""Written by stackdock-nova-shim-install: compute_driver = stackdock.DockerDriver."""\n\n'
    + SHIM_LINE
)


def nova_virt_dir() -> str:
    try:
        import nova.virt
    except ImportError as exc:
        raise SystemExit(
            f"stackdock-nova-shim-install: nova is not importable here ({exc}); run this with "
            "the Python environment nova-compute uses"
        ) from exc
    return os.path.dirname(os.path.abspath(nova.virt.__file__))


def shim_path(virt_dir: str | None = None) -> str:
    return os.path.join(virt_dir or nova_virt_dir(), "stackdock.py")


def install(virt_dir: str | None = None) -> str:
    """Write the shim atomically; return its path. Idempotent."""
    path = shim_path(virt_dir)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(SHIM_TEXT)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def uninstall(virt_dir: str | None = None) -> str:
    path = shim_path(virt_dir)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stackdock-nova-shim-install", description=__doc__)
    parser.add_argument("--uninstall", action="store_true", help="remove the shim module")
    parser.add_argument("--nova-virt-dir", help="nova/virt directory (default: the imported nova)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.nova_virt_dir and not os.path.isdir(args.nova_virt_dir):
        print(
            f"stackdock-nova-shim-install: {args.nova_virt_dir} is not a directory", file=sys.stderr
        )
        return 1
    try:
        if args.uninstall:
            print(f"removed {uninstall(args.nova_virt_dir)}")
        else:
            print(
                f"installed {install(args.nova_virt_dir)}; set [DEFAULT] compute_driver = "
                "stackdock.DockerDriver in nova.conf"
            )
    except OSError as exc:
        print(f"stackdock-nova-shim-install: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
