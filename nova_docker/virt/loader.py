"""Load a compute driver by its entry point name (group nova_docker.compute_drivers)."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from stevedore import driver as stevedore_driver

from nova_docker import exception

NAMESPACE = "nova_docker.compute_drivers"


def known_drivers() -> list[str]:
    """Names of the installed drivers (without importing them)."""
    return sorted({ep.name for ep in metadata.entry_points(group=NAMESPACE)})


def load_driver(name: str, virtapi: Any = None) -> Any:
    """An instance of the driver called ``name``.

    Raises DriverNotFound (listing the known names) for an unknown name, and
    HypervisorUnavailable when the driver exists but cannot be imported or built.
    """
    known = known_drivers()
    if name not in known:
        raise exception.DriverNotFound(name=name, known=", ".join(known) or "none")

    def _failed(manager: Any, entrypoint: Any, exc: Exception) -> None:
        raise exception.HypervisorUnavailable(
            reason=f"compute driver {name} ({entrypoint.value}) failed to load: "
            f"{type(exc).__name__}: {exc}"
        ) from exc

    manager = stevedore_driver.DriverManager(
        NAMESPACE,
        name,
        invoke_on_load=True,
        invoke_args=(virtapi,),
        on_load_failure_callback=_failed,
    )
    return manager.driver
