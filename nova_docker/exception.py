"""Exceptions of nova_docker.

Each class carries a message format and an HTTP-like code, like Nova's and Ironic's, so
that the same classes can travel over oslo.messaging (the RPC layer lists this module in
``allowed_remote_exmods``) and still read well on the far side.
"""

from __future__ import annotations

from typing import Any


class NovaDockerException(Exception):
    """Base class: ``msg_fmt`` is filled from keyword arguments."""

    msg_fmt = "An unknown error occurred."
    code = 500

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                # A missing keyword must not hide the real error behind a formatting one.
                message = self.msg_fmt
        self.message = str(message)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class Invalid(NovaDockerException):
    msg_fmt = "Invalid input: %(reason)s"
    code = 400


class NotFound(NovaDockerException):
    msg_fmt = "Resource could not be found: %(reason)s"
    code = 404


class InstanceNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s could not be found."


class InstanceExists(Invalid):
    msg_fmt = "Instance %(name)s already exists."
    code = 409


class ImageNotFound(NotFound):
    msg_fmt = "Image %(image_id)s could not be found."


class ImageUnacceptable(Invalid):
    msg_fmt = "Image %(image_id)s is unacceptable: %(reason)s"


class FlavorTooLarge(Invalid):
    msg_fmt = "Flavor does not fit on this host: %(reason)s"


class FlavorDiskSmallerThanImage(Invalid):
    msg_fmt = (
        "Flavor's disk is too small for the requested image: the flavor has %(flavor_size)s "
        "bytes, the image is %(image_size)s bytes."
    )


class InstanceDeployFailure(NovaDockerException):
    msg_fmt = "Failed to deploy instance: %(reason)s"


class InstancePowerOffFailure(NovaDockerException):
    msg_fmt = "Failed to power off instance: %(reason)s"


class InstanceInvalidState(Invalid):
    msg_fmt = "Instance %(instance_uuid)s is in state %(state)s; cannot %(method)s."
    code = 409


class HypervisorUnavailable(NovaDockerException):
    msg_fmt = "The hypervisor is unavailable: %(reason)s"
    code = 503


class NetworkNotFound(NotFound):
    msg_fmt = "Network %(network_id)s could not be found."


class InterfaceAttachFailed(NovaDockerException):
    msg_fmt = "Failed to attach a network interface to instance %(instance_uuid)s: %(reason)s"


class InterfaceDetachFailed(NovaDockerException):
    msg_fmt = "Failed to detach a network interface from instance %(instance_uuid)s: %(reason)s"


class NotSupported(Invalid):
    msg_fmt = "Not supported: %(reason)s"


class DriverNotFound(NotFound):
    msg_fmt = "Compute driver %(name)s could not be found; known drivers: %(known)s."


class ComputeUnavailable(NovaDockerException):
    msg_fmt = "Compute host %(host)s did not answer within %(timeout)s s: %(reason)s"
    code = 503


class ShuttingDown(NovaDockerException):
    msg_fmt = "Compute host %(host)s is shutting down and accepts no new work."
    code = 503
