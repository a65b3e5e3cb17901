"""COE drivers of magnum_lite, loaded by entry point (group ``magnum_lite.drivers``)."""

from magnum_lite.drivers.base import (  # noqa: F401
    Driver,
    get_driver,
    get_driver_for_template,
    list_provides,
)
