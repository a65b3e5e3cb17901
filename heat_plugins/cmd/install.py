"""stackdock-heat-plugin-install: make Heat load the stackdock Docker resources.

Heat imports every module found in ``[DEFAULT] plugin_dirs``. This writes one small loader
module there (the package itself stays installed in Python's site-packages, so upgrades
need no reinstall) and prints the heat.conf line that points Heat at the directory.
``/usr/lib/heat`` is the default: it is already in Heat's default plugin_dirs.
"""

from __future__ import annotations

import argparse
import os
import sys

MODULE_NAME = "stackdock_docker.py"
LOADER = '''"""Loader written by stackdock-heat-plugin-install: Heat imports it from plugin_dirs."""

from heat_plugins.plugin import available_resource_mapping, resource_mapping  # noqa: F401
'''


def install(plugin_dir: str) -> str:
    """Write the loader module into plugin_dir (created if needed); return its path."""
    os.makedirs(plugin_dir, mode=0o755, exist_ok=True)
    path = os.path.join(plugin_dir, MODULE_NAME)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(LOADER)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def uninstall(plugin_dir: str) -> bool:
    path = os.path.join(plugin_dir, MODULE_NAME)
    if os.path.exists(path):
        os.unlink(path)
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--plugin-dir",
        default="/usr/lib/heat",
        help="directory listed in heat.conf [DEFAULT] plugin_dirs (default: %(default)s)",
    )
    parser.add_argument("--uninstall", action="store_true", help="remove the loader module")
    args = parser.parse_args(argv)
    plugin_dir = os.path.abspath(args.plugin_dir)
    try:
        if args.uninstall:
            removed = uninstall(plugin_dir)
            print(
                f"removed {os.path.join(plugin_dir, MODULE_NAME)}" if removed else "nothing to do"
            )
            return 0
        path = install(plugin_dir)
    except OSError as ex:
        print(f"stackdock-heat-plugin-install: {ex}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    print("add to heat.conf (if not there yet) and restart heat-engine:")
    print("[DEFAULT]")
    print(f"plugin_dirs = {plugin_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
