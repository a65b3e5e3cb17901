"""Options of magnum_lite for oslo-config-generator (entry point oslo.config.opts)."""

from magnum_lite.conf import MODULES


def list_opts() -> list:
    return [(module.GROUP, module.opts) for module in MODULES]
