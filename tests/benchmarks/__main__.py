"""`make bench`: run every tests/benchmarks/*_bench.py module's main() in turn.

Each benchmark measures its own baseline in the same run and prints lines
``<name> <value>``; goals are stated in the issue texts, not asserted here.
A benchmark module may be named on the command line to run just that one.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import traceback

from nova_docker.common import service
from tests.functional import rabbit


def main(argv: list[str]) -> int:
    service.init_threading_backend()
    package = os.path.dirname(__file__)
    names = sorted(m.name for m in pkgutil.iter_modules([package]) if m.name.endswith("_bench"))
    if argv:
        names = [n for n in names if n in argv or n.removesuffix("_bench") in argv]
    vhost = rabbit.create_vhost()
    os.environ["STACKDOCK_TEST_VHOST"] = vhost
    failed = []
    try:
        for name in names:
            print(f"# {name}", flush=True)
            try:
                importlib.import_module(f"tests.benchmarks.{name}").main()
            except Exception:
                traceback.print_exc()
                failed.append(name)
    finally:
        rabbit.delete_vhost(vhost)
    if failed:
        print(f"# failed: {' '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
