"""Certificate material of clusters, kept in the database with encrypted private keys.

Rows of ``x509_certificates`` per cluster: kind ``ca`` (the bay CA), ``client`` (the
conductor's own admin client certificate for the cluster's TLS API) and ``server`` (one per
node, named after it). Private keys are stored Fernet-encrypted (common/crypto.py), never
in clear.
"""

from __future__ import annotations

import threading
from typing import Any

from oslo_log import log as logging

from magnum_lite.common import crypto, exception, x509

LOG = logging.getLogger(__name__)

CA = "ca"
CLIENT = "client"
SERVER = "server"

#: ca_cert_type values a client may ask for; swarm-mode bays have a single CA.
_CA_TYPES = {None, "", "default", "ca"}

_ca_lock = threading.Lock()


def _uuid(cluster: Any) -> str:
    return cluster if isinstance(cluster, str) else cluster.uuid


def _store(db: Any, cluster_uuid: str, kind: str, name: str, cert: str, key: str) -> None:
    db.create_certificate(
        {
            "cluster_uuid": cluster_uuid,
            "kind": kind,
            "name": name,
            "cert_pem": cert,
            "encrypted_key": crypto.encrypt(key),
        }
    )


def _load(db: Any, cluster_uuid: str, kind: str) -> tuple[str, str] | None:
    try:
        row = db.get_certificate(cluster_uuid, kind)
    except exception.NotFound:
        return None
    return row.cert_pem, crypto.decrypt(row.encrypted_key)


def ensure_cluster_ca(db: Any, cluster: Any) -> tuple[str, str]:
    """The cluster's CA (cert_pem, key_pem), generated and stored on first use."""
    cluster_uuid = _uuid(cluster)
    found = _load(db, cluster_uuid, CA)
    if found:
        return found
    with _ca_lock:
        found = _load(db, cluster_uuid, CA)
        if found:
            return found
        name = getattr(cluster, "name", None) or cluster_uuid
        cert, key = x509.generate_ca(f"{name} CA")
        _store(db, cluster_uuid, CA, f"{name} CA", cert, key)
        LOG.info("Generated the CA of cluster %s", cluster_uuid)
        return cert, key


def get_ca(db: Any, cluster_uuid: str) -> tuple[str, str]:
    """(cert_pem, key_pem) of an existing cluster CA; CertificateNotFound if none."""
    found = _load(db, cluster_uuid, CA)
    if not found:
        raise exception.CertificateNotFound(kind=CA, cluster=cluster_uuid)
    return found


def get_ca_certificate(db: Any, cluster: Any, ca_cert_type: str | None = None) -> str:
    """The CA certificate PEM a client or node trusts (the GET certificates API)."""
    if ca_cert_type not in _CA_TYPES:
        raise exception.Invalid(
            reason=f"ca_cert_type {ca_cert_type!r} is not used by this cluster; "
            "swarm-mode clusters have a single CA (omit ca_cert_type)"
        )
    return ensure_cluster_ca(db, cluster)[0]


def issue_node_server_cert(
    db: Any,
    cluster: Any,
    name: str,
    sans_ips: tuple[str, ...] | list[str] = (),
    sans_dns: tuple[str, ...] | list[str] = (),
) -> tuple[str, str]:
    """A server certificate for a node's TLS Docker API: (cert_pem, key_pem), stored."""
    ca_cert, ca_key = ensure_cluster_ca(db, cluster)
    dns = [name, *sans_dns]
    ips = ["127.0.0.1", *sans_ips]
    cert, key = x509.issue_cert(ca_cert, ca_key, name, sans_ips=ips, sans_dns=dns)
    _store(db, _uuid(cluster), SERVER, name, cert, key)
    return cert, key


def get_client_cert(db: Any, cluster: Any) -> tuple[str, str]:
    """The conductor's admin client certificate for the cluster: (cert_pem, key_pem)."""
    cluster_uuid = _uuid(cluster)
    found = _load(db, cluster_uuid, CLIENT)
    if found:
        return found
    ca_cert, ca_key = ensure_cluster_ca(db, cluster)
    cert, key = x509.issue_cert(
        ca_cert, ca_key, "admin", client=True, organization="system:masters"
    )
    _store(db, cluster_uuid, CLIENT, "admin", cert, key)
    return cert, key


def sign_client_csr(db: Any, cluster: Any, csr: str) -> str:
    """Sign a user's CSR with the cluster CA (the POST certificates API)."""
    x509.load_csr(csr)  # a bad CSR is a 400 even before the CA exists
    ca_cert, ca_key = ensure_cluster_ca(db, cluster)
    return x509.sign_csr(ca_cert, ca_key, csr, client=True)


def rotate_ca(db: Any, cluster: Any) -> tuple[str, str]:
    """Replace the CA and drop every certificate it signed; returns the new CA.

    The driver then issues new node certificates and restarts the node engines.
    """
    cluster_uuid = _uuid(cluster)
    with _ca_lock:
        db.destroy_certificates(cluster_uuid)
    return ensure_cluster_ca(db, cluster)


def delete_all(db: Any, cluster_uuid: str) -> None:
    db.destroy_certificates(cluster_uuid)


class Certificates:
    """The functions above bound to one DB connection (what drivers receive)."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def ensure_cluster_ca(self, cluster: Any) -> tuple[str, str]:
        return ensure_cluster_ca(self.db, cluster)

    def get_ca(self, cluster_uuid: str) -> tuple[str, str]:
        return get_ca(self.db, cluster_uuid)

    def get_ca_certificate(self, cluster: Any, ca_cert_type: str | None = None) -> str:
        return get_ca_certificate(self.db, cluster, ca_cert_type)

    def issue_node_server_cert(
        self,
        cluster: Any,
        name: str,
        sans_ips: tuple[str, ...] | list[str] = (),
        sans_dns: tuple[str, ...] | list[str] = (),
    ) -> tuple[str, str]:
        return issue_node_server_cert(self.db, cluster, name, sans_ips, sans_dns)

    def get_client_cert(self, cluster: Any) -> tuple[str, str]:
        return get_client_cert(self.db, cluster)

    def sign_client_csr(self, cluster: Any, csr: str) -> str:
        return sign_client_csr(self.db, cluster, csr)

    def rotate_ca(self, cluster: Any) -> tuple[str, str]:
        return rotate_ca(self.db, cluster)

    def delete_all(self, cluster_uuid: str) -> None:
        delete_all(self.db, cluster_uuid)
