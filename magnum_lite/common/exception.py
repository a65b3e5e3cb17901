"""Exceptions of magnum_lite.

Every class derives from nova_docker's base, so it carries ``msg_fmt`` and an HTTP ``code``
and can travel over oslo.messaging (``magnum_lite.common.exception`` is in the RPC layer's
``allowed_remote_exmods``). The API turns ``code`` into the status of Magnum's error body.
"""

from __future__ import annotations

from nova_docker.exception import NovaDockerException


class MagnumLiteException(NovaDockerException):
    msg_fmt = "An unknown error occurred."
    code = 500


# 400 -----------------------------------------------------------------------------------
class Invalid(MagnumLiteException):
    msg_fmt = "Invalid input: %(reason)s"
    code = 400


class InvalidParameterValue(Invalid):
    msg_fmt = "%(err)s"


class InvalidName(Invalid):
    msg_fmt = "Expected a name but received %(name)s."


class InvalidUuidOrName(Invalid):
    msg_fmt = "Expected a name or uuid but received %(uuid)s."


class InvalidJsonPatch(Invalid):
    msg_fmt = "Invalid JSON-Patch: %(reason)s"


class NotSupported(Invalid):
    msg_fmt = "%(operation)s is not supported."


class ClusterTemplateReferenced(Invalid):
    msg_fmt = "ClusterTemplate %(clustertemplate)s is referenced by one or multiple clusters."


class InvalidState(Invalid):
    msg_fmt = "%(reason)s"


# 401/403 -------------------------------------------------------------------------------
class NotAuthorized(MagnumLiteException):
    msg_fmt = "Not authorized."
    code = 403


class PolicyNotAuthorized(NotAuthorized):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


class ResourceLimitExceeded(NotAuthorized):
    msg_fmt = "Resource Limit Exceeded: %(msg)s"


# 404 -----------------------------------------------------------------------------------
class NotFound(MagnumLiteException):
    msg_fmt = "Resource could not be found: %(reason)s"
    code = 404


class ClusterTemplateNotFound(NotFound):
    msg_fmt = "ClusterTemplate %(clustertemplate)s could not be found."


class ClusterNotFound(NotFound):
    msg_fmt = "Cluster %(cluster)s could not be found."


class NodeGroupNotFound(NotFound):
    msg_fmt = "Nodegroup %(nodegroup)s could not be found."


class NodeNotFound(NotFound):
    msg_fmt = "Node %(node)s could not be found."


class CertificateNotFound(NotFound):
    msg_fmt = "Certificate %(kind)s of cluster %(cluster)s could not be found."


class QuotaNotFound(NotFound):
    msg_fmt = "Quota %(msg)s could not be found."


class ServiceNotFound(NotFound):
    msg_fmt = "Service %(binary)s on host %(host)s could not be found."


class ImageNotFound(NotFound):
    msg_fmt = "Image %(image_id)s could not be found."


class ResourceNotFound(NotFound):
    msg_fmt = "The resource could not be found: %(reason)s"


# 406 -----------------------------------------------------------------------------------
class MicroversionUnsupported(MagnumLiteException):
    msg_fmt = (
        "Version %(version)s was requested but the minor version is not supported by this service."
    )
    code = 406


# 409 -----------------------------------------------------------------------------------
class Conflict(MagnumLiteException):
    msg_fmt = "Conflict: %(reason)s"
    code = 409


class ClusterTemplateAlreadyExists(Conflict):
    msg_fmt = "A ClusterTemplate with UUID %(uuid)s already exists."


class ClusterAlreadyExists(Conflict):
    msg_fmt = "A cluster with UUID %(uuid)s already exists."


class NodeGroupAlreadyExists(Conflict):
    msg_fmt = "A nodegroup with name %(name)s already exists in cluster %(cluster_id)s."


class NodeAlreadyExists(Conflict):
    msg_fmt = "A node with UUID %(uuid)s already exists."


class QuotaAlreadyExists(Conflict):
    msg_fmt = "Quota for project %(project_id)s already exists for resource %(resource)s."


class Conflicting(Conflict):
    msg_fmt = (
        "Multiple %(resource)s exist with the same name %(name)s. Please use the uuid instead."
    )


class ClusterStatusChanged(Conflict):
    """update_cluster(expected_status=...) found another status: someone else moved it."""

    msg_fmt = "Cluster %(cluster)s is %(status)s, expected one of %(expected)s."


# Timeouts ------------------------------------------------------------------------------
class ClusterTimeout(MagnumLiteException):
    """A driver step ran past the operation's deadline (create_timeout, update_timeout...)."""

    msg_fmt = "Timed out: %(reason)s"
    code = 500


# 503 -----------------------------------------------------------------------------------
class ConductorUnavailable(MagnumLiteException):
    msg_fmt = "The conductor could not be reached: %(reason)s"
    code = 503
