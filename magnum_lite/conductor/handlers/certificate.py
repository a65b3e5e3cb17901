"""Certificate calls: sign a CSR, return the CA, rotate the CA (a cluster operation)."""

from __future__ import annotations

from typing import Any

from magnum_lite.common import exception
from magnum_lite.conductor import certificates, states
from magnum_lite.conductor.handlers import common


def _cluster(hctx: common.HandlerContext, cluster_uuid: str) -> Any:
    if not cluster_uuid or not isinstance(cluster_uuid, str):
        raise exception.Invalid(reason="a cluster uuid is required")
    return hctx.db.get_cluster_by_uuid(cluster_uuid)


def sign(hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str, csr: str) -> str:
    if not isinstance(csr, str | bytes):
        raise exception.Invalid(reason="the CSR must be a PEM string")
    cluster = _cluster(hctx, cluster_uuid)
    return certificates.sign_client_csr(hctx.db, cluster, csr)


def get_ca(
    hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str, ca_cert_type: str | None
) -> str:
    cluster = _cluster(hctx, cluster_uuid)
    return certificates.get_ca_certificate(hctx.db, cluster, ca_cert_type)


def check_rotate(hctx: common.HandlerContext, cluster_uuid: str) -> Any:
    """Refuse a rotation the cluster cannot take (raised to the API as 400)."""
    cluster = _cluster(hctx, cluster_uuid)
    template = hctx.db.get_cluster_template_by_uuid(cluster.cluster_template_id)
    if template.tls_disabled:
        raise exception.Invalid(reason="cannot rotate the CA of a cluster with TLS disabled")
    if cluster.status in (states.DELETE_IN_PROGRESS, states.CREATE_IN_PROGRESS):
        raise exception.InvalidState(
            reason=f"cannot rotate the CA of cluster {cluster_uuid} while it is {cluster.status}"
        )
    from magnum_lite.drivers import base

    driver = hctx.driver_for(cluster)
    method = getattr(type(driver), "rotate_ca_certificate", None)
    if method is None or method is base.Driver.rotate_ca_certificate:
        # Refuse before touching the CA: a new CA the nodes never get would cut them off.
        raise exception.NotSupported(
            operation=f"Rotating the CA of {type(driver).__name__} clusters"
        )
    return cluster


def rotate(hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str) -> common.Outcome:
    """New CA, then the driver re-issues node certificates and restarts node engines."""

    def work(driver: Any, cluster: Any, deadline: float) -> None:
        certificates.rotate_ca(hctx.db, cluster)
        driver.rotate_ca_certificate(ctxt, cluster, deadline)

    return common.run_op(hctx, cluster_uuid, states.ROTATE_CA, work)
