"""Lifecycle events, shaped like nova.virt.event (same transition values and attributes).

nova is not imported at run time (it is heavy and not a runtime dependency), so these are
look-alikes: a compute manager reads ``uuid``, ``transition``, ``timestamp`` and
``get_name()``.
"""

from __future__ import annotations

import dataclasses
import time

import libvirt

from nova_docker.virt import power_state

EVENT_LIFECYCLE_STARTED = 0
EVENT_LIFECYCLE_STOPPED = 1
EVENT_LIFECYCLE_PAUSED = 2
EVENT_LIFECYCLE_RESUMED = 3
EVENT_LIFECYCLE_SUSPENDED = 4

NAMES = {
    EVENT_LIFECYCLE_STARTED: "Started",
    EVENT_LIFECYCLE_STOPPED: "Stopped",
    EVENT_LIFECYCLE_PAUSED: "Paused",
    EVENT_LIFECYCLE_RESUMED: "Resumed",
    EVENT_LIFECYCLE_SUSPENDED: "Suspended",
}

#: libvirt domain event -> lifecycle transition (events not listed are not reported).
_LIBVIRT_TO_TRANSITION = {
    libvirt.VIR_DOMAIN_EVENT_STARTED: EVENT_LIFECYCLE_STARTED,
    libvirt.VIR_DOMAIN_EVENT_STOPPED: EVENT_LIFECYCLE_STOPPED,
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: EVENT_LIFECYCLE_PAUSED,
    libvirt.VIR_DOMAIN_EVENT_RESUMED: EVENT_LIFECYCLE_RESUMED,
    libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED: EVENT_LIFECYCLE_SUSPENDED,
}

#: The power state a transition leaves the instance in.
TRANSITION_POWER_STATE = {
    EVENT_LIFECYCLE_STARTED: power_state.RUNNING,
    EVENT_LIFECYCLE_STOPPED: power_state.SHUTDOWN,
    EVENT_LIFECYCLE_PAUSED: power_state.PAUSED,
    EVENT_LIFECYCLE_RESUMED: power_state.RUNNING,
    EVENT_LIFECYCLE_SUSPENDED: power_state.SUSPENDED,
}


@dataclasses.dataclass
class LifecycleEvent:
    uuid: str
    transition: int
    timestamp: float = dataclasses.field(default_factory=time.time)
    #: "libvirt" for this driver; lets a hybrid host say where the event came from.
    source: str = "libvirt"

    def get_name(self) -> str:
        return NAMES.get(self.transition, "Unknown")

    def __str__(self) -> str:
        return f"<LifecycleEvent: {self.timestamp}, {self.uuid} => {self.get_name()}>"


def from_libvirt(uuid: str, event: int, detail: int) -> LifecycleEvent | None:
    """Map a libvirt lifecycle callback to a LifecycleEvent, or None if not reported."""
    if event == libvirt.VIR_DOMAIN_EVENT_STOPPED and (
        detail == libvirt.VIR_DOMAIN_EVENT_STOPPED_SAVED
    ):
        # A managed save (suspend) stops the domain: report it as suspended, as Nova's
        # compute manager would see the instance.
        return LifecycleEvent(uuid, EVENT_LIFECYCLE_SUSPENDED)
    transition = _LIBVIRT_TO_TRANSITION.get(event)
    if transition is None:
        return None
    return LifecycleEvent(uuid, transition)
