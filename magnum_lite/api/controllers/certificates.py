"""``/v1/certificates``: the cluster CA (GET), CSR signing (POST), CA rotation (PATCH).

The conductor holds the CA keys; these calls go to it over RPC and wait for the answer.
"""

from __future__ import annotations

from typing import Any

from magnum_lite.api import validation, versions, views
from magnum_lite.api.app import Result
from magnum_lite.api.controllers import common
from magnum_lite.api.validation import STR, Field
from magnum_lite.common import exception

FIELDS: dict[str, Field] = {
    "cluster_uuid": STR,
    "bay_uuid": STR,
    "csr": Field("str", max_length=64 * 1024),
    "ca_cert_type": STR,
}
CA_TYPES = ("etcd", "front_proxy", "front-proxy")


def _cluster(req: Any, ident: str, action: str) -> Any:
    row = common.get_cluster(req, ident)
    common.authorize(req, action, row.project_id)
    return row


def get_one(req: Any, ident: str) -> Result:
    row = _cluster(req, ident, "certificate:get")
    ca_type = req.GET.get("ca_cert_type") or None
    if ca_type is not None and ca_type not in CA_TYPES:
        raise exception.InvalidParameterValue(
            err=f"Invalid ca_cert_type '{ca_type}': use one of {', '.join(CA_TYPES)} or none."
        )
    pem = req.rpc.get_ca_certificate(req.context, cluster_uuid=row.uuid, ca_cert_type=ca_type)
    body = {
        "cluster_uuid": row.uuid,
        "pem": pem,
        "links": views.links(req.base_url, "certificates", row.uuid),
    }
    if not req.at_least(versions.NO_BAYS):
        body["bay_uuid"] = row.uuid
    return Result(200, body)


def post(req: Any) -> Result:
    body = validation.check_body(req.json(), "certificate")
    values = validation.coerce_fields(body, FIELDS, "certificate")
    ident = values.get("cluster_uuid") or values.get("bay_uuid")
    validation.require({"cluster_uuid": ident, "csr": values.get("csr")}, "cluster_uuid", "csr")
    row = _cluster(req, ident, "certificate:create")
    csr = values["csr"]
    if "BEGIN CERTIFICATE REQUEST" not in csr:
        raise exception.InvalidParameterValue(
            err="Invalid input for field/attribute csr: a PEM certificate signing request "
            "(-----BEGIN CERTIFICATE REQUEST-----) is expected."
        )
    pem = req.rpc.sign_certificate(req.context, cluster_uuid=row.uuid, csr=csr)
    out = {
        "cluster_uuid": row.uuid,
        "csr": csr,
        "pem": pem,
        "links": views.links(req.base_url, "certificates", row.uuid),
    }
    if not req.at_least(versions.NO_BAYS):
        out["bay_uuid"] = row.uuid
    return Result(201, out)


def patch_one(req: Any, ident: str) -> Result:
    row = _cluster(req, ident, "certificate:rotate_ca")
    template = req.db.get_cluster_template_by_uuid(row.cluster_template_id)
    if template.tls_disabled:
        raise exception.NotSupported(
            operation=f"Rotating the CA of cluster {row.uuid} (its template has TLS disabled)"
        )
    req.rpc.rotate_ca_certificate(req.context, cluster_uuid=row.uuid)
    return Result(202, {"uuid": row.uuid})


def register(app: Any) -> None:
    app.add("GET", "/v1/certificates/{ident}", get_one)
    app.add("POST", "/v1/certificates", post)
    app.add("PATCH", "/v1/certificates/{ident}", patch_one, min_version=versions.CA_ROTATE)
