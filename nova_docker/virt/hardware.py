"""What a driver reports about one instance (Nova's hardware.InstanceInfo, widened)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class InstanceInfo:
    """``state`` and ``internal_id`` as in Nova; the rest are what the hypervisor measured."""

    state: int
    internal_id: str | None = None
    max_mem_kb: int = 0
    mem_kb: int = 0
    num_cpu: int = 0
    cpu_time_ns: int = 0
    hypervisor: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
